/**
 * @module Saved views: a named set of list filters (e.g. the runs list's URL query) belonging to the person or
 * API key that saved it, within one organization. Nobody else sees them.
 */
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, SavedViewsTable } from '../schema.js';

export interface SavedView {
  id: string;
  page: string;
  name: string;
  filters: Record<string, string>;
  createdAt: string;
}

export interface ViewOwner {
  type: SavedViewsTable['owner_type'];
  id: string;
}

export class SavedViewRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Every view of this owner for `page`, by name; a handful per person, so no pagination. */
  async list(orgId: string, owner: ViewOwner, page: string): Promise<SavedView[]> {
    const rows = await this.db
      .selectFrom('saved_views')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .where('page', '=', page)
      .orderBy('name')
      .limit(200)
      .execute();
    return rows.map(toView);
  }

  /** Saving under an existing name replaces that view's filters (same id). */
  async save(
    orgId: string,
    owner: ViewOwner,
    input: { page: string; name: string; filters: Record<string, string> },
  ): Promise<SavedView> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('saved_views')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('owner_type', '=', owner.type)
        .where('owner_id', '=', owner.id)
        .where('page', '=', input.page)
        .where('name', '=', input.name)
        .executeTakeFirst();
      if (existing) {
        await trx
          .updateTable('saved_views')
          .set({ filters: toJson(input.filters) })
          .where('id', '=', existing.id)
          .execute();
        return { ...toView(existing), filters: input.filters };
      }
      const row = {
        id: newId('svw'),
        org_id: orgId,
        owner_type: owner.type,
        owner_id: owner.id,
        page: input.page,
        name: input.name,
        filters: toJson(input.filters),
        created_at: nowIso(),
      };
      await trx.insertInto('saved_views').values(row).execute();
      return toView(row);
    });
  }

  async delete(orgId: string, owner: ViewOwner, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('saved_views')
      .where('org_id', '=', orgId)
      .where('owner_type', '=', owner.type)
      .where('owner_id', '=', owner.id)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function toView(row: Selectable<SavedViewsTable> | Record<string, unknown>): SavedView {
  const r = row as Selectable<SavedViewsTable>;
  return {
    id: r.id,
    page: r.page,
    name: r.name,
    filters: fromJson<Record<string, string>>(r.filters) ?? {},
    createdAt: r.created_at,
  };
}
