/**
 * @module One consumer of the table queue. States: running (claim → buffer → run, heartbeat renewing leases)
 * → stopping (no more claims; buffered jobs handed back; running jobs get `graceMs`, then their signals abort)
 * → stopped. Claims are batched: one transaction hands over up to `batchSize` jobs, which wait in a local
 * buffer (leased to us) until a slot frees.
 *
 * Losing the database (a restart, a fail-over, a severed connection) is an ordinary state here, not an error:
 * every statement that fails is tried again later. What makes that safe is the lease. Each job we hold is valid
 * until the expiry of the last renewal that reached the database; when that moment comes without a newer one
 * (the database has been away for a lease), the job is aborted here (`lease_lost`) before any sweeper can hand
 * it to someone else, so a job never runs in two places at once. A settle that fails is retried for as long as
 * its lease holds, after which the sweeper re-delivers the job and the run record says what is already done.
 */
import { errorMessage } from '../../lib/errors.js';
import { sleep, Waker } from '../sleep.js';
import { InFlight } from './in-flight.js';
import { newOwnerId } from './owners.js';
import type { Consumer, Job, JobOutcome, JobProcessor } from './queue.js';
import type { TableQueue } from './table-queue.js';

export interface TableConsumerOptions {
  concurrency: number;
  leaseMs: number;
  batchSize: number;
  pollMs: number;
}

export class TableConsumer implements Consumer {
  /** Host, pid and start time in the id let a restarted process on this host reclaim our leases at once. */
  readonly id = newOwnerId('q');
  private readonly inflight = new InFlight();
  private readonly waker = new Waker();
  private buffer: Job[] = [];
  /** Done jobs without a lock, deleted with the next claim (or at stop). */
  private completed: string[] = [];
  /**
   * Until when (ms) each job we hold is ours: the expiry of its last claim or renewal that reached the database.
   * Keyed by id, but each entry names its delivery (the claimed `Job`): a retried job can be claimed again while
   * the previous delivery's settle is still finishing here, and that one must not touch the new lease.
   */
  private readonly leases = new Map<string, { job: Job; until: number }>();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private beating = false;
  private readonly stoppedListeners: Array<() => void> = [];
  private readonly settling = new Set<Promise<void>>();

  constructor(
    private readonly queue: TableQueue,
    private readonly processor: JobProcessor,
    private readonly options: TableConsumerOptions,
  ) {}

  start(): void {
    const { leaseMs } = this.options;
    this.loop = this.run();
    this.heartbeat = setInterval(() => void this.beat(), Math.max(50, Math.floor(leaseMs / 3)));
    this.heartbeat.unref();
    // Needs no database, so it keeps its promise while every statement hangs or fails.
    this.watchdog = setInterval(() => this.expireLeases(), Math.max(20, Math.floor(leaseMs / 10)));
    this.watchdog.unref();
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
    for (const job of buffered) this.dropLease(job);
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
    if (this.watchdog) clearInterval(this.watchdog);
    for (const l of this.stoppedListeners) l();
  }

  private async run(): Promise<void> {
    const { concurrency, batchSize, leaseMs, pollMs } = this.options;
    let full = false;
    let failures = 0;
    // A predecessor killed on this host left runs leased to a dead process: take them back before the first claim.
    await this.queue.sweep().catch(() => undefined);
    while (!this.stopping) {
      if (this.buffer.length === 0 && this.inflight.size < concurrency) {
        const want = Math.max(batchSize, concurrency) - this.inflight.size;
        const completed = this.completed;
        this.completed = [];
        const leaseEnd = Date.now() + leaseMs;
        try {
          this.buffer = await this.queue.claim(this.id, want, leaseMs, completed);
          for (const id of completed) this.leases.delete(id);
          for (const job of this.buffer) this.leases.set(job.id, { job, until: leaseEnd });
          full = this.buffer.length === want;
          failures = 0;
        } catch {
          this.completed.push(...completed);
          // SQLite busy past busy_timeout, Postgres away, the database closing: try again after a pause that
          // grows while it lasts (up to 5 s), so a restarting server is not hammered.
          failures++;
          await this.waker.wait(Math.min(5000, pollMs * 2 ** Math.min(failures - 1, 6)));
          continue;
        }
      }
      while (this.buffer.length > 0 && this.inflight.size < concurrency && !this.stopping) {
        const job = this.buffer.shift()!;
        // Claimed, then the database went away for a lease: the job may be someone else's by now.
        if (Date.now() >= this.until(job) - this.margin()) this.dropLease(job);
        else this.dispatch(job);
      }
      if (this.stopping) break;
      // Sleep until a slot frees (dispatch wakes us), work is announced, the next delayed job is due, or the poll.
      if (this.buffer.length > 0 || this.inflight.size >= concurrency) await this.waker.wait(60_000);
      else if (!full) await this.waker.wait(await this.idleWait());
    }
  }

