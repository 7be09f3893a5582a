/**
 * @module The runtime assembled for a process: queue (by dialect), handler registry, worker, scheduler and the
 * event stream, with the worker's events also written to the process log. `datasync start` and
 * `datasync worker` both build one; other parts register handlers on `runtime.registry` before `start()`.
 */
import type { AppContext } from '../app/context.js';
import { createQueue, type CreateQueueOptions } from './queue/create-queue.js';
import type { Queue } from './queue/queue.js';
import { RuntimeEvents } from './events.js';
import { HandlerRegistry } from './handlers.js';
import { registerBuiltinHandlers } from './builtin-handlers.js';
import { Scheduler } from './scheduler.js';
import { DEFAULT_RUN_TIMEOUT_MS } from './triggers.js';
import { Worker } from './worker.js';

export interface Runtime {
  queue: Queue;
  registry: HandlerRegistry;
  events: RuntimeEvents;
  worker: Worker;
  scheduler: Scheduler;
  /** Starts the worker (and the scheduler unless disabled). */
  start(): Promise<void>;
  /** Stops the scheduler, then the worker (running jobs get `graceMs`), then closes the queue. */
  stop(graceMs?: number): Promise<void>;
}

export interface RuntimeOptions {
  concurrency?: number;
  scheduler?: boolean;
  runTimeoutMs?: number;
  leaseMs?: number;
  refreshAuth?: (orgId: string, connectionId: string) => Promise<void>;
  /** Postgres: where the queue's LISTEN connection goes, when not the configured URL. */
  queueOptions?: CreateQueueOptions;
}

export async function createRuntime(ctx: AppContext, options: RuntimeOptions = {}): Promise<Runtime> {
  const queue = await createQueue(ctx.store, ctx.config.database, options.queueOptions);
  const events = new RuntimeEvents();
  const registry = new HandlerRegistry();
  registerBuiltinHandlers(registry);
  const worker = new Worker(
    { store: ctx.store, queue, registry },
    {
      concurrency: options.concurrency ?? ctx.config.workerConcurrency,
      graceMs: ctx.config.shutdownTimeoutMs,
      events,
      box: ctx.box,
      logger: ctx.logger,
      ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
      ...(options.refreshAuth ? { refreshAuth: options.refreshAuth } : {}),
    },
  );
  const scheduler = new Scheduler(ctx.store, queue, {
    runTimeoutMs: options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
    logger: ctx.logger,
  });
  events.on('run.finished', (e) =>
    ctx.logger[e.status === 'failed' ? 'warn' : 'info'](
      {
        runId: e.runId,
        syncId: e.syncId,
        status: e.status,
        stalled: e.stalled,
        ms: e.durationMs,
        error: e.error,
      },
      'run finished',
    ),
  );
  events.on('job.dead', (e) => ctx.logger.error(e, 'job dead-lettered'));
  let started = false;
  let stopping: Promise<void> | undefined;
  return {
    queue,
    registry,
    events,
    worker,
    scheduler,
    async start() {
      started = true;
      await worker.start();
      if (options.scheduler !== false) scheduler.start();
    },
    stop(graceMs) {
      // Idempotent: a test (or a signal handler racing shutdown) may stop twice; the queue's pool closes once.
      stopping ??= (async () => {
        if (started) {
          await scheduler.stop();
          await worker.stop(graceMs);
        }
        await queue.close();
      })();
      return stopping;
    },
  };
}
