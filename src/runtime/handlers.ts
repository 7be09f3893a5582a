/**
 * @module The handler registry: job type → handler. The worker runs whatever is registered; other parts of
 * DataSync register theirs (the engine registers `sync.run`, the API `webhook.process`).
 */
import type { Kysely } from 'kysely';
import type { Store } from '../store/database.js';
import type { Database } from '../store/schema.js';
import type { Emit, RuntimeEvents } from './events.js';
import type { EnqueueResult, Job, JobSpec, Queue } from './queue/queue.js';
import type { RequestPacer } from '../connectors/sdk/pacing.js';
import type { RateLimit as WindowLimit } from '../connectors/sdk/types.js';
import type { RateLimit } from './rate-limiter.js';
import type { RunContext } from './run-context.js';

export interface HandlerContext {
  store: Store;
  queue: Queue;
  events: RuntimeEvents;
  /** The run this job executes, when it carries a `runId`: log, commit progress, record outcomes, fan out. */
  run: RunContext | undefined;
  /**
   * Waits for a token of the connection's shared budget. When the wait would pass the run's deadline it throws
   * RateBudgetExhausted; let it propagate: the worker checkpoints, ends the run `partial` and queues a
   * continuation for when tokens return.
   */
  rateLimit(connectionId: string, limit: RateLimit): Promise<void>;
  /** Tell the limiter the platform answered 429. */
  rateLimited(connectionId: string, retryAfterMs: number): Promise<void>;
  /**
   * The pacer for every HTTP request of a connection, one bucket per documented limit (`default` and e.g.
   * HubSpot's `search`), drawing on the same budgets as `rateLimit`; its waits end at the run's deadline.
   */
  pacer(
    connectionId: string,
    buckets: Readonly<Record<string, WindowLimit>>,
    signal?: AbortSignal,
  ): RequestPacer;
  /** When the run must be done by (ms since the epoch); Infinity without a timeout. */
  deadline: number;
  /**
   * Aborted when the worker begins to stop: a long job stops at its next safe point (a sync at a batch
   * boundary, by throwing RunDrained) instead of waiting out the grace period and being cut off mid-request.
   */
  drain: AbortSignal;
  enqueue(db: Kysely<Database>, spec: JobSpec): Promise<EnqueueResult>;
}

/** What a handler may say about how it ended. Returning nothing means success. */
export interface HandlerResult {
  /**
   * `partial`: stopped early on purpose (budget, batch limit); a continuation is queued at `continueAt`.
   * `completed_with_errors`: finished, but some records failed (reported per record): the run ends `partial`
   * with no continuation, since running it again would fail them the same way.
   */
  status?: 'success' | 'partial' | 'completed_with_errors';
  continueAt?: Date;
  /** A one-line summary stored on the run (e.g. "3 records failed"). */
  message?: string;
}

export type JobHandler = (
  ctx: HandlerContext,
  job: Job,
  signal: AbortSignal,
  emit: Emit,
) => Promise<HandlerResult | void>;

export class HandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  /** Registers the handler for `type`; registering a type twice is a bug. */
  register(type: string, handler: JobHandler): this {
    if (this.handlers.has(type)) throw new Error(`a handler for job type "${type}" is already registered`);
    this.handlers.set(type, handler);
    return this;
  }

  get(type: string): JobHandler | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()];
  }
}
