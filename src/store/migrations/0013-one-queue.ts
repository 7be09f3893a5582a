/**
 * @module The table queue on Postgres too (it replaces graphile-worker there): crash counts kept apart from
 * attempts, on jobs and on runs; the triggers that wake other processes' consumers (LISTEN/NOTIFY); jobs still
 * waiting in graphile-worker's default schema moved over, so an upgrade loses none. `runtime_workers` (the
 * graphile consumers' heartbeats) goes: leases live on the jobs now. Stop every worker of the old version
 * before migrating.
 */
import { sql, type Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  await db.schema
    .alterTable('runtime_jobs')
    .addColumn('crashes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Deliveries of a run that ended with its worker gone, all told and since the last checkpoint.
  await db.schema
    .alterTable('runs')
    .addColumn('crashes', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('runs')
    .addColumn('crash_streak', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.dropTable('runtime_workers').ifExists().execute();
  if (dialect !== 'postgres') return;

  // Renewals and sweeps look jobs up by holder.
  await db.schema.createIndex('runtime_jobs_lease_idx').on('runtime_jobs').column('lease_owner').execute();
  // One channel per schema (pg-notifier.ts has the same name). Sent at commit, and once per transaction however
  // many rows changed.
  await sql`
    create or replace function datasync_jobs_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify(left('dsjobs_' || tg_table_schema, 63), '');
      return null;
    end $$`.execute(db);
  // A job to look at: added or put back (retry, deferral, sweep), or a finished job whose key others wait for.
  await sql`
    create trigger runtime_jobs_ready after insert or update of status on runtime_jobs
    for each row when (new.status = 'queued') execute function datasync_jobs_notify()`.execute(db);
  await sql`
    create trigger runtime_jobs_key_freed after delete on runtime_jobs
    for each row when (old.lock_key is not null) execute function datasync_jobs_notify()`.execute(db);

  await importGraphileJobs(db);
}

interface GraphileEnvelope {
  t: string;
  p: Record<string, unknown>;
  lk: string | null;
  to: number | null;
  ma: number;
  a: number;
}

/** Jobs the graphile-worker back end (before 0013) left in its default schema become table-queue jobs. */
async function importGraphileJobs(db: Kysely<unknown>): Promise<void> {
  const present = await sql<{ t: string | null }>`
    select to_regclass('graphile_worker._private_jobs')::text as t`.execute(db);
  if (!present.rows[0]?.t) return;
  const jobs = await sql<{
    id: string;
    payload: GraphileEnvelope;
    priority: number;
    run_at: Date;
    key: string | null;
  }>`
    select j.id::text as id, j.payload, j.priority, j.run_at, j.key
    from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'datasync.job'`.execute(db);
  const now = new Date().toISOString();
  for (const job of jobs.rows) {
    const e = job.payload;
    await sql`
      insert into runtime_jobs (id, type, payload, priority, run_at, dedupe_key, lock_key, status, attempts,
        crashes, max_attempts, timeout_ms, last_error, lease_owner, lease_expires_at, created_at)
      values (${newId('job')}, ${e.t}, ${JSON.stringify(e.p ?? {})}::jsonb,
        ${job.priority}, ${new Date(job.run_at).toISOString()}, ${job.key}, ${e.lk ?? null}, 'queued', ${e.a ?? 0},
        0, ${e.ma ?? 5}, ${e.to ?? null}, null, null, null, ${now})`.execute(db);
    await sql`delete from graphile_worker._private_jobs where id = ${job.id}::bigint`.execute(db);
  }
}
