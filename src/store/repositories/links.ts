/**
 * @module Links: one row per record pair of a sync's object pair — both ids, the base both sides last agreed on,
 * each side's checksum of that base, and a status (ok, pending creates/deletes, retry, conflict…). Reads are by
 * batches of ids or keyset streams in id order; writes are batched upserts: never a query per record.
 */
import { sql, type Kysely } from 'kysely';
import type { LinkStatus, LinkView } from '../../engine/decide.js';
import type { Side } from '../../engine/definition.js';
import type { Projection } from '../../engine/mapping.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database } from '../schema.js';

const CHUNK = 500;

export interface LinkRow extends LinkView {
  /** What a pending create sends, kept so recovery can look for it by natural key. */
  intent: Record<string, unknown> | null;
  lastPushedAt: string | null;
  lastPulledAt: string | null;
}

/** The columns a checksum comparison needs, without the base (a full scan reads one per record). */
export interface LightLinkRow {
  id: string;
  aId: string | null;
  bId: string | null;
  aChecksum: string | null;
  bChecksum: string | null;
  status: LinkStatus;
}

export interface LinkWrite {
  id: string;
  aId: string | null;
  bId: string | null;
  baseA: Projection | null;
  baseB: Projection | null;
  aChecksum: string | null;
  bChecksum: string | null;
  status: LinkStatus;
  error: string | null;
  intent?: Record<string, unknown> | null;
  inflight?: { a?: Projection; b?: Projection } | null;
  /** Set when this write follows a write to that side. */
  pushed?: boolean;
  pulled?: boolean;
}

/** What a record list shows about one record's link: no base (it can be large), the pair it belongs to. */
export interface RecordLinkRow {
  syncId: string;
  object: string;
  aId: string;
  bId: string | null;
  status: LinkStatus;
  error: string | null;
  updatedAt: string;
  lastPushedAt: string | null;
  lastPulledAt: string | null;
  /** Checksum of the mapped fields as both sides last agreed on them (side a's projection). */
  checksum: string | null;
}

type Row = { [K in keyof Database['links']]: unknown };

function toLink(r: Row): LinkRow {
  const base =
    fromJson<{
      a?: Projection | null;
      b?: Projection | null;
      intent?: Record<string, unknown>;
      inflight?: { a?: Projection; b?: Projection };
    } | null>(r.base) ?? {};
  return {
    id: r.id as string,
    aId: (r.a_id as string | null) ?? null,
    bId: (r.b_id as string | null) ?? null,
    baseA: base.a ?? null,
    baseB: base.b ?? null,
    aChecksum: (r.a_checksum as string | null) ?? null,
    bChecksum: (r.b_checksum as string | null) ?? null,
    status: r.status as LinkStatus,
    error: (r.error as string | null) ?? null,
    intent: base.intent ?? null,
    inflight: base.inflight ?? null,
    lastPushedAt: (r.last_pushed_at as string | null) ?? null,
    lastPulledAt: (r.last_pulled_at as string | null) ?? null,
  };
}

const column = (side: Side) => (side === 'a' ? 'a_id' : 'b_id');

