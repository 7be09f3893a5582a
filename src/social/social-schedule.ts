/**
 * @module How social polling runs: each organization with auto-synced accounts gets a schedule (every
 * `poll_minutes`, 15 by default) that queues a `social.tick` run; the in-process scheduler and the external
 * `POST /api/v1/cron/tick` share the scheduler's compare-and-set, so a tick is queued once. The job runs the tick
 * within its budget and stores the summary as the run's message.
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import type { JobHandler } from '../runtime/handlers.js';
import type { Queue } from '../runtime/queue/queue.js';
import type { ScheduleEntry } from '../runtime/scheduler.js';
import { enqueueRun, type EnqueuedRun } from '../runtime/triggers.js';
import type { RunTrigger } from '../store/repositories/runs.js';
import { SocialAccountRepository } from '../store/repositories/social-accounts.js';
import type { Database } from '../store/schema.js';
import { socialSyncDeps } from './social-deps.js';
import { DEFAULT_TICK_BUDGET_MS, runSocialTick } from './social-tick.js';

export const SOCIAL_TICK = 'social.tick';
/** Intervals that divide an hour, so a cron expression states them exactly. */
export const POLL_MINUTES = [5, 10, 15, 20, 30, 60] as const;
/** Beyond the tick's budget, for the last account's page and the summary to be written. */
const TIMEOUT_GRACE_MS = 30_000;

export function pollCron(minutes: number): string {
  return minutes >= 60 ? '0 * * * *' : `*/${minutes} * * * *`;
}

export function enqueueSocialTick(
  db: Kysely<Database>,
  queue: Queue,
  input: { orgId: string; trigger: RunTrigger },
): Promise<EnqueuedRun> {
  return enqueueRun(db, queue, {
    orgId: input.orgId,
    kind: SOCIAL_TICK,
    trigger: input.trigger,
    lockKey: `social:${input.orgId}`,
    dedupeKey: `run:${SOCIAL_TICK}:${input.orgId}`,
    // The next tick is the retry: accounts keep their checkpoints.
    maxAttempts: 1,
    timeoutMs: DEFAULT_TICK_BUDGET_MS + TIMEOUT_GRACE_MS,
  });
}

export function socialSchedules(
  db: Kysely<Database>,
  box: SecretBox,
  queue: Queue,
): () => Promise<ScheduleEntry[]> {
  return async () => {
    const orgs = await new SocialAccountRepository(db, box).pollingOrgs();
    return orgs.map(({ orgId, pollMinutes }) => ({
      key: `social:${orgId}`,
      cron: pollCron(pollMinutes),
      enqueue: (trx: Kysely<Database>) => enqueueSocialTick(trx, queue, { orgId, trigger: 'cron' }),
    }));
  };
}

export function socialTickHandler(box: SecretBox): JobHandler {
  return async (ctx, _job, signal) => {
    if (!ctx.run) return { message: 'social.tick without a run: nothing done' };
    const budgetMs = Math.min(DEFAULT_TICK_BUDGET_MS, ctx.deadline - Date.now() - TIMEOUT_GRACE_MS / 2);
    const summary = await runSocialTick(socialSyncDeps(ctx.store, box), ctx.run.orgId, {
      trigger: 'cron',
      budgetMs: Math.max(1_000, budgetMs),
      signal,
    });
    const message = `social tick: ${JSON.stringify({
      total: summary.total,
      synced: summary.synced,
      failed: summary.failed,
      pending: summary.pending,
      errors: summary.errors,
    })}`;
    return {
      status: summary.failed > 0 ? 'completed_with_errors' : 'success',
      message: message.length > 2000 ? `${message.slice(0, 1997)}…` : message,
    };
  };
}
