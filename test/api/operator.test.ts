/**
 * The operator's tools beside single-run control: bulk retry/cancel answering one result per id (a bad id does
 * not stop the others), saved views private to whoever saved them, and the "N failures in a row" rule that
 * pauses a sync, raises one notification (bumped, not duplicated) and is resolved by resuming the sync.
 */
import { expect, it } from 'vitest';
import { checkFailureStreak, failureStreak, watchFailureStreaks } from '../../src/app/failure-alerts.js';
import { RuntimeEvents } from '../../src/runtime/events.js';
import { pino } from 'pino';
import { describeApi, signIn } from '../helpers/api.js';
import { makeConnection, makeRun, makeSync } from './route-cases.js';

interface BulkResult {
  id: string;
  ok: boolean;
  run?: { id: string; status: string };
  error?: { code: string };
}

it('failureStreak counts failures in a row, skipping live and cancelled runs', () => {
  expect(failureStreak(['failed', 'failed', 'failed'])).toBe(3);
  expect(failureStreak(['running', 'failed', 'cancelled', 'failed', 'success', 'failed'])).toBe(2);
  expect(failureStreak(['success', 'failed', 'failed'])).toBe(0);
  expect(failureStreak([])).toBe(0);
});

describeApi('operator tools', (get) => {
  it('bulk retry answers per id, in order, and one bad id does not stop the others', async () => {
    const w = get();
    const failed = await makeRun(w, w.a, 'failed');
    const partial = await makeRun(w, w.a, 'partial');
    const queued = await makeRun(w, w.a);
    const foreign = await makeRun(w, w.b, 'failed');
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/runs/bulk',
      key: w.a.keys.editor,
      payload: { action: 'retry', ids: [failed.id, queued.id, foreign.id, partial.id] },
    });
    expect(res.statusCode).toBe(200);
    const results = (res.json() as { results: BulkResult[] }).results;
    expect(results.map((r) => [r.id, r.ok, r.error?.code ?? null])).toEqual([
      [failed.id, true, null],
      [queued.id, false, 'conflict'],
      [foreign.id, false, 'not_found'],
      [partial.id, true, null],
    ]);
    for (const r of results.filter((x) => x.ok)) {
      expect(r.run!.status).toBe('queued');
      expect((await w.ctx.repos.runs.get(w.a.org.id, r.run!.id))?.trigger).toBe('api');
    }
  });

  it('bulk cancel cancels queued runs and reports those already ended', async () => {
    const w = get();
    const a = await makeRun(w, w.a);
    const b = await makeRun(w, w.a);
    const done = await makeRun(w, w.a, 'success');
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/runs/bulk',
      key: w.a.keys.editor,
      payload: { action: 'cancel', ids: [a.id, done.id, b.id] },
    });
    const results = (res.json() as { results: BulkResult[] }).results;
    expect(results.map((r) => [r.ok, r.run?.status ?? r.error?.code])).toEqual([
      [true, 'cancelled'],
      [false, 'conflict'],
      [true, 'cancelled'],
    ]);
    expect((await w.ctx.repos.runs.get(w.a.org.id, b.id))?.status).toBe('cancelled');
  });

  it('the runs list filters by connection, direction and target', async () => {
    const w = get();
    const conn = await makeConnection(w, w.a);
    const other = await makeSync(w, w.a);
    const withConn = await w.ctx.repos.syncs.create(w.a.org.id, {
      name: 'pull from conn',
      definition: {
        a: { connectionId: conn.id },
        b: { connector: 'collection' },
        direction: 'pull',
        objects: [{ name: 'people', a: 'people', b: 'people', fields: [{ a: 'email', b: 'email' }] }],
      },
    });
    const mine = await w.ctx.repos.runs.create(w.a.org.id, {
      syncId: withConn.id,
      kind: 'sync.run',
      trigger: 'api',
    });
    const notMine = await w.ctx.repos.runs.create(w.a.org.id, {
      syncId: other.id,
      kind: 'sync.run',
      trigger: 'api',
    });
    const child = await w.ctx.repos.runs.create(w.a.org.id, {
      kind: 'syndication.site',
      trigger: 'api',
      target: 'site_north',
    });
    const ids = async (query: string) =>
      (
        (await w.inject({ method: 'GET', url: `/api/v1/runs?${query}`, key: w.a.keys.viewer })).json() as {
          data: { id: string }[];
        }
      ).data.map((r) => r.id);
    expect(await ids(`connectionId=${conn.id}`)).toEqual([mine.id]);
    const pulls = await ids('direction=pull');
    expect(pulls).toContain(mine.id);
    expect(pulls).not.toContain(notMine.id);
    expect(await ids('target=site_north')).toEqual([child.id]);
    expect(await ids(`connectionId=con_01jz0000000000000000000000`)).toEqual([]);
  });

  it('saved views are saved by name, replaced under the same name, and private to their owner', async () => {
    const w = get();
    const save = (key: string, name: string, filters: Record<string, string>) =>
      w.inject({
        method: 'POST',
        url: '/api/v1/saved-views',
        key,
        payload: { page: 'runs', name, filters },
      });
    const list = async (key: string) =>
      (
        (await w.inject({ method: 'GET', url: '/api/v1/saved-views?page=runs', key })).json() as {
          data: { id: string; name: string; filters: Record<string, string> }[];
        }
      ).data;
    const first = (
      await save(w.a.keys.viewer, 'Failed crons', { status: 'failed', trigger: 'cron' })
    ).json() as {
      id: string;
    };
    const again = (await save(w.a.keys.viewer, 'Failed crons', { status: 'failed' })).json() as {
      id: string;
    };
    expect(again.id).toBe(first.id);
    expect(await list(w.a.keys.viewer)).toEqual([
      expect.objectContaining({ id: first.id, name: 'Failed crons', filters: { status: 'failed' } }),
    ]);
    // Another key of the same organization, and a person signed in, see none of them.
    expect(await list(w.a.keys.editor)).toEqual([]);
    const session = await signIn(w);
    const mine = await w.app.inject({ method: 'GET', url: '/api/v1/saved-views', headers: session.headers });
    expect((mine.json() as { data: unknown[] }).data).toEqual([]);
    const del = await w.inject({
      method: 'DELETE',
      url: `/api/v1/saved-views/${first.id}`,
      key: w.a.keys.editor,
    });
    expect(del.statusCode).toBe(404);
    const ok = await w.inject({
      method: 'DELETE',
      url: `/api/v1/saved-views/${first.id}`,
      key: w.a.keys.viewer,
    });
    expect(ok.statusCode).toBe(204);
    expect(await list(w.a.keys.viewer)).toEqual([]);
  });

  it('three failed runs in a row pause the sync once, notify, and resuming resolves the notification', async () => {
    const w = get();
    const sync = await makeSync(w, w.a);
    const failRun = async () => {
      const run = await w.ctx.repos.runs.create(w.a.org.id, {
        syncId: sync.id,
        kind: 'sync.run',
        trigger: 'cron',
      });
      await w.ctx.repos.runs.finish(run.id, { status: 'failed', error: 'upstream said 500' });
      return run;
    };
    await failRun();
    await failRun();
    expect(await checkFailureStreak(w.ctx.repos, w.a.org.id, sync.id)).toEqual({ paused: false, streak: 2 });
    expect((await w.ctx.repos.syncs.get(w.a.org.id, sync.id))?.status).toBe('active');

    // Through the event stream, as the worker reports it.
    const events = new RuntimeEvents();
    const stop = watchFailureStreaks(events, w.ctx.repos, pino({ level: 'silent' }));
    const third = await failRun();
    events.emit('run.finished', {
      runId: third.id,
      orgId: w.a.org.id,
      syncId: sync.id,
      status: 'failed',
      error: 'upstream said 500',
      stalled: false,
      durationMs: 5,
      continuationRunId: null,
    });
    await expect.poll(async () => (await w.ctx.repos.syncs.get(w.a.org.id, sync.id))?.status).toBe('paused');
    stop();

    const listed = async () =>
      (await w.inject({ method: 'GET', url: '/api/v1/notifications', key: w.a.keys.viewer })).json() as {
        data: { id: string; resourceId: string; status: string; occurrences: number; message: string }[];
        openCount: number;
      };
    let page = await listed();
    const n = page.data.find((x) => x.resourceId === sync.id)!;
    expect(n).toMatchObject({ status: 'open', occurrences: 1, message: 'Last error: upstream said 500' });
    expect(page.openCount).toBeGreaterThanOrEqual(1);
    const audit = await w.ctx.repos.auditLog.list(w.a.org.id, {
      action: 'sync.auto_paused',
      resourceId: sync.id,
    });
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]!.actor_type).toBe('system');
    // Org B sees nothing of it.
    const other = (
      await w.inject({ method: 'GET', url: '/api/v1/notifications', key: w.b.keys.viewer })
    ).json() as {
      data: { resourceId: string }[];
    };
    expect(other.data.some((x) => x.resourceId === sync.id)).toBe(false);

    // Paused: a further check does nothing (no second notification).
    expect((await checkFailureStreak(w.ctx.repos, w.a.org.id, sync.id)).paused).toBe(false);

    const resumed = await w.inject({
      method: 'POST',
      url: `/api/v1/syncs/${sync.id}/resume`,
      key: w.a.keys.editor,
    });
    expect(resumed.statusCode).toBe(200);
    page = await listed();
    expect(page.data.find((x) => x.id === n.id)?.status).toBe('resolved');

    // A new streak after resuming opens a new notification.
    await failRun();
    await failRun();
    await failRun();
    expect((await checkFailureStreak(w.ctx.repos, w.a.org.id, sync.id)).paused).toBe(true);
    page = await listed();
    expect(page.data.filter((x) => x.resourceId === sync.id).map((x) => x.status)).toEqual([
      'open',
      'resolved',
    ]);
  });
});
