/**
 * @module Conflicts: a record-level decision waiting for a person (per field: base, local and remote values). At
 * most one open conflict per link: a held record that changes again refreshes its open conflict.
 */
import type { Kysely } from 'kysely';
import type { ConflictField, FieldAnswer } from '../../engine/decide.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

const CHUNK = 500;

/** A person's answer: per field, which side's value wins. */
export type ConflictResolution = Record<string, FieldAnswer>;

export interface Conflict {
  id: string;
  orgId: string;
  syncId: string;
  linkId: string;
  /** The link's record ids on side a (local) and side b (remote); null before that side has the record. */
  localId: string | null;
  remoteId: string | null;
  runId: string | null;
  status: 'open' | 'resolved';
  fields: ConflictField[];
  resolution: ConflictResolution | null;
  resolvedBy: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

type Row = { [K in keyof Database['conflicts']]: unknown } & { local_id: unknown; remote_id: unknown };

function toConflict(r: Row): Conflict {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    syncId: r.sync_id as string,
    linkId: r.link_id as string,
    localId: (r.local_id as string | null) ?? null,
    remoteId: (r.remote_id as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    status: r.status as Conflict['status'],
    fields: fromJson<ConflictField[]>(r.fields),
    resolution: r.resolution === null ? null : fromJson<ConflictResolution>(r.resolution),
    resolvedBy: (r.resolved_by as string | null) ?? null,
    createdAt: r.created_at as string,
    resolvedAt: (r.resolved_at as string | null) ?? null,
  };
}

export class ConflictRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Conflicts with their link's record ids, so a person can find the record on either side. */
  private select(orgId: string) {
    return this.db
      .selectFrom('conflicts')
      .leftJoin('links', (j) =>
        j.onRef('links.id', '=', 'conflicts.link_id').onRef('links.org_id', '=', 'conflicts.org_id'),
      )
      .selectAll('conflicts')
      .select(['links.a_id as local_id', 'links.b_id as remote_id'])
      .where('conflicts.org_id', '=', orgId);
  }

  /** Opens a conflict per link, or refreshes the fields of the link's open one. */
  async raise(
    orgId: string,
    syncId: string,
    runId: string | null,
    items: readonly { linkId: string; fields: ConflictField[] }[],
  ): Promise<void> {
    if (items.length === 0) return;
    const open = await this.byLinks(
      orgId,
      items.map((i) => i.linkId),
      'open',
    );
    const now = nowIso();
    const inserts = [];
    for (const item of items) {
      const existing = open.get(item.linkId);
      if (existing) {
        await this.db
          .updateTable('conflicts')
          .set({ fields: toJson(item.fields), run_id: runId })
          .where('org_id', '=', orgId)
          .where('id', '=', existing.id)
          .execute();
      } else {
        inserts.push({
          id: newId('cfl'),
          org_id: orgId,
          sync_id: syncId,
          link_id: item.linkId,
          run_id: runId,
          status: 'open' as const,
          fields: toJson(item.fields),
          resolution: null,
          resolved_by: null,
          created_at: now,
          resolved_at: null,
        });
      }
    }
    for (let i = 0; i < inserts.length; i += CHUNK) {
      await this.db
        .insertInto('conflicts')
        .values(inserts.slice(i, i + CHUNK))
        .execute();
    }
  }

  /** The newest conflict per link in the given status. */
  async byLinks(
    orgId: string,
    linkIds: readonly string[],
    status: Conflict['status'],
  ): Promise<Map<string, Conflict>> {
    const out = new Map<string, Conflict>();
    for (let i = 0; i < linkIds.length; i += CHUNK) {
      const rows = await this.select(orgId)
        .where('conflicts.link_id', 'in', linkIds.slice(i, i + CHUNK))
        .where('conflicts.status', '=', status)
        .orderBy('conflicts.id')
        .execute();
      for (const row of rows) out.set(row.link_id, toConflict(row));
    }
    return out;
  }

  async get(orgId: string, id: string): Promise<Conflict | undefined> {
    const row = await this.select(orgId).where('conflicts.id', '=', id).executeTakeFirst();
    return row && toConflict(row);
  }

  /** Newest first. */
  async list(
    orgId: string,
    filter: { syncId?: string; status?: Conflict['status'] } = {},
    page: PageRequest = {},
  ): Promise<Page<Conflict>> {
    const limit = pageLimit(page);
    let q = this.select(orgId);
    if (filter.syncId) q = q.where('conflicts.sync_id', '=', filter.syncId);
    if (filter.status) q = q.where('conflicts.status', '=', filter.status);
    if (page.cursor) q = q.where('conflicts.id', '<', page.cursor);
    const rows = await q
      .orderBy('conflicts.id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toConflict), limit);
  }

  /**
   * Records a person's decision. The next run of the sync applies it (reads both sides, lets the chosen side win
   * each field) and releases the record. Returns undefined when there is no such open conflict.
   */
  async resolve(
    orgId: string,
    id: string,
    resolution: ConflictResolution,
    resolvedBy: string | null,
  ): Promise<Conflict | undefined> {
    const result = await this.db
      .updateTable('conflicts')
      .set({
        status: 'resolved',
        resolution: toJson(resolution),
        resolved_by: resolvedBy,
        resolved_at: nowIso(),
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return undefined;
    return this.get(orgId, id);
  }
}
