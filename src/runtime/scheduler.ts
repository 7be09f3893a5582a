/**
 * @module Cron triggers. Each active sync with a `schedule` (cron expression; `definition.timezone` optional,
 * UTC by default) gets one run per due tick. The last tick enqueued is stored (`runtime_schedules`) and moved
 * with a compare-and-set, so: several schedulers (one per process) enqueue a tick once; and after downtime the
 * missed ticks collapse into one run, not one per tick.
 */
import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import { errorMessage } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { Store } from '../store/database.js';
import { fromJson } from '../store/json.js';
import type { Database } from '../store/schema.js';
import type { Queue } from './queue/queue.js';
import { Waker } from './sleep.js';
import { DEFAULT_RUN_TIMEOUT_MS, enqueueRun } from './triggers.js';
import { scheduleToCron } from '../lib/schedule.js';

export interface ScheduleEntry {
  key: string;
  cron: string;
  timezone?: string | undefined;
  /** Enqueues the tick's work inside `db` (the scheduler's transaction). */
  enqueue(db: Kysely<Database>, tick: Date): Promise<unknown>;
}

/**
 * The latest tick in (lastTick, now], or undefined when none is due. With no last tick the schedule starts
 * now: the first tick due is the next one, not every tick since the epoch.
 */
export function dueTick(
  cron: string,
  timezone: string | undefined,
  lastTick: Date,
  now: Date,
): Date | undefined {
  const job = new Cron(cron, { paused: true, ...(timezone ? { timezone } : {}) });
  let next = job.nextRun(lastTick);
  let due: Date | undefined;
  // Walk forward to the latest due tick; bounded so a per-second schedule after a long outage stays cheap.
  for (let i = 0; next && next.getTime() <= now.getTime() && i < 100_000; i++) {
    due = next;
    next = job.nextRun(next);
  }
  job.stop();
  return due;
}

export interface SchedulerOptions {
  /** Default timeout for cron runs (a serverless cron's limit). */
  runTimeoutMs?: number;
  /** Longest sleep between checks, so new and edited schedules are seen. Default 30 s. */
  maxSleepMs?: number;
  logger?: Logger;
  now?: () => Date;
  /** Where schedules come from; default: active syncs with a schedule. */
  source?: () => Promise<ScheduleEntry[]>;
}

export class Scheduler {
  private readonly waker = new Waker();
  private stopped = true;
  private loop: Promise<void> | undefined;
  private readonly extraSources: Array<() => Promise<ScheduleEntry[]>> = [];

  constructor(
    private readonly store: Store,
    private readonly queue: Queue,
    private readonly options: SchedulerOptions = {},
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** Adds schedules beside the syncs' (e.g. the hourly syndication per organization); read at every tick. */
  addSource(source: () => Promise<ScheduleEntry[]>): void {
    this.extraSources.push(source);
  }

  private async entries(): Promise<ScheduleEntry[]> {
    const lists = await Promise.all([
      (this.options.source ?? (() => this.syncSchedules()))(),
      ...this.extraSources.map((source) => source()),
    ]);
    return lists.flat();
  }

  /** Schedules of active syncs. */
  async syncSchedules(): Promise<ScheduleEntry[]> {
    const rows = await this.store.db
      .selectFrom('syncs')
      .select(['id', 'org_id', 'schedule', 'definition'])
      .where('status', '=', 'active')
      .where('schedule', 'is not', null)
      .execute();
    return rows.map((row) => {
      const definition = fromJson<Record<string, unknown>>(row.definition) ?? {};
      const timezone = typeof definition.timezone === 'string' ? definition.timezone : undefined;
      return {
        key: `sync:${row.id}`,
        // Stored as the user wrote it: words (every_15_minutes) are read as their cron expression here.
        cron: scheduleToCron(row.schedule!) ?? row.schedule!,
        timezone,
        enqueue: (db) =>
          enqueueRun(db, this.queue, {
            orgId: row.org_id,
            kind: 'sync.run',
            trigger: 'cron',
            syncId: row.id,
            timeoutMs: this.options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS,
          }),
      };
    });
  }

  /** Enqueues every due tick once; returns the keys enqueued. Safe to call from many processes at once. */
  async tick(): Promise<string[]> {
    const now = this.now();
    const entries = await this.entries();
    const fired: string[] = [];
    for (const entry of entries) {
      try {
        if (await this.fire(entry, now)) fired.push(entry.key);
      } catch (error) {
        this.options.logger?.warn({ schedule: entry.key, err: errorMessage(error) }, 'schedule tick failed');
      }
    }
    return fired;
  }

  private async fire(entry: ScheduleEntry, now: Date): Promise<boolean> {
    const db = this.store.db;
    await db
      .insertInto('runtime_schedules')
      .values({ key: entry.key, last_tick_at: now.toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const row = await db
      .selectFrom('runtime_schedules')
      .select('last_tick_at')
      .where('key', '=', entry.key)
      .executeTakeFirstOrThrow();
    const tick = dueTick(entry.cron, entry.timezone, new Date(row.last_tick_at), now);
    if (!tick) return false;
    return db.transaction().execute(async (trx) => {
      // Compare-and-set: only the scheduler that moves the tick enqueues it.
      const moved = await trx
        .updateTable('runtime_schedules')
        .set({ last_tick_at: tick.toISOString() })
        .where('key', '=', entry.key)
        .where('last_tick_at', '=', row.last_tick_at)
        .executeTakeFirst();
      if (Number(moved.numUpdatedRows) === 0) return false;
      await entry.enqueue(trx, tick);
      return true;
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = (async () => {
      while (!this.stopped) {
        await this.tick().catch((error) =>
          this.options.logger?.warn({ err: errorMessage(error) }, 'scheduler tick failed'),
        );
        await this.waker.wait(await this.sleepMs());
      }
    })();
  }

  /** Until the next tick of any schedule (at most maxSleepMs). */
  private async sleepMs(): Promise<number> {
    const max = this.options.maxSleepMs ?? 30_000;
    try {
      const entries = await this.entries();
      const now = this.now();
      let soonest = max;
      for (const e of entries) {
        const job = new Cron(e.cron, { paused: true, ...(e.timezone ? { timezone: e.timezone } : {}) });
        const next = job.nextRun(now);
        job.stop();
        if (next) soonest = Math.min(soonest, Math.max(0, next.getTime() - now.getTime()) + 5);
      }
      return soonest;
    } catch {
      return max;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.waker.wake();
    await this.loop;
  }
}
