/**
 * @module Row-level security on Postgres, as defence in depth behind the `org_id` filter every query carries.
 * Each table with an `org_id` column gets one policy: a row is visible and writable when the connection's
 * `datasync.org_id` setting is unset or empty (workers, sign-in, the webhook receiver: unscoped by design) or
 * equals the row's `org_id`. The database layer sets it from the request's organization (store/org-scope.ts,
 * store/database.ts). FORCE applies the policies to the tables' owner too; superusers still bypass them.
 * The tables are found by their column, so every tenant table created by an earlier migration is covered; a
 * later migration that adds one calls `enableTenantRowSecurity` for it. SQLite has no such feature: a no-op.
 * It also adds the endpoint-health columns of `sites` (both dialects).
 */
import { sql, type Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

/**
 * Sites failing for days are disabled with a reason (deliveries/endpoint-health.ts): the failure streak and the
 * disabled state live on the site. In this migration because it is the one this change owns.
 */
async function addEndpointHealth(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sites').addColumn('failing_since', 'text').execute();
  await db.schema
    .alterTable('sites')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('sites').addColumn('disabled_at', 'text').execute();
  await db.schema.alterTable('sites').addColumn('disabled_reason', 'text').execute();
}

export const ORG_SETTING = 'datasync.org_id';

export async function enableTenantRowSecurity(db: Kysely<unknown>, table: string): Promise<void> {
  const t = sql.id(table);
  const policy = sql.id(`${table}_org_isolation`);
  const matches = sql.raw(
    `coalesce(current_setting('${ORG_SETTING}', true), '') = '' or org_id = current_setting('${ORG_SETTING}', true)`,
  );
  await sql`alter table ${t} enable row level security`.execute(db);
  await sql`alter table ${t} force row level security`.execute(db);
  await sql`drop policy if exists ${policy} on ${t}`.execute(db);
  await sql`create policy ${policy} on ${t} using (${matches}) with check (${matches})`.execute(db);
}

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await addEndpointHealth(db);
  if (dialect !== 'postgres') return;
  const { rows } = await sql<{ table: string }>`
    select c.table_name as "table"
    from information_schema.columns c
    join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
    where c.table_schema = current_schema() and c.column_name = 'org_id' and t.table_type = 'BASE TABLE'
    order by c.table_name`.execute(db);
  for (const { table } of rows) await enableTenantRowSecurity(db, table);
}
