/**
 * @module The runtime's tables: the embedded job queue (SQLite back end; unused on Postgres, where
 * graphile-worker keeps its own schema), key locks (one writer per sync), rate-limit buckets shared by every
 * worker, worker heartbeats, dead letters, cron schedule state, and the extra columns a run needs to be resumed.
 */
import type { Kysely } from 'kysely';
import { dialectTypes, type DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = dialectTypes(dialect);

  await db.schema
    .createTable('runtime_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', t.json, (c) => c.notNull())
    // Smaller runs first: -10 high, 0 default, 10 low (the same numbers graphile-worker uses).
    .addColumn('priority', 'integer', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text')
    .addColumn('lock_key', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('timeout_ms', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // The claim query walks this index: ready jobs in priority order.
  await db.schema
    .createIndex('runtime_jobs_ready_idx')
    .on('runtime_jobs')
    .columns(['status', 'priority', 'run_at'])
    .execute();
  // A dedupe key names at most one job that has not started yet.
  await db.schema
    .createIndex('runtime_jobs_dedupe_uq')
    .unique()
    .on('runtime_jobs')
    .column('dedupe_key')
    .where('status' as never, '=', 'queued' as never)
    .execute();

  // One holder per key (e.g. `sync:<id>`), with a lease: a killed holder's lock expires and work resumes.
  await db.schema
    .createTable('runtime_locks')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('runtime_dead_letters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('payload', t.json, (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // Token buckets: one row per connection, shared by every run and every worker process.
  await db.schema
    .createTable('runtime_rate_buckets')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('capacity', 'double precision', (c) => c.notNull())
    .addColumn('per_second', 'double precision', (c) => c.notNull())
    .addColumn('updated_ms', t.bigint, (c) => c.notNull())
    .addColumn('blocked_until_ms', t.bigint, (c) => c.notNull())
    .addColumn('slowed_until_ms', t.bigint, (c) => c.notNull())
    .execute();

  // Live workers: a heartbeat per process; a worker whose heartbeat stops is dead and its jobs are unlocked.
  await db.schema
    .createTable('runtime_workers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('backend', 'text', (c) => c.notNull())
    .addColumn('pool_ids', t.json, (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute();

  // Cron state per schedule: the last tick enqueued, so missed ticks after downtime run once, not N times.
  await db.schema
    .createTable('runtime_schedules')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('last_tick_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.alterTable('runs').addColumn('params', t.json).execute();
  await db.schema
    .alterTable('runs')
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('runs').addColumn('lock_key', 'text').execute();
  await db.schema.alterTable('runs').addColumn('job_id', 'text').execute();
  await db.schema.alterTable('runs').addColumn('continuation_of', 'text').execute();
  await db.schema
    .alterTable('runs')
    .addColumn('no_progress', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('runs')
    .addColumn('stalled', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('runs')
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('runs').addColumn('heartbeat_at', 'text').execute();
  await db.schema
    .alterTable('runs')
    .addColumn('auth_refreshed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
