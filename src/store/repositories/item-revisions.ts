/**
 * @module The revision history of content items: one row per version of a record, written in the transaction
 * that wrote the record, so a version in `records` always has its row here (writes through the API, the demo
 * seed and restores; a version written by a sync has none and the history shows it as the current state).
 */
import type { Kysely } from 'kysely';
import { fromJson, toJson } from '../json.js';
import type { Database, RecordRevisionsTable } from '../schema.js';
import type { StoredRecord } from './records.js';

export type RevisionAction = RecordRevisionsTable['action'];

export interface RevisionActor {
  type: RecordRevisionsTable['actor_type'];
  id: string | null;
  label: string | null;
}

export interface ItemRevision {
  recordId: string;
  collectionId: string;
  version: number;
  status: StoredRecord['status'];
  data: Record<string, unknown>;
  action: RevisionAction;
  restoredFrom: number | null;
  actor: RevisionActor;
  createdAt: string;
}

function toRevision(r: { [K in keyof RecordRevisionsTable]?: unknown }): ItemRevision {
  return {
    recordId: r.record_id as string,
    collectionId: r.collection_id as string,
    version: Number(r.version),
    status: r.status as ItemRevision['status'],
    data: fromJson<Record<string, unknown>>(r.data),
    action: r.action as RevisionAction,
    restoredFrom: r.restored_from === null || r.restored_from === undefined ? null : Number(r.restored_from),
    actor: {
      type: r.actor_type as RevisionActor['type'],
      id: (r.actor_id as string | null) ?? null,
      label: (r.actor_label as string | null) ?? null,
    },
    createdAt: r.created_at as string,
  };
}

/** SQLite allows 32,766 bound parameters; 12 columns per row keeps a chunk well under it. */
const CHUNK = 500;

export class ItemRevisionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Keeps the versions just written (call in the transaction that wrote them). */
  async record(
    orgId: string,
    records: readonly StoredRecord[],
    meta: { action: RevisionAction; actor: RevisionActor; restoredFrom?: number | null },
  ): Promise<void> {
    const rows = records.map((r) => ({
      record_id: r.id,
      version: r.version,
      org_id: orgId,
      collection_id: r.collectionId,
      status: r.status,
      data: toJson(r.data),
      action: meta.action,
      restored_from: meta.restoredFrom ?? null,
      actor_type: meta.actor.type,
      actor_id: meta.actor.id,
      actor_label: meta.actor.label,
      created_at: r.updatedAt,
    }));
    for (let i = 0; i < rows.length; i += CHUNK) {
      // A write that changed nothing returns the stored version, which already has its revision.
      await this.db
        .insertInto('record_revisions')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) => oc.columns(['record_id', 'version']).doNothing())
        .execute();
    }
  }

  /** Every kept version of one item, newest first. */
  async list(orgId: string, recordId: string): Promise<ItemRevision[]> {
    const rows = await this.db
      .selectFrom('record_revisions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('record_id', '=', recordId)
      .orderBy('version', 'desc')
      .execute();
    return rows.map(toRevision);
  }

  async get(orgId: string, recordId: string, version: number): Promise<ItemRevision | undefined> {
    const row = await this.db
      .selectFrom('record_revisions')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('record_id', '=', recordId)
      .where('version', '=', version)
      .executeTakeFirst();
    return row && toRevision(row);
  }
}
