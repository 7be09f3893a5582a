/** syncHealth: the sparkline, 24 h success rate, last success and next scheduled run of a sync. */
import { describe, expect, it } from 'vitest';
import { syncHealth } from '../../src/api/sync-health.js';
import { emptyCounts, type Run } from '../../src/store/repositories/runs.js';

const now = new Date('2026-03-10T12:00:00Z');

function run(id: string, status: Run['status'], hoursAgo: number, parentRunId: string | null = null): Run {
  const at = new Date(now.getTime() - hoursAgo * 3600_000).toISOString();
  return {
    id,
    orgId: 'org_x',
    syncId: 'syn_x',
    parentRunId,
    kind: 'sync.run',
    target: null,
    trigger: 'cron',
    status,
    dryRun: false,
    counts: emptyCounts(),
    checkpoint: null,
    error: null,
    params: {},
    attempt: 1,
    lockKey: null,
    jobId: null,
    continuationOf: null,
    noProgress: 0,
    stalled: false,
    crashes: 0,
    crashStreak: 0,
    cancelRequested: false,
    authRefreshed: false,
    createdAt: at,
    startedAt: at,
    finishedAt: status === 'queued' || status === 'running' ? null : at,
    heartbeatAt: null,
  };
}

describe('syncHealth', () => {
  it('draws the latest top-level runs oldest first and rates the last 24 h', () => {
    const newestFirst = [
      run('r5', 'running', 0),
      run('r4', 'failed', 1),
      run('c1', 'failed', 1, 'r4'),
      run('r3', 'success', 2),
      run('r2', 'cancelled', 3),
      run('r1', 'success', 30),
    ];
    const h = syncHealth(newestFirst, { status: 'active', schedule: '0 * * * *' }, now);
    expect(h.recent.map((r) => r.id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    // Within 24 h and finished, cancelled aside: r4 failed, r3 succeeded.
    expect(h.successRate24h).toBe(0.5);
    expect(h.lastSuccessAt).toBe(newestFirst[3]!.finishedAt);
    expect(h.nextRunAt).toBe('2026-03-10T13:00:00.000Z');
  });

  it('has no rate without finished runs, and no next run while paused or unscheduled', () => {
    expect(syncHealth([], { status: 'active', schedule: null }, now)).toEqual({
      recent: [],
      successRate24h: null,
      lastSuccessAt: null,
      nextRunAt: null,
    });
    expect(syncHealth([], { status: 'paused', schedule: '* * * * *' }, now).nextRunAt).toBeNull();
  });
});
