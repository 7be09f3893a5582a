/**
 * @module The embedded queue: a `runtime_jobs` table in the SQLite database. Consumers claim jobs in batches
 * with one UPDATE … RETURNING under BEGIN IMMEDIATE (so several processes on one file never claim the same job:
 * the write lock is taken before the read, and busy_timeout makes the others wait their turn), take each job's
 * key lock in the same transaction, and renew their leases while the jobs run. A consumer that dies stops
 * renewing; the sweeper puts its jobs back after the lease and the lock frees itself.
 */
import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import { newId } from '../../../lib/ids.js';
import { isoAfter, nowIso } from '../../../lib/time.js';
import { fromJson, toJson } from '../../../store/json.js';
import type { Database, RuntimeJobsTable } from '../../../store/schema.js';
import type { Store } from '../../../store/database.js';
import { insertDeadLetter, listDeadLetters } from '../dead-letters.js';
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
import { SqliteConsumer } from './sqlite-consumer.js';

export class SqliteQueue implements Queue {
  readonly backend = 'sqlite' as const;
  private readonly consumers = new Set<SqliteConsumer>();

  constructor(private readonly store: Store) {}

  async prepare(): Promise<void> {}

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
    const consumer = new SqliteConsumer(this, processor, {
      concurrency: options.concurrency,
      leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
      batchSize: options.batchSize ?? Math.max(options.concurrency, 10),
      pollMs: options.pollMs ?? 100,
    });
    this.consumers.add(consumer);
    consumer.onStopped(() => this.consumers.delete(consumer));
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
   * Their attempt stays spent (a crash counts).
   */
  async sweep(): Promise<number> {
    const now = nowIso();
    const dead = await this.deadLocalOwners();
    let q = this.store.db
      .updateTable('runtime_jobs')
      .set({ status: 'queued', lease_owner: null, lease_expires_at: null })
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
    return Number(result.numUpdatedRows);
  }

  /** Owners of leases (see SqliteConsumer's id) that ran in a process of this host that no longer exists. */
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
  }

  // ---- used by SqliteConsumer ----

  /**
   * Claims up to `limit` ready jobs for `owner`: at most one per lock key, none whose key is held, and takes
   * their locks, all in one write transaction.
   */
  async claim(owner: string, limit: number, leaseMs: number, completed: string[] = []): Promise<Job[]> {
    return this.store.db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        // Finished jobs (without a lock) are removed in the same transaction as the next claim: one write
        // transaction per batch instead of one per job.
        for (let i = 0; i < completed.length; i += 500) {
          await conn
            .deleteFrom('runtime_jobs')
            .where('id', 'in', completed.slice(i, i + 500))
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
          ])
          .execute();
        for (const row of rows) {
          if (row.lock_key === null) continue;
          await conn
            .insertInto('runtime_locks')
            .values({ key: row.lock_key, owner, job_id: row.id, expires_at: expires })
            .onConflict((oc) => oc.column('key').doUpdateSet({ owner, job_id: row.id, expires_at: expires }))
            .execute();
        }
        await sql`commit`.execute(conn);
        // Keep the queue's order: RETURNING does not promise one.
        const order = new Map(picked.map((p, i) => [p.id, i]));
        return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0)).map((row) => toJob(row));
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

  /** Renews the leases of every job and lock `owner` holds; returns the ids of the jobs still held. */
  async renew(owner: string, leaseMs: number): Promise<Set<string>> {
    const expires = isoAfter(leaseMs);
    const rows = await this.store.db
      .updateTable('runtime_jobs')
      .set({ lease_expires_at: expires })
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .returning('id')
      .execute();
    await this.store.db
      .updateTable('runtime_locks')
      .set({ expires_at: expires })
      .where('owner', '=', owner)
      .execute();
    return new Set(rows.map((r) => r.id));
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
    // The enqueue may sit in a transaction that has not committed yet: wake on the next turn, and the poll
    // catches anything this misses.
    if (this.consumers.size === 0) return;
    setImmediate(() => {
      for (const c of this.consumers) c.wake();
    });
  }
}

function toJob(
  row: Pick<
    RuntimeJobsTable,
    'id' | 'type' | 'priority' | 'attempts' | 'max_attempts' | 'lock_key' | 'timeout_ms'
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
  };
}

/**
 * A consumer id is `sq-<random>@<host>#<pid>`. False only for a process of this host that is gone: an owner on
 * another host (or in an id without a host) waits for its lease. A reused pid reads as alive, which only means
 * waiting for the lease as before.
 */
export function ownerAlive(owner: string): boolean {
  const match = /@(.+)#(\d+)$/.exec(owner);
  if (!match || match[1] !== hostname()) return true;
  const pid = Number(match[2]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
