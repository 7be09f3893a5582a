/**
 * @module The job queue on both databases: a `runtime_jobs` table beside the app's data. Consumers claim jobs in
 * batches with one UPDATE … RETURNING inside a claim transaction that no other claim interleaves with (SQLite:
 * BEGIN IMMEDIATE, the file's write lock; Postgres: a transaction-scoped advisory lock per schema), take each
 * job's key lock in the same transaction, and renew their leases while the jobs run. A consumer that dies or
 * loses the database stops renewing; after the lease the sweeper puts its jobs back, and at once when the holder
 * was a process of this host that is gone (owners.ts). Such a re-delivery counts as a crash, not as an attempt.
 *
 * Postgres adds cross-process wake-ups (LISTEN/NOTIFY, pg-notifier.ts). Every statement goes through the store's
 * pool, so a database restart only fails the statements of that moment: claims, renewals and settles are tried
 * again, and leases decide what happened to the jobs that were running (see table-consumer.ts).
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import { isoAfter, nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../../store/json.js';
import type { Database, RuntimeJobsTable } from '../../store/schema.js';
import type { Store } from '../../store/database.js';
import { insertDeadLetter, listDeadLetters } from './dead-letters.js';
import { ownerAlive } from './owners.js';
import { jobsChannel, PgNotifier } from './pg-notifier.js';
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
} from './queue.js';
import { TableConsumer } from './table-consumer.js';

export interface TableQueueOptions {
  /** Postgres: where the LISTEN connection goes (default: none, consumers only poll). */
  connectionString?: string;
}

/** Statements per `in (…)` list. */
const CHUNK = 500;

