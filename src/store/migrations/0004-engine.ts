/**
 * @module Engine state: links are kept per object pair of a sync (`object`), ids on each side are unique per pair,
 * and each sync has one state row holding its cursors (committed with the links of each batch).
 *
 * On Postgres the link id columns use the "C" collation, so "ordered by a_id" means byte order — the order a
 * connector's id-ordered listing uses — whatever the database's default collation is. Full scans merge-join the
 * two streams and would mis-detect deletes if the orders differed.
 */
import { sql, type Kysely } from 'kysely';
import { dialectTypes, type DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = dialectTypes(dialect);
  await db.schema.dropIndex('links_sync_a_uq').execute();
  await db.schema.dropIndex('links_sync_b_uq').execute();
  await db.schema
    .alterTable('links')
    .addColumn('object', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  if (dialect === 'postgres') {
    await sql`alter table links alter column a_id type text collate "C"`.execute(db);
    await sql`alter table links alter column b_id type text collate "C"`.execute(db);
  }
  await db.schema
    .createIndex('links_pair_a_uq')
    .unique()
    .on('links')
    .columns(['sync_id', 'object', 'a_id'])
    .execute();
  await db.schema
    .createIndex('links_pair_b_uq')
    .unique()
    .on('links')
    .columns(['sync_id', 'object', 'b_id'])
    .execute();
  await db.schema
    .createIndex('links_pair_status_idx')
    .on('links')
    .columns(['sync_id', 'object', 'status', 'id'])
    .execute();

  await db.schema
    .createTable('sync_state')
    .addColumn('sync_id', 'text', (c) => c.primaryKey().references('syncs.id').onDelete('cascade'))
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('state', t.json, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
