/**
 * @module The item × site mapping matrix. A missing cell means "not syndicated" (see effective-payload.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { MappingCell, MappingMode } from '../../content/effective-payload.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database } from '../schema.js';

export interface Mapping extends MappingCell {
  siteId: string;
}

export class MappingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async list(orgId: string, filter: { siteId?: string } = {}): Promise<Mapping[]> {
    // One site's cells come from the primary key (site_id, item_id). Without statistics SQLite would rather
    // walk the (org_id, item_id) index, reading every cell of the organization for each site (quadratic in a
    // fan-out); `org_id || ''` keeps the tenant check without offering that index.
    const q = filter.siteId
      ? this.db
          .selectFrom('mappings')
          .selectAll()
          .where('site_id', '=', filter.siteId)
          .where(sql<string>`org_id || ''`, '=', orgId)
      : this.db.selectFrom('mappings').selectAll().where('org_id', '=', orgId);
    const rows = await q.orderBy('site_id').orderBy('item_id').execute();
    return rows.map((r) => ({
      siteId: r.site_id,
      itemId: r.item_id,
      mode: r.mode,
      overrides: r.overrides === null ? null : fromJson<Record<string, unknown>>(r.overrides),
    }));
  }

  /** Sets cells (inside the caller's transaction when several must land together). */
  async put(
    orgId: string,
    cells: readonly {
      siteId: string;
      itemId: string;
      mode: MappingMode;
      overrides?: Record<string, unknown> | null;
    }[],
  ): Promise<void> {
    const now = nowIso();
    for (const cell of cells) {
      const overrides = cell.mode === 'override' ? toJson(cell.overrides ?? {}) : null;
      await this.db
        .insertInto('mappings')
        .values({
          org_id: orgId,
          site_id: cell.siteId,
          item_id: cell.itemId,
          mode: cell.mode,
          overrides,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['site_id', 'item_id']).doUpdateSet({ mode: cell.mode, overrides, updated_at: now }),
        )
        .execute();
    }
  }

  /** Clears a cell (back to "not sent"); 1 when there was one, 0 otherwise. */
  async remove(orgId: string, siteId: string, itemId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('mappings')
      .where('org_id', '=', orgId)
      .where('site_id', '=', siteId)
      .where('item_id', '=', itemId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
