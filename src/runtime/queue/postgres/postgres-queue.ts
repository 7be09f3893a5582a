/**
 * @module The scale-out queue: graphile-worker 0.17 in its own Postgres schema. Enqueue calls its
 * `add_job` SQL function inside the caller's transaction; consumers are graphile runners with a local queue
 * (batched claims). graphile-worker only retries jobs that throw, with its own backoff, so our processor never
 * throws: it decides, and a retry or deferral is a new graphile job (carrying the attempt count) added in the
 * same transaction that releases the key lock. A crash between that commit and graphile's completion can
 * deliver a job twice; the worker tolerates it (the run record says what is already done).
 *
 * graphile-worker frees a crashed worker's jobs only after 4 hours, so each consumer keeps a heartbeat row in
 * `runtime_workers`; any live consumer that sees a heartbeat older than the lease force-unlocks that
 * consumer's graphile jobs and drops its key locks.
 */
import { EventEmitter, setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { Logger, run, runMigrations, type JobHelpers, type Runner, type WorkerEvents } from 'graphile-worker';
import { DataSyncError, errorMessage } from '../../../lib/errors.js';
import { isoAfter, nowIso } from '../../../lib/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import type { Store } from '../../../store/database.js';
import type { Database } from '../../../store/schema.js';
import { insertDeadLetter, listDeadLetters } from '../dead-letters.js';
import { InFlight } from '../in-flight.js';
import { acquireLock, releaseLocksOf, renewLocks } from '../key-locks.js';
import {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_ATTEMPTS,
  PRIORITY_NUMBER,
  type ConsumeOptions,
  type Consumer,
  type DeadLetter,
  type EnqueueResult,
  type Job,
  type JobOutcome,
  type JobProcessor,
  type JobSpec,
  type Queue,
} from '../queue.js';

/** Every DataSync job is one graphile task; our own type travels in the payload. */
const TASK = 'datasync.job';

/** What we store as graphile's payload. */
interface Envelope {
  /** job type */
  t: string;
  /** payload */
  p: Record<string, unknown>;
  /** lock key */
  lk: string | null;
  /** timeout ms */
  to: number | null;
  /** max attempts */
  ma: number;
  /** attempts spent before this graphile job (retries are new graphile jobs) */
  a: number;
  /** times deferred because the lock was busy: spaces out the next look */
  d: number;
}

export interface PostgresQueueOptions {
  /** Where graphile-worker connects; include the app's search_path if the app lives outside `public`. */
  connectionString: string;
  /** graphile-worker's schema. Default `graphile_worker`. */
  workerSchema?: string;
  /** Connections for graphile (claims, completions). Default 10. */
  poolSize?: number;
  /** graphile-worker's own error messages. */
  onError?: (message: string) => void;
}

export class PostgresQueue implements Queue {
  readonly backend = 'postgres' as const;
  readonly workerSchema: string;
  private readonly pool: pg.Pool;
  private readonly consumers = new Set<PostgresConsumer>();

  constructor(
    private readonly store: Store,
    private readonly options: PostgresQueueOptions,
  ) {
    this.workerSchema = options.workerSchema ?? 'graphile_worker';
    if (!/^[a-z_][a-z0-9_]*$/.test(this.workerSchema)) {
      throw new DataSyncError('config_invalid', `invalid graphile-worker schema name "${this.workerSchema}"`);
    }
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    // A dropped idle connection must not crash the worker; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  get logger(): Logger {
    const onError = this.options.onError;
    return new Logger(() => (level, message) => {
      if (level === 'error' && onError) onError(message);
    });
  }

  async prepare(): Promise<void> {
    await runMigrations({ pgPool: this.pool, schema: this.workerSchema, logger: this.logger });
  }

  private fn(name: string) {
    return sql.id(this.workerSchema, name);
  }

  async enqueue(db: Kysely<Database>, spec: JobSpec): Promise<EnqueueResult> {
    if (spec.dedupeKey !== undefined && !db.isTransaction) {
      return db.transaction().execute((trx) => this.enqueue(trx, spec));
    }
    const payload = spec.payload ?? {};
    if (spec.dedupeKey !== undefined) {
      // Serialise enqueuers of one key: add_job would otherwise overwrite a queued job's payload.
      await sql`select pg_advisory_xact_lock(hashtext(${'datasync:dedupe:' + spec.dedupeKey}))`.execute(db);
      const existing = await sql<{ id: string; payload: Envelope }>`
        select id::text as id, payload from ${this.fn('_private_jobs')}
        where key = ${spec.dedupeKey} and locked_at is null`.execute(db);
      const row = existing.rows[0];
      if (row) return { jobId: row.id, deduped: true, payload: fromJson<Envelope>(row.payload).p };
    }
    const envelope: Envelope = {
      t: spec.type,
      p: payload,
      lk: spec.lockKey ?? null,
      to: spec.timeoutMs ?? null,
      ma: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      a: 0,
      d: 0,
    };
    const id = await this.addRaw(db, envelope, {
      runAt: spec.runAt,
      priority: PRIORITY_NUMBER[spec.priority ?? 'default'],
      jobKey: spec.dedupeKey,
    });
    return { jobId: id, deduped: false, payload };
  }

  /** add_job, returning the new job's id. */
  async addRaw(
    db: Kysely<Database>,
    envelope: Envelope,
    options: { runAt?: Date | undefined; priority: number; jobKey?: string | undefined; lastError?: string },
  ): Promise<string> {
    // Our own attempt count decides dead letters; graphile's limit only has to stay out of the way.
    const maxAttempts = Math.min(32_000, envelope.ma + 25);
    const result = await sql<{ id: string }>`
      select (j).id::text as id from (
        select ${this.fn('add_job')}(
          ${TASK},
          ${toJson(envelope)}::json,
          run_at => ${(options.runAt ?? new Date()).toISOString()}::timestamptz,
          max_attempts => ${maxAttempts}::int,
          job_key => ${options.jobKey ?? null}::text,
          priority => ${options.priority}::int
        ) as j
      ) as added`.execute(db);
    return result.rows[0]!.id;
  }

  async consume(processor: JobProcessor, options: ConsumeOptions): Promise<Consumer> {
    const consumer = new PostgresConsumer(this, this.store, this.pool, processor, {
      concurrency: options.concurrency,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      batchSize: options.batchSize ?? Math.max(options.concurrency, 10),
      pollMs: options.pollMs ?? 1000,
    });
    await consumer.start();
    this.consumers.add(consumer);
    consumer.onStopped(() => this.consumers.delete(consumer));
    return consumer;
  }

  async cancel(jobId: string): Promise<boolean> {
    if (!/^\d+$/.test(jobId)) return false;
    const result =
      await sql`delete from ${this.fn('_private_jobs')} where id = ${jobId}::bigint and locked_at is null`.execute(
        this.store.db,
      );
    return Number(result.numAffectedRows ?? 0) > 0;
  }

  async pending(): Promise<number> {
    const result = await sql<{
      n: number;
    }>`select count(*)::int as n from ${this.fn('_private_jobs')}`.execute(this.store.db);
    return Number(result.rows[0]?.n ?? 0);
  }

  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return listDeadLetters(this.store.db, limit);
  }

  /** Frees what consumers whose heartbeat stopped held: graphile job and queue locks, key locks. */
  async sweep(leaseMs = DEFAULT_LEASE_MS): Promise<number> {
    const db = this.store.db;
    const dead = await db
      .selectFrom('runtime_workers')
      .select(['id', 'pool_ids'])
      .where('backend', '=', 'postgres')
      .where('heartbeat_at', '<', isoAfter(-leaseMs))
      .execute();
    if (dead.length > 0) {
      const poolIds = dead.flatMap((w) => fromJson<string[]>(w.pool_ids));
      await sql`select ${this.fn('force_unlock_workers')}(${poolIds}::text[])`.execute(db);
      await releaseLocksOf(
        db,
        dead.map((w) => w.id),
      );
      await db
        .deleteFrom('runtime_workers')
        .where(
          'id',
          'in',
          dead.map((w) => w.id),
        )
        .execute();
    }
    await db.deleteFrom('runtime_locks').where('expires_at', '<', nowIso()).execute();
    return dead.length;
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop(0)));
    await this.pool.end();
  }

  /** Applies an outcome; runs before graphile marks the delivered job complete. */
  async settle(owner: string, job: Job, envelope: Envelope, outcome: JobOutcome): Promise<void> {
    // Nothing of ours to change: graphile's (batched) completion is all a finished unlocked job needs.
    if (outcome.kind === 'done' && job.lockKey === null) return;
    await this.store.db.transaction().execute(async (trx) => {
      switch (outcome.kind) {
        case 'done':
          break;
        case 'retry':
          await this.addRaw(
            trx,
            { ...envelope, a: job.attempt, d: 0 },
            { runAt: outcome.at, priority: job.priority },
          );
          break;
        case 'defer':
          await this.addRaw(
            trx,
            { ...envelope, a: job.attempt - 1, d: envelope.d + 1 },
            { runAt: outcome.at, priority: job.priority },
          );
          break;
        case 'dead':
          await insertDeadLetter(trx, job, outcome.error);
          break;
      }
      if (job.lockKey !== null) {
        await trx
          .deleteFrom('runtime_locks')
          .where('key', '=', job.lockKey)
          .where('owner', '=', owner)
          .where('job_id', '=', job.id)
          .execute();
      }
    });
  }
}

