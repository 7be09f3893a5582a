/**
 * @module The ad server's local entities: records of one collection beside their link in the ad server sync
 * (one pair per entity type), so each entity's state (local, synced, from server, failed, waiting) is one read.
 */
import type { Kysely } from 'kysely';
import { fromJson } from '../json.js';
import type { Database } from '../schema.js';

export interface EntityRow {
  id: string;
  data: Record<string, unknown>;
  updatedAt: string;
  link: {
    bId: string | null;
    status: string;
    error: string | null;
    lastPushedAt: string | null;
    base: unknown;
  } | null;
}

export class AdServerEntityRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private query(orgId: string, collectionId: string, syncId: string, pair: string) {
    return this.db
      .selectFrom('records as r')
      .leftJoin('links as l', (join) =>
        join
          .onRef('l.a_id', '=', 'r.id')
          .on('l.org_id', '=', orgId)
          .on('l.sync_id', '=', syncId)
          .on('l.object', '=', pair),
      )
      .where('r.org_id', '=', orgId)
      .where('r.collection_id', '=', collectionId)
      .where('r.deleted_at', 'is', null);
  }

  /** One page of entities in id order, with their links. */
  async page(
    orgId: string,
    collectionId: string,
    syncId: string,
    pair: string,
    after: string | null,
    limit: number,
  ): Promise<EntityRow[]> {
    let q = this.query(orgId, collectionId, syncId, pair).select([
      'r.id',
      'r.data',
      'r.updated_at',
      'l.b_id',
      'l.status',
      'l.error',
      'l.last_pushed_at',
      'l.base',
    ]);
    if (after !== null) q = q.where('r.id', '>', after);
    const rows = await q.orderBy('r.id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      data: fromJson<Record<string, unknown>>(r.data),
      updatedAt: r.updated_at,
      link:
        r.status === null || r.status === undefined
          ? null
          : {
              bId: r.b_id ?? null,
              status: r.status,
              error: r.error ?? null,
              lastPushedAt: r.last_pushed_at ?? null,
              base: r.base === null || r.base === undefined ? null : fromJson(r.base),
            },
    }));
  }

  /** Every entity's link state without data (counts per state). */
  async states(
    orgId: string,
    collectionId: string,
    syncId: string,
    pair: string,
  ): Promise<
    { bId: string | null; status: string | null; error: string | null; lastPushedAt: string | null }[]
  > {
    const rows = await this.query(orgId, collectionId, syncId, pair)
      .select(['l.b_id', 'l.status', 'l.error', 'l.last_pushed_at'])
      .execute();
    return rows.map((r) => ({
      bId: r.b_id ?? null,
      status: r.status ?? null,
      error: r.error ?? null,
      lastPushedAt: r.last_pushed_at ?? null,
    }));
  }
}