export class TableQueue implements Queue {
  readonly backend: 'sqlite' | 'postgres';
  private readonly consumers = new Set<TableConsumer>();
  private notifier: PgNotifier | undefined;
  private channel: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly options: TableQueueOptions = {},
  ) {
    this.backend = store.dialect;
  }

  async prepare(): Promise<void> {
    if (this.backend !== 'postgres') return;
    const row = await sql<{ schema: string }>`select current_schema() as schema`.execute(this.store.db);
    this.channel = jobsChannel(row.rows[0]!.schema);
  }

  async enqueue(db: Kysely<Database>, spec: JobSpec): Promise<EnqueueResult> {
    const payload = spec.payload ?? {};
    const row = {
      id: newId('job'),
      type: spec.type,
      payload: toJson(payload),
      priority: PRIORITY_NUMBER[spec.priority ?? 'default'],
      run_at: (spec.runAt ?? new Date()).toISOString(),
      dedupe_key: spec.dedupeKey ?? null,
      lock_key: spec.lockKey ?? null,
      status: 'queued' as const,
      attempts: 0,
      crashes: 0,
      max_attempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      timeout_ms: spec.timeoutMs ?? null,
      last_error: null,
      lease_owner: null,
      lease_expires_at: null,
      created_at: nowIso(),
    };
    if (spec.dedupeKey === undefined) {
      await db.insertInto('runtime_jobs').values(row).execute();
      this.wakeSoon();
      return { jobId: row.id, deduped: false, payload };
    }
    // The partial unique index allows one queued job per dedupe key. If the existing one starts between our
    // insert and our read (another process), the insert succeeds on the next round.
    for (let round = 0; round < 3; round++) {
      const inserted = await db
        .insertInto('runtime_jobs')
        .values(row)
        .onConflict((oc) =>
          // The index predicate must be a literal for SQLite to match the partial index.
          oc
            .column('dedupe_key')
            .where(sql<boolean>`status = 'queued'`)
            .doNothing(),
        )
        .returning('id')
        .executeTakeFirst();
      if (inserted) {
        this.wakeSoon();
        return { jobId: row.id, deduped: false, payload };
      }
      const existing = await db
        .selectFrom('runtime_jobs')
        .select(['id', 'payload'])
        .where('dedupe_key', '=', spec.dedupeKey)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (existing) {
        return {
          jobId: existing.id,
          deduped: true,
          payload: fromJson<Record<string, unknown>>(existing.payload),
        };
      }
    }
    throw new Error(`could not enqueue job with dedupe key ${spec.dedupeKey}`);
  }

  async consume(processor: JobProcessor, options: ConsumeOptions): Promise<Consumer> {
    const consumer = new TableConsumer(this, processor, {
      concurrency: options.concurrency,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      batchSize: options.batchSize ?? Math.max(options.concurrency, 10),
      // Postgres consumers are woken by notifications and sleep until the next delayed job: the poll is a
      // safety net there.
      pollMs: options.pollMs ?? (this.backend === 'postgres' ? 1000 : 100),
    });
    this.consumers.add(consumer);
    consumer.onStopped(() => this.consumers.delete(consumer));
    if (this.options.connectionString && this.channel && !this.notifier) {
      this.notifier = new PgNotifier(this.options.connectionString, this.channel, () => {
        for (const c of this.consumers) c.wake();
      });
      this.notifier.start();
    }
    consumer.start();
    return consumer;
  }

  async cancel(jobId: string): Promise<boolean> {
    const result = await this.store.db
      .deleteFrom('runtime_jobs')
      .where('id', '=', jobId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async pending(): Promise<number> {
    const row = await this.store.db
      .selectFrom('runtime_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  deadLetters(limit?: number): Promise<DeadLetter[]> {
    return listDeadLetters(this.store.db, limit);
  }

  /**
   * Jobs whose lease ran out go back to the queue; so do, at once, those of consumers on this host whose process
   * is gone (a restarted `datasync start` takes its killed predecessor's runs without waiting out the lease).
   * The attempt is given back and a crash counted instead: a worker that died, or lost the database for longer
   * than the lease, is no fault of the job (the worker bounds crash loops on their own).
   */
  async sweep(): Promise<number> {
    const now = nowIso();
    const dead = await this.deadLocalOwners();
    let q = this.store.db
      .updateTable('runtime_jobs')
      .set((eb) => ({
        status: 'queued',
        lease_owner: null,
        lease_expires_at: null,
        attempts: eb('attempts', '-', 1),
        crashes: eb('crashes', '+', 1),
      }))
      .where('status', '=', 'running');
    q =
      dead.length > 0
        ? q.where((eb) => eb.or([eb('lease_expires_at', '<', now), eb('lease_owner', 'in', dead)]))
        : q.where('lease_expires_at', '<', now);
    const result = await q.executeTakeFirst();
    let locks = this.store.db.deleteFrom('runtime_locks');
    locks =
      dead.length > 0
        ? locks.where((eb) => eb.or([eb('expires_at', '<', now), eb('owner', 'in', dead)]))
        : locks.where('expires_at', '<', now);
    await locks.execute();
    const swept = Number(result.numUpdatedRows);
    if (swept > 0) this.wakeSoon();
    return swept;
  }

  /** Owners of leases (see owners.ts) that ran in a process of this host that no longer exists. */
  private async deadLocalOwners(): Promise<string[]> {
    const rows = await this.store.db
      .selectFrom('runtime_jobs')
      .select('lease_owner as owner')
      .distinct()
      .where('status', '=', 'running')
      .where('lease_owner', 'is not', null)
      .union(this.store.db.selectFrom('runtime_locks').select('owner').distinct())
      .execute();
    return rows.flatMap((r) => (r.owner && !ownerAlive(r.owner) ? [r.owner] : []));
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop(0)));
    await this.notifier?.stop();
    this.notifier = undefined;
  }

  // ---- used by TableConsumer ----

  /** Opens the claim's transaction so that no two claims interleave, in any process. */
  private async beginClaim(conn: Kysely<Database>): Promise<void> {
    if (this.backend === 'sqlite') {
      await sql`begin immediate`.execute(conn);
      return;
    }
    await sql`begin`.execute(conn);
    await sql`select pg_advisory_xact_lock(hashtext('datasync:claim:' || current_schema()))`.execute(conn);
  }

  /**
   * Claims up to `limit` ready jobs for `owner`: at most one per lock key, none whose key is held, and takes
   * their locks, all in one write transaction.
   */
  async claim(owner: string, limit: number, leaseMs: number, completed: string[] = []): Promise<Job[]> {
    return this.store.db.connection().execute(async (conn) => {
      await this.beginClaim(conn);
      try {
        // Finished jobs (without a lock) are removed in the same transaction as the next claim: one write
        // transaction per batch instead of one per job.
        for (const chunk of chunks(completed)) {
          await conn
            .deleteFrom('runtime_jobs')
            .where('id', 'in', chunk)
            .where('lease_owner', '=', owner)
            .execute();
        }
        const now = nowIso();
        const expires = isoAfter(leaseMs);
        const candidates = await conn
          .selectFrom('runtime_jobs')
          .select(['id', 'lock_key'])
          .where('status', '=', 'queued')
          .where('run_at', '<=', now)
          .where((eb) =>
            eb.or([
              eb('lock_key', 'is', null),
              eb(
                'lock_key',
                'not in',
                eb.selectFrom('runtime_locks').select('key').where('expires_at', '>', now),
              ),
            ]),
          )
          .orderBy('priority')
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit * 2)
          .execute();
        const keys = new Set<string>();
        const picked: Array<{ id: string; lock_key: string | null }> = [];
        for (const c of candidates) {
          if (picked.length >= limit) break;
          if (c.lock_key !== null) {
            if (keys.has(c.lock_key)) continue;
            keys.add(c.lock_key);
          }
          picked.push(c);
        }
        if (picked.length === 0 || limit === 0) {
          await sql`commit`.execute(conn);
          return [];
        }
        const rows = await conn
          .updateTable('runtime_jobs')
          .set((eb) => ({
            status: 'running',
            attempts: eb('attempts', '+', 1),
            lease_owner: owner,
            lease_expires_at: expires,
          }))
          .where(
            'id',
            'in',
            picked.map((p) => p.id),
          )
          .returning([
            'id',
            'type',
            'payload',
            'priority',
            'attempts',
            'max_attempts',
            'lock_key',
            'timeout_ms',
            'crashes',
          ])
          .execute();
        const lost: string[] = [];
        for (const row of rows) {
          if (row.lock_key === null) continue;
          // Claims never interleave, but a lock can be taken outside a claim: only a free or expired key is ours.
          const taken = await conn
            .insertInto('runtime_locks')
            .values({ key: row.lock_key, owner, job_id: row.id, expires_at: expires })
            .onConflict((oc) =>
              oc
                .column('key')
                .doUpdateSet({ owner, job_id: row.id, expires_at: expires })
                .where('runtime_locks.expires_at', '<=', now),
            )
            .returning('key')
            .executeTakeFirst();
          if (!taken) lost.push(row.id);
        }
        if (lost.length > 0) {
          await conn
            .updateTable('runtime_jobs')
            .set((eb) => ({
              status: 'queued',
              attempts: eb('attempts', '-', 1),
              lease_owner: null,
              lease_expires_at: null,
            }))
            .where('id', 'in', lost)
            .execute();
        }
        await sql`commit`.execute(conn);
        // Keep the queue's order: RETURNING does not promise one.
        const order = new Map(picked.map((p, i) => [p.id, i]));
        return rows
          .filter((row) => !lost.includes(row.id))
          .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
          .map((row) => toJob(row));
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Applies what the processor decided; a job whose lease was lost is left to its new owner. */
  async settle(owner: string, job: Job, outcome: JobOutcome): Promise<void> {
    await this.store.db.transaction().execute(async (trx) => {
      const mine = (q: ReturnType<typeof trx.updateTable<'runtime_jobs'>>) =>
        q.where('id', '=', job.id).where('lease_owner', '=', owner);
      switch (outcome.kind) {
        case 'done':
          await trx
            .deleteFrom('runtime_jobs')
            .where('id', '=', job.id)
            .where('lease_owner', '=', owner)
            .execute();
          break;
        case 'retry':
          await mine(trx.updateTable('runtime_jobs'))
            .set({
              status: 'queued',
              run_at: outcome.at.toISOString(),
              last_error: outcome.error,
              lease_owner: null,
              lease_expires_at: null,
            })
            .execute();
          break;
        case 'defer':
          await mine(trx.updateTable('runtime_jobs'))
            .set((eb) => ({
              status: 'queued',
              run_at: outcome.at.toISOString(),
              attempts: eb('attempts', '-', 1),
              lease_owner: null,
              lease_expires_at: null,
            }))
            .execute();
          break;
        case 'dead': {
          const removed = await trx
            .deleteFrom('runtime_jobs')
            .where('id', '=', job.id)
            .where('lease_owner', '=', owner)
            .executeTakeFirst();
          if (Number(removed.numDeletedRows) > 0) await insertDeadLetter(trx, job, outcome.error);
          break;
        }
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
    if (outcome.kind !== 'done') this.wakeSoon();
  }

  /**
   * Renews the leases of `ids` (jobs `owner` runs or has yet to settle) and of their key locks; returns the ids
   * still held. Only named jobs are renewed: a job whose settle was given up must expire, not be kept forever.
   */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<Set<string>> {
    const expires = isoAfter(leaseMs);
    const held = new Set<string>();
    for (const chunk of chunks(ids)) {
      const rows = await this.store.db
        .updateTable('runtime_jobs')
        .set({ lease_expires_at: expires })
        .where('lease_owner', '=', owner)
        .where('status', '=', 'running')
        .where('id', 'in', chunk)
        .returning('id')
        .execute();
      for (const r of rows) held.add(r.id);
      await this.store.db
        .updateTable('runtime_locks')
        .set({ expires_at: expires })
        .where('owner', '=', owner)
        .where('job_id', 'in', chunk)
        .execute();
    }
    return held;
  }

  /** The earliest time a queued job becomes due, when that is in the future. */
  async nextRunAt(): Promise<number | undefined> {
    const row = await this.store.db
      .selectFrom('runtime_jobs')
      .select((eb) => eb.fn.min('run_at').as('at'))
      .where('status', '=', 'queued')
      .where('run_at', '>', nowIso())
      .executeTakeFirst();
    return row?.at ? Date.parse(String(row.at)) : undefined;
  }

  /** Gives back jobs claimed but never started (a stopping consumer's buffer); their attempt is not spent. */
  async release(owner: string, jobs: Job[]): Promise<void> {
    if (jobs.length === 0) return;
    const ids = jobs.map((j) => j.id);
    await this.store.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('runtime_jobs')
        .set((eb) => ({
          status: 'queued',
          attempts: eb('attempts', '-', 1),
          lease_owner: null,
          lease_expires_at: null,
        }))
        .where('id', 'in', ids)
        .where('lease_owner', '=', owner)
        .execute();
      await trx.deleteFrom('runtime_locks').where('owner', '=', owner).where('job_id', 'in', ids).execute();
    });
  }

  private wakeSoon(): void {
    // The enqueue may sit in a transaction that has not committed yet: wake on the next turn, and the poll (or,
    // on Postgres, the notification at commit) catches anything this misses.
    if (this.consumers.size === 0) return;
    setImmediate(() => {
      for (const c of this.consumers) c.wake();
    });
  }
}

/** Id lists in pieces small enough for one `in (…)` on both databases. */
function* chunks(ids: string[]): Generator<string[]> {
  for (let i = 0; i < ids.length; i += CHUNK) yield ids.slice(i, i + CHUNK);
}

function toJob(
  row: Pick<
    Selectable<RuntimeJobsTable>,
    'id' | 'type' | 'priority' | 'attempts' | 'max_attempts' | 'lock_key' | 'timeout_ms' | 'crashes'
  > & { payload: unknown },
): Job {
  return {
    id: row.id,
    type: row.type,
    payload: fromJson<Record<string, unknown>>(row.payload),
    priority: row.priority,
    attempt: row.attempts,
    maxAttempts: row.max_attempts,
    lockKey: row.lock_key,
    timeoutMs: row.timeout_ms,
    crashes: Number(row.crashes),
  };
}