class PostgresConsumer implements Consumer {
  readonly id = `pg-${randomBytes(6).toString('hex')}`;
  private readonly inflight = new InFlight();
  private runner: Runner | undefined;
  private poolIds: string[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;
  private readonly stoppedListeners: Array<() => void> = [];

  constructor(
    private readonly queue: PostgresQueue,
    private readonly store: Store,
    private readonly pool: pg.Pool,
    private readonly processor: JobProcessor,
    private readonly options: { concurrency: number; leaseMs: number; batchSize: number; pollMs: number },
  ) {}

  inFlight(): number {
    return this.inflight.size;
  }

  onStopped(listener: () => void): void {
    this.stoppedListeners.push(listener);
  }

  async start(): Promise<void> {
    const events = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => {
      this.poolIds.push(workerPool.id);
    });
    const now = nowIso();
    await this.store.db
      .insertInto('runtime_workers')
      .values({ id: this.id, backend: 'postgres', pool_ids: toJson([]), started_at: now, heartbeat_at: now })
      .execute();
    this.runner = await run({
      pgPool: this.pool,
      schema: this.queue.workerSchema,
      concurrency: this.options.concurrency,
      noHandleSignals: true,
      pollInterval: this.options.pollMs,
      logger: this.queue.logger,
      events,
      taskList: { [TASK]: (payload, helpers) => this.task(payload as Envelope, helpers) },
      preset: {
        worker: {
          localQueue: { size: this.options.batchSize },
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
        },
      },
    });
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.heartbeat.unref();
  }