  /** How long an idle consumer may sleep: until the next delayed job, at most the poll interval. */
  private async idleWait(): Promise<number> {
    const { pollMs } = this.options;
    const next = await this.queue.nextRunAt().catch(() => undefined);
    return next === undefined ? pollMs : Math.max(1, Math.min(pollMs, next - Date.now() + 1));
  }

  private dispatch(job: Job): void {
    const settle = this.inflight
      .run(job, this.processor)
      .then((outcome) => {
        if (outcome.kind === 'done' && job.lockKey === null) {
          this.completed.push(job.id);
          return;
        }
        return this.settle(job, outcome);
      })
      .catch(() => undefined)
      .finally(() => {
        this.inflight.finish(job);
        this.settling.delete(settle);
        this.waker.wake();
      });
    this.settling.add(settle);
  }

  /** Applies an outcome, trying again while the database is away and the job is still ours. */
  private async settle(job: Job, outcome: JobOutcome): Promise<void> {
    let pause = 50;
    for (;;) {
      try {
        await this.queue.settle(this.id, job, outcome);
        this.dropLease(job);
        return;
      } catch {
        if (Date.now() + pause >= this.until(job)) {
          // The lease runs out before we could try again: the sweeper re-delivers the job.
          this.dropLease(job);
          return;
        }
        await sleep(pause);
        pause = Math.min(1000, pause * 2);
      }
    }
  }

  /** Until when this delivery of the job is ours (0: it is not). */
  private until(job: Job): number {
    const lease = this.leases.get(job.id);
    return lease?.job === job ? lease.until : 0;
  }

  private dropLease(job: Job): void {
    if (this.leases.get(job.id)?.job === job) this.leases.delete(job.id);
  }

  /** Time for an abort to reach a job before the sweeper of another process sees its lease expired. */
  private margin(): number {
    return Math.max(20, Math.floor(this.options.leaseMs / 5));
  }

  /** Aborts every running job whose lease may have run out: no renewal reached the database in time. */
  private expireLeases(): void {
    const margin = this.margin();
    const now = Date.now();
    for (const job of this.inflight.jobs()) {
      const lease = this.leases.get(job.id);
      if (lease?.job === job && now >= lease.until - margin) this.inflight.abort(job, 'lease_lost');
    }
  }

  /** Renews leases; a job whose lease another consumer took over is aborted here. Also sweeps dead leases. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      // Jobs claimed and not yet settled: running, buffered, settling or waiting for the batched delete.
      const sent = [...this.leases.values()];
      const leaseEnd = Date.now() + this.options.leaseMs;
      const held = await this.queue.renew(
        this.id,
        sent.map((l) => l.job.id),
        this.options.leaseMs,
      );
      const lost = new Set<Job>();
      for (const lease of sent) {
        // Settled, or claimed anew, while the renewal was on its way: not this renewal's to judge.
        if (this.leases.get(lease.job.id) !== lease) continue;
        if (held.has(lease.job.id)) {
          lease.until = Math.max(lease.until, leaseEnd);
        } else {
          this.leases.delete(lease.job.id);
          this.inflight.abort(lease.job, 'lease_lost');
          lost.add(lease.job);
        }
      }
      if (lost.size > 0) {
        const ids = new Set([...lost].map((j) => j.id));
        this.buffer = this.buffer.filter((j) => !lost.has(j));
        this.completed = this.completed.filter((id) => !ids.has(id));
      }
      await this.queue.sweep();
    } catch (error) {
      void errorMessage(error);
    } finally {
      this.beating = false;
    }
  }
}
