/**
 * @module The worker: takes jobs from the queue, runs the registered handler, and keeps the run record true.
 *
 * A job that carries a `runId` executes that run:
 *   queued ─▶ running ─▶ success
 *                     ├─▶ partial   (budget or timeout after progress: checkpoint kept, continuation queued)
 *                     ├─▶ failed    (no retry for the error class, attempts exhausted, stalled, or crash-looping)
 *                     ├─▶ cancelled (asked to stop)
 *                     └─▶ queued    (retry after backoff; worker stopping: resumes elsewhere)
 * A run that is already final when its job arrives (a duplicate delivery after a crash) is left alone.
 * A continuation that again makes no checkpoint progress adds to a stall counter; at STALL_AFTER the run ends
 * `failed` and is marked stalled: never success.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { isConnectorError } from '../connectors/sdk/errors.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { errorMessage, RunDrained } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/database.js';
import { ConnectionRepository } from '../store/repositories/connections.js';
import { RunRepository, isFinalStatus, type Run } from '../store/repositories/runs.js';
import type { Database, RunStatus } from '../store/schema.js';
import { RuntimeEvents, type Emit } from './events.js';
import type { HandlerContext, HandlerRegistry, HandlerResult } from './handlers.js';
import {
  PRIORITY_NUMBER,
  type Consumer,
  type Job,
  type JobOutcome,
  type Priority,
  type Queue,
} from './queue/queue.js';
import { RateBudgetExhausted, RateLimiter, connectionKey, connectionPacer } from './rate-limiter.js';
import { decideRetry, type RetryPolicyOptions } from './retry-policy.js';
import { RunContext } from './run-context.js';
import { enqueueRun } from './triggers.js';

/** Continuations in a row without checkpoint progress before a run is called stalled. */
export const STALL_AFTER = 3;
/**
 * Crashes in a row (deliveries that found the run still running, with no checkpoint between them) after which a
 * run is failed as crash-looping: a record that kills its worker must not take the fleet down one by one.
 * Crashes with progress between them never end a run.
 */
export const CRASH_LOOP_AFTER = 5;

export interface WorkerOptions {
  concurrency: number;
  /** Lease on claimed jobs and key locks; a killed worker's work resumes after it. Default 30 s. */
  leaseMs?: number;
  batchSize?: number;
  pollMs?: number;
  /** How long `stop()` lets running jobs finish before aborting them. Default 10 s. */
  graceMs?: number;
  retry?: RetryPolicyOptions;
  /** Refreshes a connection's token (OAuth); called once per run on an auth error before giving up. */
  refreshAuth?: (orgId: string, connectionId: string) => Promise<void>;
  /** How often running runs record a heartbeat and look for a cancel request. Default 2 s. */
  heartbeatMs?: number;
  logger?: Logger;
  events?: RuntimeEvents;
  /** For marking connections unhealthy (credentials stay sealed). */
  box?: SecretBox;
}

export interface WorkerDeps {
  store: Store;
  queue: Queue;
  registry: HandlerRegistry;
}

export class Worker {
  readonly id = `wk-${randomBytes(6).toString('hex')}`;
  readonly events: RuntimeEvents;
  readonly limiter: RateLimiter;
  private consumer: Consumer | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly running = new Map<string, AbortController>();
  /** Fired at `stop()`: running jobs stop at their next safe point (HandlerContext.drain). */
  private drainer = new AbortController();

  constructor(
    private readonly deps: WorkerDeps,
    private readonly options: WorkerOptions,
  ) {
    this.events = options.events ?? new RuntimeEvents();
    this.limiter = new RateLimiter(deps.store.db, deps.store.dialect);
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    if (this.drainer.signal.aborted) this.drainer = new AbortController();
    this.consumer = await this.deps.queue.consume((job, signal) => this.process(job, signal), {
      concurrency: this.options.concurrency,
      ...(this.options.leaseMs ? { leaseMs: this.options.leaseMs } : {}),
      ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
      ...(this.options.pollMs ? { pollMs: this.options.pollMs } : {}),
    });
    this.heartbeat = setInterval(() => void this.beat(), this.options.heartbeatMs ?? 2000);
    this.heartbeat.unref();
  }

