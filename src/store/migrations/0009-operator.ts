/**
 * @module Operator experience: saved views of the runs list (named filter sets per person or API key),
 * notifications (one open issue per resource and kind, e.g. a sync paused after repeated failures), and the
 * indexes that keep the runs list on an index when filtered by trigger or fan-out target (site).
 */
import type { Kysely } from 'kysely';
import { dialectTypes, type DialectName } from '../dialect.js';
import { enableTenantRowSecurity } from './0008-row-level-security.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = dialectTypes(dialect);

  await db.schema
    .createTable('saved_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    /** `user` or `api_key`: a view belongs to whoever saved it. */
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('filters', t.json, (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('saved_views_owner_name_uq', ['org_id', 'owner_type', 'owner_id', 'page', 'name'])
    .execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    /** open → acknowledged → resolved; a new occurrence while one is open only bumps its count. */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('occurrences', 'integer', (c) => c.notNull())
    .addColumn('details', t.json, (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('notifications_org_status_idx')
    .on('notifications')
    .columns(['org_id', 'status', 'id'])
    .execute();
  await db.schema
    .createIndex('notifications_resource_idx')
    .on('notifications')
    .columns(['org_id', 'resource_id', 'kind'])
    .execute();

  await db.schema.createIndex('runs_trigger_idx').on('runs').columns(['org_id', 'trigger', 'id']).execute();
  await db.schema.createIndex('runs_target_idx').on('runs').columns(['org_id', 'target', 'id']).execute();

  if (dialect === 'postgres') {
    await enableTenantRowSecurity(db, 'saved_views');
    await enableTenantRowSecurity(db, 'notifications');
  }
}
