/**
 * @module The job queue contract. One implementation serves both databases (table-queue.ts: a `runtime_jobs` table
 * beside the app's data, claimed in batches), checked on each by one contract test suite
 * (test/runtime/queue.contract.test.ts).
 *
 * The life of a job:
 *
 *   enqueue (inside the caller's transaction)
 *      │
 *      ▼
 *   queued ──(run_at reached, lock key free)──▶ running (leased to one consumer, lease renewed while it runs)
 *      ▲                                          │
 *      ├──── retry (attempt + 1, at a time) ◀─────┤
 *      ├──── defer (same attempt: lock busy,  ◀───┤
 *      │      shutting down)                      ├──▶ done (removed)
 *      │                                          └──▶ dead (moved to runtime_dead_letters, visible)
 *      └──── lease expired (consumer killed, or   ◀── running
 *             cut off from the database): a crash, the attempt unspent
 *
 * A job with a `lockKey` is only handed to a processor while its consumer holds that key in `runtime_locks`, so
 * two jobs with the same key (the same sync) never run at once, across every process.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

export type Priority = 'high' | 'default' | 'low';

/** Smaller runs first. */
export const PRIORITY_NUMBER: Record<Priority, number> = { high: -10, default: 0, low: 10 };

export type JobPayload = Record<string, unknown>;

export interface JobSpec {
  /** The handler that runs it, e.g. `sync.run`. */
  type: string;
  payload?: JobPayload;
  priority?: Priority;
  /** Not before this time (delays, retries, continuations). */
  runAt?: Date;
  /** While a job with this key has not started, enqueueing another with the same key returns the first. */
  dedupeKey?: string;
  /** Jobs sharing a lock key never run at the same time (e.g. `sync:<id>`: one writer per sync). */
  lockKey?: string;
  /** Attempts before the job is dead-lettered (crashes are counted apart, see `Job.crashes`). Default 5. */
  maxAttempts?: number;
  /** Aborts the processor's signal after this long. */
  timeoutMs?: number;
}

export interface EnqueueResult {
  jobId: string;
  /** True when an existing queued job with the same dedupe key was returned instead. */
  deduped: boolean;
  /** The payload of the job that stands: the existing job's when deduped. */
  payload: JobPayload;
}

/** A job handed to a processor. */
export interface Job {
  id: string;
  type: string;
  payload: JobPayload;
  priority: number;
  /** 1 on the first delivery; each retry after an error counts up (a crash or a deferral does not). */
  attempt: number;
  /**
   * Deliveries whose holder stopped renewing the lease (killed, or cut off from the database for a lease): the
   * processor bounds crash loops with it, apart from attempts.
   */
  crashes: number;
  maxAttempts: number;
  lockKey: string | null;
  timeoutMs: number | null;
}

/** What the processor decided; the back end applies it. */
export type JobOutcome =
  | { kind: 'done' }
  | { kind: 'retry'; at: Date; error: string }
  | { kind: 'dead'; error: string }
  /** Put it back without spending an attempt (lock busy, worker shutting down). */
  | { kind: 'defer'; at: Date };

/**
 * Runs one job. The signal aborts when the worker stops past its grace period or the lease is lost; the reason
 * is a `JobAbortReason`.
 */
export type JobProcessor = (job: Job, signal: AbortSignal) => Promise<JobOutcome>;

export type JobAbortReason = 'shutdown' | 'lease_lost' | 'timeout' | 'cancelled';

export interface ConsumeOptions {
  /** Jobs run at once by this consumer. */
  concurrency: number;
  /** How long a claim stays valid without a heartbeat; a killed consumer's jobs resume after it. Default 30 s. */
  leaseMs?: number;
  /** Jobs claimed per round trip. Default max(concurrency, 10). */
  batchSize?: number;
  /** How often an idle consumer looks for work that no notification announced. Default 100 ms (SQLite). */
  pollMs?: number;
}

export interface Consumer {
  /** Identifies this consumer in leases and locks. */
  readonly id: string;
  /** Jobs currently running. */
  inFlight(): number;
  /**
   * Stops claiming, waits up to `graceMs` for running jobs to finish, then aborts their signals (reason
   * `shutdown`) and waits for them to settle; what they leave unfinished is deferred or resumes after its lease.
   */
  stop(graceMs?: number): Promise<void>;
}

export interface DeadLetter {
  id: string;
  jobId: string;
  type: string;
  payload: JobPayload;
  attempts: number;
  error: string;
  createdAt: string;
}

export interface Queue {
  readonly backend: 'sqlite' | 'postgres';
  /** Reads what the back end needs before consuming (the notification channel); idempotent. */
  prepare(): Promise<void>;
  /** Adds a job inside `db`, which may be the caller's transaction: the job exists only if that commits. */
  enqueue(db: Kysely<Database>, spec: JobSpec): Promise<EnqueueResult>;
  /** Starts handing jobs to `processor`. */
  consume(processor: JobProcessor, options: ConsumeOptions): Promise<Consumer>;
  /** Removes a job that has not started; false when it is running or gone. */
  cancel(jobId: string): Promise<boolean>;
  /** Jobs that are queued or running. */
  pending(): Promise<number>;
  deadLetters(limit?: number): Promise<DeadLetter[]>;
  /** Releases what frees itself no longer: expired leases, locks and jobs of dead consumers. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_LEASE_MS = 30_000;