  /** Stops taking jobs; running ones get the grace period, then are aborted and resume elsewhere. */
  async stop(graceMs = this.options.graceMs ?? 10_000): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (this.heartbeat) clearInterval(this.heartbeat);
    // Drain first, so a long sync commits its batch and hands its run back well inside the grace period.
    this.drainer.abort('shutdown');
    await consumer?.stop(graceMs);
  }

  /** Jobs running now. */
  inFlight(): number {
    return this.consumer?.inFlight() ?? 0;
  }

  private get runs(): RunRepository {
    return new RunRepository(this.deps.store.db);
  }

  private async beat(): Promise<void> {
    try {
      const cancelled = await this.runs.heartbeat([...this.running.keys()]);
      for (const id of cancelled) this.running.get(id)?.abort('cancelled');
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'run heartbeat failed');
    }
  }

  /** The queue's processor: never throws, always says what to do with the job. */
  private async process(job: Job, queueSignal: AbortSignal): Promise<JobOutcome> {
    const emit: Emit = this.events.emit;
    const runId = typeof job.payload.runId === 'string' ? job.payload.runId : undefined;
    let run: Run | undefined;
    if (runId) {
      run = await this.runs.byId(runId);
      if (!run || isFinalStatus(run.status)) return { kind: 'done' };
      if (run.cancelRequested) {
        await this.finishRun(run, 'cancelled', 'cancelled before it started');
        return { kind: 'done' };
      }
    }
    if (!run && job.crashes > CRASH_LOOP_AFTER * 2) {
      const error = `crash-looping: its worker stopped before finishing it ${job.crashes} times`;
      emit('job.dead', { jobId: job.id, type: job.type, attempt: job.attempt, error });
      return { kind: 'dead', error };
    }
    const handler = this.deps.registry.get(job.type);
    if (!handler) {
      const error = `no handler registered for job type "${job.type}"`;
      if (run) await this.finishRun(run, 'failed', error);
      emit('job.dead', { jobId: job.id, type: job.type, attempt: job.attempt, error });
      return { kind: 'dead', error };
    }
    if (run) {
      // Still `running`: the worker before us died (or lost the database) mid-run. A crash is not an attempt,
      // but a run that keeps crashing its workers without reaching a checkpoint is stopped (and says so).
      const crashed = run.status === 'running';
      run = await this.runs.markRunning(run.id, job.attempt, job.id, crashed);
      if (!run) return { kind: 'done' };
      if (crashed && run.crashStreak > CRASH_LOOP_AFTER) {
        const error = `crash-looping: its worker stopped ${run.crashStreak} times in a row before the next checkpoint`;
        await this.finishRun(run, 'failed', error);
        emit('job.dead', { jobId: job.id, type: job.type, attempt: job.attempt, error });
        return { kind: 'dead', error };
      }
      if (crashed) {
        await new RunContext(this.deps.store, run, emit).log(
          'warn',
          `resumed from its checkpoint: the worker running it stopped or lost the database (crash ${run.crashes})`,
        );
      }
      emit('run.started', {
        runId: run.id,
        orgId: run.orgId,
        syncId: run.syncId,
        kind: run.kind,
        attempt: job.attempt,
        trigger: run.trigger,
      });
    }

    const started = Date.now();
    const deadline = job.timeoutMs ? started + job.timeoutMs : Number.POSITIVE_INFINITY;
    const controller = new AbortController();
    const forward = () => controller.abort(queueSignal.reason);
    queueSignal.addEventListener('abort', forward, { once: true });
    if (run) this.running.set(run.id, controller);
    const runCtx = run ? new RunContext(this.deps.store, run, emit) : undefined;
    const ctx = this.context(runCtx, deadline);
    try {
      const result: HandlerResult | void = await handler(ctx, job, controller.signal, emit);
      if (controller.signal.aborted) {
        // A handler may stop at its signal and return instead of throwing (the engine ends such a run with a
        // `cancelled` result): it did not finish its work, so this is never a success. Cancel, shutdown, lease
        // loss and timeout are handled as when the handler throws (found on Postgres under load: a lost lease
        // once ended a push after its first page as `success`).
        const stopped = new Error(`stopped: ${String(controller.signal.reason)}`);
        return await this.failed(job, run, runCtx, stopped, controller.signal, started);
      }
      if (result?.status === 'partial' && run && runCtx) {
        return await this.endPartial(run, runCtx, job, result.continueAt ?? new Date(), started);
      }
      if (result?.status === 'completed_with_errors' && run) {
        await this.finishRun(run, 'partial', result.message ?? 'some records failed', started);
        return { kind: 'done' };
      }
      if (run) await this.finishRun(run, 'success', null, started);
      return { kind: 'done' };
    } catch (error) {
      return await this.failed(job, run, runCtx, error, controller.signal, started);
    } finally {
      queueSignal.removeEventListener('abort', forward);
      if (run) this.running.delete(run.id);
    }
  }

  private context(run: RunContext | undefined, deadline: number): HandlerContext {
    const { store, queue } = this.deps;
    return {
      store,
      queue,
      events: this.events,
      run,
      deadline,
      drain: this.drainer.signal,
      enqueue: (db, spec) => queue.enqueue(db, spec),
      rateLimit: (connectionId, limit) =>
        this.limiter.acquire(connectionKey(connectionId), limit, {
          // Keep a moment to checkpoint before the deadline.
          deadline: deadline - 1000,
          onWait: (waitMs) =>
            this.events.emit('ratelimit.wait', {
              key: connectionKey(connectionId),
              waitMs,
              runId: run?.id ?? null,
            }),
        }),
      rateLimited: (connectionId, retryAfterMs) =>
        this.limiter.penalize(connectionKey(connectionId), retryAfterMs),
      pacer: (connectionId, buckets, signal) =>
        connectionPacer(this.limiter, connectionId, buckets, {
          // Keep a moment to checkpoint before the deadline.
          deadline: deadline - 1000,
          ...(signal ? { signal } : {}),
          onWait: (key, waitMs) =>
            this.events.emit('ratelimit.wait', { key, waitMs, runId: run?.id ?? null }),
          onRefused: (bucket, waitMs) =>
            run?.log(
              'warn',
              `${bucket === 'default' ? 'the platform' : `the platform's ${bucket} limit`} answered 429: waiting ${Math.ceil(waitMs)} ms, then sending the request again`,
            ),
        }),
    };
  }

  private async failed(
    job: Job,
    run: Run | undefined,
    runCtx: RunContext | undefined,
    error: unknown,
    signal: AbortSignal,
    started: number,
  ): Promise<JobOutcome> {
    const reason = signal.aborted ? signal.reason : undefined;
    if (error instanceof RateBudgetExhausted && run && runCtx) {
      await runCtx.log('warn', `rate limit budget exhausted; continuing at ${error.resumeAt.toISOString()}`);
      return this.endPartial(run, runCtx, job, error.resumeAt, started);
    }
    if (error instanceof RunDrained && reason === undefined) {
      // Stopped on purpose at a batch boundary: back to the queue at once, with the attempt unspent.
      if (run) {
        await runCtx?.log('info', error.message);
        await this.runs.requeue(run.id, null, job.attempt);
      }
      return { kind: 'defer', at: new Date() };
    }
    if (reason === 'cancelled' && run) {
      await this.finishRun(run, 'cancelled', 'cancelled while running', started);
      return { kind: 'done' };
    }
    if (reason === 'shutdown' || reason === 'lease_lost') {
      // Not the job's fault: back to the queue with the attempt unspent; the checkpoint is where it resumes. A
      // lost lease is requeued too: when nobody took the key over (seen on one loaded Postgres), leaving the run
      // to "the new owner" left it running forever; when someone did, the requeued job waits for the key and
      // finds the run already finished.
      if (run) await this.runs.requeue(run.id, null, reason === 'lease_lost' ? job.attempt : undefined);
      return { kind: 'defer', at: new Date() };
    }
    if (reason === 'timeout' && run && runCtx?.progressed) {
      await runCtx.log('warn', `run timed out after ${job.timeoutMs} ms; continuing from the checkpoint`);
      return this.endPartial(run, runCtx, job, new Date(), started);
    }
    const connectionId = this.connectionOf(job, run);
    if (isConnectorError(error) && error.kind === 'rate_limited' && connectionId) {
      const waitMs = error.retryAfterMs ?? 1000;
      await this.limiter.penalize(connectionKey(connectionId), waitMs);
      if (run && reason === undefined) {
        // The platform's rate is no fault of the run: it waits and goes on from its checkpoint with its attempt
        // unspent, however often that happens (a run must not fail for being throttled).
        const at = new Date(Date.now() + waitMs);
        await runCtx?.log(
          'warn',
          `rate limited by the platform (${error.message}); going on at ${at.toISOString()}`,
        );
        await this.runs.requeue(run.id, error.message, job.attempt);
        this.events.emit('job.retry', {
          jobId: job.id,
          type: job.type,
          attempt: job.attempt,
          at,
          error: error.message,
        });
        return { kind: 'defer', at };
      }
    }
    const cause = reason === 'timeout' ? new Error(`timed out after ${job.timeoutMs} ms`) : error;
    const decision = decideRetry(
      cause,
      { attempt: job.attempt, maxAttempts: job.maxAttempts, authRefreshed: run?.authRefreshed ?? false },
      this.options.retry,
    );
    const emit = this.events.emit;
    switch (decision.action) {
      case 'refresh_auth': {
        if (run && connectionId && this.options.refreshAuth) {
          await runCtx?.log('warn', `auth failed (${decision.reason}); refreshing the token once`);
          await this.runs.markAuthRefreshed(run.id);
          try {
            await this.options.refreshAuth(run.orgId, connectionId);
          } catch (refreshError) {
            return this.stopUnhealthy(
              job,
              run,
              runCtx,
              connectionId,
              `token refresh failed: ${errorMessage(refreshError)}`,
              started,
            );
          }
          await this.runs.requeue(run.id, decision.reason);
          emit('job.retry', {
            jobId: job.id,
            type: job.type,
            attempt: job.attempt,
            at: new Date(),
            error: decision.reason,
          });
          return { kind: 'retry', at: new Date(), error: decision.reason };
        }
        return this.stopUnhealthy(job, run, runCtx, connectionId, decision.reason, started);
      }
      case 'fail':
        if (decision.markUnhealthy)
          return this.stopUnhealthy(job, run, runCtx, connectionId, decision.reason, started);
        if (run) {
          await runCtx?.log('error', `failed: ${decision.reason}`);
          await this.finishRun(run, 'failed', decision.reason, started);
        }
        return { kind: 'done' };
      case 'retry': {
        const at = new Date(Date.now() + decision.delayMs);
        if (run) {
          await runCtx?.log(
            'warn',
            `attempt ${job.attempt} failed (${decision.reason}); retrying at ${at.toISOString()}`,
          );
          await this.runs.requeue(run.id, decision.reason);
        }
        emit('job.retry', {
          jobId: job.id,
          type: job.type,
          attempt: job.attempt,
          at,
          error: decision.reason,
        });
        return { kind: 'retry', at, error: decision.reason };
      }
      case 'dead':
        if (run) {
          await runCtx?.log('error', decision.reason);
          await this.finishRun(run, 'failed', decision.reason, started);
        }
        emit('job.dead', { jobId: job.id, type: job.type, attempt: job.attempt, error: decision.reason });
        return { kind: 'dead', error: decision.reason };
    }
  }

  private async stopUnhealthy(
    job: Job,
    run: Run | undefined,
    runCtx: RunContext | undefined,
    connectionId: string | undefined,
    reason: string,
    started: number,
  ): Promise<JobOutcome> {
    if (run && connectionId) {
      if (this.options.box) {
        await new ConnectionRepository(this.deps.store.db, this.options.box).setHealth(
          run.orgId,
          connectionId,
          'unhealthy',
          reason,
        );
      } else {
        await this.deps.store.db
          .updateTable('connections')
          .set({ health: 'unhealthy', health_message: reason, checked_at: new Date().toISOString() })
          .where('org_id', '=', run.orgId)
          .where('id', '=', connectionId)
          .execute();
      }
    }
    if (run) {
      await runCtx?.log('error', `stopped: ${reason}; the connection needs new credentials`);
      await this.finishRun(run, 'failed', reason, started);
    }
    void job;
    return { kind: 'done' };
  }

  private connectionOf(job: Job, run: Run | undefined): string | undefined {
    const fromJob = job.payload.connectionId;
    if (typeof fromJob === 'string') return fromJob;
    const fromRun = run?.params.connectionId;
    return typeof fromRun === 'string' ? fromRun : undefined;
  }

  /** Ends the run `partial` and queues its continuation, in one transaction; or calls it stalled. */
  private async endPartial(
    run: Run,
    runCtx: RunContext,
    job: Job,
    continueAt: Date,
    started: number,
  ): Promise<JobOutcome> {
    const noProgress = runCtx.progressed ? 0 : run.noProgress + 1;
    if (noProgress >= STALL_AFTER) {
      const error = `stalled: no checkpoint progress across ${noProgress} runs`;
      await runCtx.log('error', error);
      await this.finishRun(run, 'failed', error, started, { stalled: true, noProgress });
      return { kind: 'done' };
    }
    let continuationRunId: string | null = null;
    await this.deps.store.db.transaction().execute(async (trx: Kysely<Database>) => {
      const finished = await new RunRepository(trx).finish(run.id, { status: 'partial', noProgress }, trx);
      if (!finished) return;
      const next = await enqueueRun(trx, this.deps.queue, {
        orgId: run.orgId,
        kind: run.kind,
        trigger: run.trigger,
        syncId: run.syncId,
        params: run.params,
        lockKey: run.lockKey,
        dedupeKey: null,
        priority: priorityName(job.priority),
        runAt: continueAt,
        ...(job.timeoutMs ? { timeoutMs: job.timeoutMs } : {}),
        maxAttempts: job.maxAttempts,
        dryRun: run.dryRun,
        checkpoint: runCtx.checkpoint,
        continuationOf: run.id,
        noProgress,
      });
      continuationRunId = next.runId;
    });
    await runCtx.log(
      'info',
      `ended partial; continuation ${continuationRunId} queued for ${continueAt.toISOString()}`,
    );
    this.events.emit('run.finished', {
      runId: run.id,
      orgId: run.orgId,
      syncId: run.syncId,
      status: 'partial',
      error: null,
      stalled: false,
      durationMs: Date.now() - started,
      continuationRunId,
    });
    return { kind: 'done' };
  }

  private async finishRun(
    run: Run,
    status: RunStatus,
    error: string | null,
    started = Date.now(),
    extra: { stalled?: boolean; noProgress?: number } = {},
  ): Promise<void> {
    const changed = await this.runs.finish(run.id, { status, error, ...extra });
    if (!changed) return;
    this.events.emit('run.finished', {
      runId: run.id,
      orgId: run.orgId,
      syncId: run.syncId,
      status,
      error,
      stalled: extra.stalled ?? false,
      durationMs: Date.now() - started,
      continuationRunId: null,
    });
  }
}

export function priorityName(priority: number): Priority {
  if (priority <= PRIORITY_NUMBER.high) return 'high';
  if (priority >= PRIORITY_NUMBER.low) return 'low';
  return 'default';
}
