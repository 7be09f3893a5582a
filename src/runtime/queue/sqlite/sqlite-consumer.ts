/**
 * @module One consumer of the SQLite queue. States: running (claim → buffer → run, heartbeat renewing leases)
 * → stopping (no more claims; buffered jobs handed back; running jobs get `graceMs`, then their signals abort)
 * → stopped. Claims are batched: one transaction hands over up to `batchSize` jobs, which wait in a local
 * buffer (leased to us) until a slot frees.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { errorMessage } from '../../../lib/errors.js';
import { sleep, Waker } from '../../sleep.js';
import { InFlight } from '../in-flight.js';
import type { Consumer, Job, JobProcessor } from '../queue.js';
import type { SqliteQueue } from './sqlite-queue.js';

export interface SqliteConsumerOptions {
  concurrency: number;
  leaseMs: number;
  batchSize: number;
  pollMs: number;
}

export class SqliteConsumer implements Consumer {
  /** Host and pid in the id let a restarted process on this host reclaim our leases at once (`ownerAlive`). */
  readonly id = `sq-${randomBytes(6).toString('hex')}@${hostname()}#${process.pid}`;
  private readonly inflight = new InFlight();
  private readonly waker = new Waker();
  private buffer: Job[] = [];
  /** Done jobs without a lock, deleted with the next claim (or at stop). */
  private completed: string[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly stoppedListeners: Array<() => void> = [];
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly queue: SqliteQueue,
    private readonly processor: JobProcessor,
    private readonly options: SqliteConsumerOptions,
  ) {}

  start(): void {
    this.loop = this.run();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.heartbeat.unref();
  }

  inFlight(): number {
    return this.inflight.size;
  }

  wake(): void {
    this.waker.wake();
  }

  onStopped(listener: () => void): void {
    this.stoppedListeners.push(listener);
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    this.waker.wake();
    await this.loop;
    const buffered = this.buffer;
    this.buffer = [];
    await this.queue.release(this.id, buffered).catch(() => undefined);
    if (!(await this.inflight.whenIdle(graceMs))) {
      this.inflight.abortAll('shutdown');
      await this.inflight.whenIdle(60_000);
    }
    await Promise.all(this.settling);
    if (this.completed.length > 0) {
      await this.queue.claim(this.id, 0, this.options.leaseMs, this.completed).catch(() => undefined);
      this.completed = [];
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    for (const l of this.stoppedListeners) l();
  }

  private async run(): Promise<void> {
    const { concurrency, batchSize, leaseMs, pollMs } = this.options;
    let full = false;
    // A predecessor killed on this host left runs leased to a dead process: take them back before the first claim.
    await this.queue.sweep().catch(() => undefined);
    while (!this.stopping) {
      if (this.buffer.length === 0 && this.inflight.size < concurrency) {
        const want = Math.max(batchSize, concurrency) - this.inflight.size;
        const completed = this.completed;
        this.completed = [];
        try {
          this.buffer = await this.queue.claim(this.id, want, leaseMs, completed);
          full = this.buffer.length === want;
        } catch {
          this.completed.push(...completed);
          // SQLITE_BUSY past busy_timeout, or the database closing: try again after a pause.
          await sleep(pollMs);
          continue;
        }
      }
      while (this.buffer.length > 0 && this.inflight.size < concurrency && !this.stopping) {
        this.dispatch(this.buffer.shift()!);
      }
      if (this.stopping) break;
      // Sleep until a slot frees (dispatch wakes us), work is enqueued in this process, or the poll interval.
      if (this.buffer.length > 0 || this.inflight.size >= concurrency) await this.waker.wait(60_000);
      else if (!full) await this.waker.wait(pollMs);
    }
  }

  private dispatch(job: Job): void {
    const settle = this.inflight
      .run(job, this.processor)
      .then((outcome) => {
        if (outcome.kind === 'done' && job.lockKey === null) {
          this.completed.push(job.id);
          return;
        }
        return this.queue.settle(this.id, job, outcome);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inflight.finish(job.id);
        this.settling.delete(settle);
        this.waker.wake();
      });
    this.settling.add(settle);
  }

  /** Renews leases; a job whose lease another consumer took over is aborted here. Also sweeps dead leases. */
  private async beat(): Promise<void> {
    try {
      const held = await this.queue.renew(this.id, this.options.leaseMs);
      for (const id of this.inflight.ids()) if (!held.has(id)) this.inflight.abort(id, 'lease_lost');
      await this.queue.sweep();
    } catch (error) {
      void errorMessage(error);
    }
  }
}
