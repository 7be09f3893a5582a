/**
 * @module A sync's health at a glance, derived from its latest runs (pure: no I/O). The sparkline is the last
 * runs' outcomes oldest first; the success rate counts finished runs of the last 24 h; the next run comes
 * from the cron schedule (none while paused).
 */
import { Cron } from 'croner';
import { scheduleToCron } from '../lib/schedule.js';
import type { Run } from '../store/repositories/runs.js';

/** Runs a sparkline shows. */
export const HEALTH_RUNS = 20;

export interface SyncHealth {
  recent: { id: string; status: Run['status']; createdAt: string }[];
  successRate24h: number | null;
  lastSuccessAt: string | null;
  nextRunAt: string | null;
}

export function syncHealth(
  runsNewestFirst: readonly Run[],
  sync: { status: 'active' | 'paused'; schedule: string | null; timezone?: string | undefined },
  now = new Date(),
): SyncHealth {
  const top = runsNewestFirst.filter((r) => r.parentRunId === null);
  const dayAgo = now.getTime() - 24 * 3600_000;
  const finishedToday = top.filter(
    (r) => r.finishedAt && Date.parse(r.createdAt) >= dayAgo && r.status !== 'cancelled',
  );
  const successes = finishedToday.filter((r) => r.status === 'success').length;
  return {
    recent: top
      .slice(0, HEALTH_RUNS)
      .reverse()
      .map((r) => ({ id: r.id, status: r.status, createdAt: r.createdAt })),
    successRate24h: finishedToday.length ? successes / finishedToday.length : null,
    lastSuccessAt: top.find((r) => r.status === 'success')?.finishedAt ?? null,
    nextRunAt: sync.status === 'active' && sync.schedule ? nextRun(sync.schedule, sync.timezone, now) : null,
  };
}

function nextRun(schedule: string, timezone: string | undefined, now: Date): string | null {
  try {
    const cron = new Cron(scheduleToCron(schedule) ?? schedule, {
      paused: true,
      ...(timezone ? { timezone } : {}),
    });
    const next = cron.nextRun(now);
    cron.stop();
    return next ? next.toISOString() : null;
  } catch {
    return null;
  }
}
