/**
 * @module The jobs a consumer is running: each with its own AbortController (aborted on timeout, shutdown or a
 * lost lease, the reason says which), settled exactly once. Both back ends use it.
 */
import { errorMessage } from '../../lib/errors.js';
import type { Job, JobAbortReason, JobOutcome, JobProcessor } from './queue.js';

interface Running {
  job: Job;
  controller: AbortController;
  promise: Promise<JobOutcome>;
}

export class InFlight {
  private readonly running = new Map<string, Running>();
  private readonly idle = new Set<() => void>();

  get size(): number {
    return this.running.size;
  }

  ids(): string[] {
    return [...this.running.keys()];
  }

  jobs(): Job[] {
    return [...this.running.values()].map((r) => r.job);
  }

  /** Runs the job; resolves with the outcome to apply. A throwing processor (a bug) becomes a retry. */
  run(job: Job, processor: JobProcessor): Promise<JobOutcome> {
    const controller = new AbortController();
    const timer =
      job.timeoutMs !== null && job.timeoutMs > 0
        ? setTimeout(() => controller.abort('timeout' satisfies JobAbortReason), job.timeoutMs)
        : undefined;
    const promise = (async (): Promise<JobOutcome> => {
      try {
        return await processor(job, controller.signal);
      } catch (error) {
        return { kind: 'retry', at: new Date(Date.now() + 1000), error: errorMessage(error) };
      } finally {
        if (timer) clearTimeout(timer);
      }
    })();
    this.running.set(job.id, { job, controller, promise });
    return promise;
  }

  /**
   * Call after the outcome was applied. By delivery, not by id: a retried job can be claimed again (a new `Job`)
   * before the settle of its previous delivery has finished here, and that one must not end the new one.
   */
  finish(job: Job): void {
    if (this.running.get(job.id)?.job === job) this.running.delete(job.id);
    if (this.running.size === 0) for (const resolve of this.idle) resolve();
  }

  /** Aborts this delivery of the job, if it still runs. */
  abort(job: Job, reason: JobAbortReason): void {
    const entry = this.running.get(job.id);
    if (entry?.job === job) entry.controller.abort(reason);
  }

  abortAll(reason: JobAbortReason): void {
    for (const r of this.running.values()) r.controller.abort(reason);
  }

  /** Resolves when nothing runs, or after `ms` (false then). */
  whenIdle(ms: number): Promise<boolean> {
    if (this.running.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.idle.delete(onIdle);
        resolve(value);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.idle.add(onIdle);
    });
  }
}
