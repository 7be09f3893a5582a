/**
 * @module Alert rule "N failures in a row": when a sync's last N finished runs all failed, the sync is paused
 * (its schedule and webhooks stop queueing work that would fail again) and that is never silent: a
 * notification is raised (the shell's bell), the audit log says the system did it, the process log warns, and
 * the alert is POSTed, signed, to each of the organization's alert channels (`/api/v1/alert-channels`; see
 * alerts/alert-dispatch.ts). Resuming the sync resolves the notification (api/routes/syncs.ts).
 */
import type { Alert } from '../alerts/alert-dispatch.js';
import type { Logger } from '../lib/logger.js';
import type { RuntimeEvents } from '../runtime/events.js';
import type { Repositories } from '../store/repositories/index.js';
import type { RunStatus } from '../store/schema.js';

/** Failures in a row that pause a sync. */
export const AUTO_PAUSE_AFTER = 3;

export const AUTO_PAUSED = 'sync.auto_paused';

/**
 * Pure: how many of the newest finished runs (newest first) failed in a row. Runs still queued or running are
 * skipped (a retry in flight says nothing yet); a cancelled run neither counts nor breaks the streak, since a
 * person stopped it.
 */
export function failureStreak(statusesNewestFirst: readonly RunStatus[]): number {
  let streak = 0;
  for (const status of statusesNewestFirst) {
    if (status === 'queued' || status === 'running' || status === 'cancelled') continue;
    if (status !== 'failed') break;
    streak += 1;
  }
  return streak;
}

/** Checks one sync after a failed run; pauses it and raises the notification when the streak reaches `after`. */
export async function checkFailureStreak(
  repos: Repositories,
  orgId: string,
  syncId: string,
  after = AUTO_PAUSE_AFTER,
): Promise<{ paused: boolean; streak: number; alert?: Alert }> {
  const sync = await repos.syncs.get(orgId, syncId);
  if (!sync || sync.status !== 'active') return { paused: false, streak: 0 };
  // A few more than N so queued/cancelled runs in between do not hide the streak.
  const recent = await repos.runs.list(orgId, { syncId }, { limit: after * 3 });
  const streak = failureStreak(recent.data.filter((r) => r.parentRunId === null).map((r) => r.status));
  if (streak < after) return { paused: false, streak };
  if (!(await repos.syncs.pauseIfActive(orgId, syncId))) return { paused: false, streak };
  const lastError = recent.data.find((r) => r.status === 'failed')?.error ?? null;
  const raised = await repos.notifications.raise(orgId, {
    kind: AUTO_PAUSED,
    resourceType: 'sync',
    resourceId: syncId,
    title: `Sync "${sync.name}" paused after ${streak} failed runs in a row`,
    message: lastError ? `Last error: ${lastError}` : 'Its last runs failed.',
    details: { streak, lastError, syncName: sync.name },
  });
  await repos.auditLog.append(orgId, {
    actorType: 'system',
    actorId: null,
    action: AUTO_PAUSED,
    resourceType: 'sync',
    resourceId: syncId,
    details: { streak, lastError },
  });
  return {
    paused: true,
    streak,
    alert: {
      type: AUTO_PAUSED,
      data: {
        syncId,
        syncName: sync.name,
        streak,
        lastError,
        notificationId: raised.notification.id,
        title: `Sync "${sync.name}" paused after ${streak} failed runs in a row`,
      },
    },
  };
}

/** Listens to finished runs of this process's worker; returns the unsubscribe function. */
export function watchFailureStreaks(
  events: RuntimeEvents,
  repos: Repositories,
  logger: Logger,
  after = AUTO_PAUSE_AFTER,
  /** Sends the alert to the org's channels (returns the delivery ids); absent where no runtime can send. */
  send?: (orgId: string, alert: Alert) => Promise<string[]>,
): () => void {
  return events.on('run.finished', (e) => {
    if (e.status !== 'failed' || !e.syncId) return;
    const syncId = e.syncId;
    checkFailureStreak(repos, e.orgId, syncId, after)
      .then(async (r) => {
        if (!r.paused || !r.alert) return;
        logger.warn({ syncId, streak: r.streak }, 'sync paused after repeated failures');
        const sent = send ? await send(e.orgId, r.alert) : [];
        if (sent.length === 0)
          logger.warn({ syncId }, 'no alert channel is set up: the pause is notified in the admin only');
      })
      .catch((err: unknown) => logger.error({ err, syncId }, 'failure alert check failed'));
  });
}
