/**
 * @module Syncs: a named definition (validated by the engine before it is stored) plus its run state — cursors and
 * first-run flags per object pair, in `sync_state`, written in the same transaction as the links of each batch.
 */
import type { Kysely } from 'kysely';
import { parseSyncDefinition, type SyncDefinition } from '../../engine/definition.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, SyncsTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface Sync {
  id: string;
  orgId: string;
  name: string;
  definition: SyncDefinition;
  status: SyncsTable['status'];
  schedule: string | null;
  managedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Run state of one pair: where each side's cursor stands, and whether first-run matching is done. */
export interface PairState {
  cursorA?: string | null;
  cursorB?: string | null;
  matched?: boolean;
}

export interface SyncState {
  pairs: Record<string, PairState>;
}

type Row = { [K in keyof SyncsTable]: unknown };

function toSync(r: Row): Sync {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    name: r.name as string,
    definition: parseSyncDefinition(fromJson(r.definition)),
    status: r.status as Sync['status'],
    schedule: (r.schedule as string | null) ?? null,
    managedBy: (r.managed_by as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

export class SyncRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Validates the definition (typed `validation_failed` error) and stores it. */
  async create(
    orgId: string,
    input: {
      name: string;
      definition: unknown;
      schedule?: string | null;
      status?: Sync['status'];
      managedBy?: string | null;
    },
  ): Promise<Sync> {
    const definition = parseSyncDefinition(input.definition);
    const now = nowIso();
    const row = {
      id: newId('syn'),
      org_id: orgId,
      name: input.name,
      definition: toJson(definition),
      status: input.status ?? 'active',
      schedule: input.schedule ?? null,
      managed_by: input.managedBy ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('syncs').values(row).execute();
    return toSync(row);
  }

  async get(orgId: string, id: string): Promise<Sync | undefined> {
    const row = await this.db
      .selectFrom('syncs')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSync(row);
  }

  /** Names are unique per organization (syncs_org_name_uq). */
  async byName(orgId: string, name: string): Promise<Sync | undefined> {
    const row = await this.db
      .selectFrom('syncs')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .executeTakeFirst();
    return row && toSync(row);
  }

  async list(orgId: string, page: PageRequest = {}): Promise<Page<Sync>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('syncs').selectAll().where('org_id', '=', orgId);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toSync), limit);
  }

  /**
   * Syncs whose side a is the local collection `key`, with the names of the pairs that read it (newest sync
   * first). Definitions are JSON on both dialects, so the filter runs here; an organization has few syncs.
   */
  async onCollection(orgId: string, key: string): Promise<{ sync: Sync; pairs: string[] }[]> {
    const rows = await this.db
      .selectFrom('syncs')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .execute();
    return rows.flatMap((row) => {
      const sync = toSync(row);
      if (sync.definition.a.connector !== 'collection') return [];
      const pairs = sync.definition.objects.filter((o) => o.a === key).map((o) => o.name);
      return pairs.length > 0 ? [{ sync, pairs }] : [];
    });
  }

  async update(
    orgId: string,
    id: string,
    patch: { name?: string; definition?: unknown; schedule?: string | null; status?: Sync['status'] },
  ): Promise<Sync | undefined> {
    const set: Record<string, unknown> = { updated_at: nowIso() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.definition !== undefined) set.definition = toJson(parseSyncDefinition(patch.definition));
    if (patch.schedule !== undefined) set.schedule = patch.schedule;
    if (patch.status !== undefined) set.status = patch.status;
    await this.db.updateTable('syncs').set(set).where('org_id', '=', orgId).where('id', '=', id).execute();
    return this.get(orgId, id);
  }

  /**
   * Pauses the sync only if it is active, in one statement: of several checks racing on the same streak, exactly
   * one sees `true` (and raises the alert).
   */
  async pauseIfActive(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('syncs')
      .set({ status: 'paused', updated_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('syncs')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async state(orgId: string, syncId: string): Promise<SyncState> {
    const row = await this.db
      .selectFrom('sync_state')
      .select('state')
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .executeTakeFirst();
    return row ? fromJson<SyncState>(row.state) : { pairs: {} };
  }

  async saveState(orgId: string, syncId: string, state: SyncState): Promise<void> {
    const now = nowIso();
    await this.db
      .insertInto('sync_state')
      .values({ sync_id: syncId, org_id: orgId, state: toJson(state), updated_at: now })
      .onConflict((oc) => oc.column('sync_id').doUpdateSet({ state: toJson(state), updated_at: now }))
      .execute();
  }

  /** Marks a resource as managed by config as code (`'config'`), or hands it back to people (`null`). */
  async setManagedBy(orgId: string, id: string, managedBy: string | null): Promise<void> {
    await this.db
      .updateTable('syncs')
      .set({ managed_by: managedBy })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}