export class LinkRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Links of these ids on one side, keyed by that id. */
  async bySideIds(
    orgId: string,
    syncId: string,
    object: string,
    side: Side,
    ids: readonly string[],
  ): Promise<Map<string, LinkRow>> {
    const out = new Map<string, LinkRow>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('links')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('sync_id', '=', syncId)
        .where('object', '=', object)
        .where(column(side), 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) {
        const link = toLink(row);
        out.set((side === 'a' ? link.aId : link.bId)!, link);
      }
    }
    return out;
  }

  /**
   * Side-a links of these records in any of these pairs, in one select: a page of records (at most a page size,
   * below CHUNK) beside its links, walking the (sync, object, a_id) index once per pair.
   */
  async forSideARecords(
    orgId: string,
    pairs: readonly { syncId: string; object: string }[],
    aIds: readonly string[],
  ): Promise<RecordLinkRow[]> {
    if (pairs.length === 0 || aIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('links')
      .select([
        'sync_id',
        'object',
        'a_id',
        'b_id',
        'status',
        'error',
        'updated_at',
        'last_pushed_at',
        'last_pulled_at',
        'a_checksum',
      ])
      .where('org_id', '=', orgId)
      .where((eb) =>
        eb.or(pairs.map((p) => eb.and([eb('sync_id', '=', p.syncId), eb('object', '=', p.object)]))),
      )
      .where('a_id', 'in', aIds as string[])
      .execute();
    return rows.map((r) => ({
      syncId: r.sync_id,
      object: r.object,
      aId: r.a_id!,
      bId: r.b_id,
      status: r.status as LinkStatus,
      error: r.error,
      updatedAt: r.updated_at,
      lastPushedAt: r.last_pushed_at,
      lastPulledAt: r.last_pulled_at,
      checksum: r.a_checksum,
    }));
  }

  /** Links with an id on `side`, in that id's byte order, after `after` (keyset). */
  async pageBySide(
    orgId: string,
    syncId: string,
    object: string,
    side: Side,
    after: string | null,
    limit: number,
  ): Promise<LinkRow[]> {
    let q = this.db
      .selectFrom('links')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .where('object', '=', object)
      .where(column(side), 'is not', null);
    if (after !== null) q = q.where(column(side), '>', after);
    return (await q.orderBy(column(side)).limit(limit).execute()).map(toLink);
  }

  /** Like pageBySide without the base: what a full scan compares checksums with. */
  async pageBySideLight(
    orgId: string,
    syncId: string,
    object: string,
    side: Side,
    after: string | null,
    limit: number,
  ): Promise<LightLinkRow[]> {
    let q = this.db
      .selectFrom('links')
      .select(['id', 'a_id', 'b_id', 'a_checksum', 'b_checksum', 'status'])
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .where('object', '=', object)
      .where(column(side), 'is not', null);
    if (after !== null) q = q.where(column(side), '>', after);
    const rows = await q.orderBy(column(side)).limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      aId: r.a_id,
      bId: r.b_id,
      aChecksum: r.a_checksum,
      bChecksum: r.b_checksum,
      status: r.status as LinkStatus,
    }));
  }

  async byIds(orgId: string, ids: readonly string[]): Promise<Map<string, LinkRow>> {
    const out = new Map<string, LinkRow>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('links')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
      for (const row of rows) out.set(row.id, toLink(row));
    }
    return out;
  }

  /** Links in given statuses, keyset by link id. */
  async pageByStatus(
    orgId: string,
    syncId: string,
    object: string,
    statuses: readonly LinkStatus[],
    after: string | null,
    limit: number,
  ): Promise<LinkRow[]> {
    let q = this.db
      .selectFrom('links')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .where('object', '=', object)
      .where('status', 'in', statuses as LinkStatus[]);
    if (after !== null) q = q.where('id', '>', after);
    return (await q.orderBy('id').limit(limit).execute()).map(toLink);
  }

  /** Links of a pair, all or only in the given statuses (an index range: cheap when few match). */
  async count(
    orgId: string,
    syncId: string,
    object: string,
    statuses?: readonly LinkStatus[],
  ): Promise<number> {
    let q = this.db
      .selectFrom('links')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .where('object', '=', object);
    if (statuses) q = q.where('status', 'in', statuses as LinkStatus[]);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Inserts or replaces whole links, in chunks of one statement each. */
  async upsertMany(
    orgId: string,
    syncId: string,
    object: string,
    links: readonly LinkWrite[],
  ): Promise<void> {
    if (links.length === 0) return;
    const now = nowIso();
    for (let i = 0; i < links.length; i += CHUNK) {
      const values = links.slice(i, i + CHUNK).map((l) => ({
        id: l.id,
        org_id: orgId,
        sync_id: syncId,
        object,
        a_id: l.aId,
        b_id: l.bId,
        base: toJson({
          a: l.baseA,
          b: l.baseB,
          ...(l.intent ? { intent: l.intent } : {}),
          ...(l.inflight ? { inflight: l.inflight } : {}),
        }),
        a_checksum: l.aChecksum,
        b_checksum: l.bChecksum,
        last_pushed_at: l.pushed ? now : null,
        last_pulled_at: l.pulled ? now : null,
        status: l.status,
        error: l.error,
        updated_at: now,
      }));
      await this.db
        .insertInto('links')
        .values(values)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
            a_id: eb.ref('excluded.a_id'),
            b_id: eb.ref('excluded.b_id'),
            base: eb.ref('excluded.base'),
            a_checksum: eb.ref('excluded.a_checksum'),
            b_checksum: eb.ref('excluded.b_checksum'),
            status: eb.ref('excluded.status'),
            error: eb.ref('excluded.error'),
            updated_at: eb.ref('excluded.updated_at'),
            last_pushed_at: sql<string | null>`coalesce(excluded.last_pushed_at, links.last_pushed_at)`,
            last_pulled_at: sql<string | null>`coalesce(excluded.last_pulled_at, links.last_pulled_at)`,
          })),
        )
        .execute();
    }
  }

  /** Sets status (and error) on links by id, keeping everything else. */
  async setStatus(
    orgId: string,
    ids: readonly string[],
    status: LinkStatus,
    error: string | null = null,
  ): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.db
        .updateTable('links')
        .set({ status, error, updated_at: nowIso() })
        .where('org_id', '=', orgId)
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
    }
  }

  async deleteMany(orgId: string, ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += CHUNK) {
      await this.db
        .deleteFrom('links')
        .where('org_id', '=', orgId)
        .where('id', 'in', ids.slice(i, i + CHUNK))
        .execute();
    }
  }

  /** Every link of a sync's pair, for tests and exports (use the page methods for large sets). */
  async all(orgId: string, syncId: string, object: string): Promise<LinkRow[]> {
    const rows = await this.db
      .selectFrom('links')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('sync_id', '=', syncId)
      .where('object', '=', object)
      .orderBy('id')
      .execute();
    return rows.map(toLink);
  }
}
