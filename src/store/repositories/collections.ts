/**
 * @module Collections: DataSync's own record store, one per content type, keyed per organization.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface Collection {
  id: string;
  orgId: string;
  key: string;
  name: string;
  schema: Record<string, unknown>;
  managedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

type Row = Database['collections'] extends infer T ? { [K in keyof T]: unknown } : never;

function toCollection(r: Row): Collection {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    key: r.key as string,
    name: r.name as string,
    schema: fromJson<Record<string, unknown>>(r.schema),
    managedBy: r.managed_by as string | null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

export class CollectionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    orgId: string,
    input: { key: string; name: string; schema?: Record<string, unknown>; managedBy?: string | null },
  ): Promise<Collection> {
    const now = nowIso();
    const row = {
      id: newId('col'),
      org_id: orgId,
      key: input.key,
      name: input.name,
      schema: toJson(input.schema ?? {}),
      managed_by: input.managedBy ?? null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('collections').values(row).execute();
    return toCollection(row);
  }

  async byKey(orgId: string, key: string): Promise<Collection | undefined> {
    const row = await this.db
      .selectFrom('collections')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row && toCollection(row);
  }

  async get(orgId: string, id: string): Promise<Collection | undefined> {
    const row = await this.db
      .selectFrom('collections')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toCollection(row);
  }

  async list(orgId: string, page: PageRequest = {}): Promise<Page<Collection>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('collections').selectAll().where('org_id', '=', orgId);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    return toPage(
      (
        await q
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
      ).map(toCollection),
      limit,
    );
  }

  async update(
    orgId: string,
    key: string,
    patch: { name?: string; schema?: Record<string, unknown> },
  ): Promise<Collection | undefined> {
    const set: Record<string, string> = { updated_at: nowIso() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.schema !== undefined) set.schema = toJson(patch.schema);
    await this.db
      .updateTable('collections')
      .set(set)
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .execute();
    return this.byKey(orgId, key);
  }

  async delete(orgId: string, key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('collections')
      .where('org_id', '=', orgId)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Marks a resource as managed by config as code (`'config'`), or hands it back to people (`null`). */
  async setManagedBy(orgId: string, id: string, managedBy: string | null): Promise<void> {
    await this.db
      .updateTable('collections')
      .set({ managed_by: managedBy })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}