  private async task(envelope: Envelope, helpers: JobHelpers): Promise<void> {
    const job: Job = {
      id: String(helpers.job.id),
      type: envelope.t,
      payload: envelope.p,
      priority: helpers.job.priority,
      attempt: envelope.a + helpers.job.attempts,
      maxAttempts: envelope.ma,
      lockKey: envelope.lk,
      timeoutMs: envelope.to,
    };
    if (job.lockKey !== null) {
      const held = await acquireLock(this.store.db, job.lockKey, this.id, job.id, this.options.leaseMs);
      if (!held) {
        // Someone else runs this key: look again soon, further apart each time (up to 2 s), with jitter.
        const delay = Math.min(2000, 50 * 2 ** Math.min(envelope.d, 6)) * (0.5 + Math.random());
        await this.queue.settle(this.id, job, envelope, { kind: 'defer', at: new Date(Date.now() + delay) });
        return;
      }
    }
    // graphile shares one pool-wide signal across jobs: one listener per running job is expected.
    setMaxListeners(0, helpers.abortSignal);
    const onAbort = () => this.inflight.abort(job.id, 'shutdown');
    helpers.abortSignal.addEventListener('abort', onAbort, { once: true });
    try {
      const outcome = await this.inflight.run(job, this.processor);
      await this.queue.settle(this.id, job, envelope, outcome);
    } finally {
      helpers.abortSignal.removeEventListener('abort', onAbort);
      this.inflight.finish(job.id);
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.store.db
        .updateTable('runtime_workers')
        .set({ heartbeat_at: nowIso(), pool_ids: toJson(this.poolIds) })
        .where('id', '=', this.id)
        .execute();
      // Only jobs that held their lock before this renewal can have lost it.
      const before = this.inflight.jobs();
      const held = await renewLocks(this.store.db, this.id, this.options.leaseMs);
      for (const job of before) {
        if (job.lockKey !== null && !held.has(job.lockKey)) this.inflight.abort(job.id, 'lease_lost');
      }
      await this.queue.sweep(this.options.leaseMs);
    } catch (error) {
      void errorMessage(error);
    }
  }

  stop(graceMs = 10_000): Promise<void> {
    if (!this.stopped) this.stopped = this.doStop(graceMs);
    return this.stopped;
  }

  private async doStop(graceMs: number): Promise<void> {
    const stopping = this.runner?.stop();
    if (!(await this.inflight.whenIdle(graceMs))) {
      this.inflight.abortAll('shutdown');
      await this.inflight.whenIdle(60_000);
    }
    await stopping?.catch(() => undefined);
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.store.db
      .deleteFrom('runtime_workers')
      .where('id', '=', this.id)
      .execute()
      .catch(() => undefined);
    await releaseLocksOf(this.store.db, [this.id]).catch(() => undefined);
    for (const l of this.stoppedListeners) l();
  }
}
