/**
 * @module Content item history and exact replays: every item write keeps a revision (who, when, the data and
 * status as written), and a delivery keeps the exact body it sent, so a replay re-sends those bytes (Postgres
 * jsonb would reorder the payload's keys).
 */
import type { Kysely } from 'kysely';
import { dialectTypes, type DialectName } from '../dialect.js';
import { enableTenantRowSecurity } from './0008-row-level-security.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = dialectTypes(dialect);

  await db.schema
    .createTable('record_revisions')
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('collection_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('data', t.json, (c) => c.notNull())
    /** created | updated | restored | deleted */
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('restored_from', 'integer')
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    /** The actor as people read it (email, key name), kept even if the user or key goes away. */
    .addColumn('actor_label', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('record_revisions_pk', ['record_id', 'version'])
    .execute();
  await db.schema
    .createIndex('record_revisions_org_idx')
    .on('record_revisions')
    .columns(['org_id', 'record_id', 'version'])
    .execute();

  await db.schema.alterTable('deliveries').addColumn('body', 'text').execute();

  if (dialect === 'postgres') {
    await enableTenantRowSecurity(db, 'record_revisions');
  }
}
