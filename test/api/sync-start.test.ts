/**
 * `POST /sync/start` (the sync-engine API kept for migrating users) through the API on both dialects, against
 * the Synup simulator with the runtime's worker running: a pull registers its sync and collection and answers
 * with the finished run; a repeated request finds the same sync; schedules are stored as cron; bad input is a
 * 400 error body; unknown or ambiguous platforms are refused; a run nobody executes ends the wait with 504.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

interface StartResponse {
  status: string;
  synced_items: number;
  conflicts_detected: number;
  conflict_resolution: string;
  last_sync: string;
  sync_id: string;
  run_id: string;
}

function start(w: ApiWorld, payload: unknown, key = w.a.keys.admin) {
  return w.inject({ method: 'POST', url: '/sync/start', key, payload: payload as Record<string, unknown> });
}

function expectError(body: string, code: string) {
  const parsed = JSON.parse(body) as { error: { code: string; message: string; details: unknown } };
  expect(parsed.error.code).toBe(code);
  expect(typeof parsed.error.message).toBe('string');
  expect(parsed.error.details).toBeTypeOf('object');
}

describeApi('POST /sync/start', (get) => {
  let sim: SynupSimulator;
  let connectionName: string;

  beforeAll(async () => {
    const w = get();
    sim = (await startSimulator('synup', { rateLimit: false })) as SynupSimulator;
    connectionName = unique('synup');
    await w.ctx.repos.connections.create(w.a.org.id, {
      name: connectionName,
      connector: 'synup',
      settings: { baseUrl: sim.url, locationId: sim.credentials.locationId },
      credentials: { apiKey: sim.credentials.apiKey! },
    });
    // This world's runtime executes what the route queues (other API tests keep theirs stopped).
    await w.runtime.start();
  });
  // The world stops its runtime when it is disposed; every run here has ended by then.
  afterAll(async () => sim?.close());

  it('registers a pull by connector name, runs it and answers when it ended; a repeat finds the same sync', async () => {
    const w = get();
    const project = unique('proj').replace(/[^a-z0-9]/g, '');
    const body = { project_id: project, sync_type: 'pull', source_platform: 'synup', target_entity: 'posts' };
    const first = await start(w, { ...body, conflict_resolution: 'prefer_remote' });
    expect(first.statusCode, first.body).toBe(200);
    const done = first.json() as StartResponse;
    expect(done).toMatchObject({
      status: 'completed',
      conflicts_detected: 0,
      conflict_resolution: 'prefer_remote',
    });
    expect(done.synced_items).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(done.last_sync))).toBe(false);
    const collection = (await w.ctx.repos.collections.byKey(w.a.org.id, `${project}_posts`))!;
    expect(await w.ctx.repos.records.count(w.a.org.id, collection.id)).toBe(done.synced_items);

    const sync = await w.inject({
      method: 'GET',
      url: `/api/v1/syncs/${done.sync_id}`,
      key: w.a.keys.viewer,
    });
    expect(sync.statusCode).toBe(200);
    const view = sync.json() as {
      direction: string;
      schedule: string | null;
      definition: { conflicts: { default: { policy: string } }; objects: { fields: { a: string }[] }[] };
    };
    expect(view.direction).toBe('pull');
    expect(view.schedule).toBeNull();
    expect(view.definition.conflicts.default.policy).toBe('remote_wins');
    expect(view.definition.objects[0]!.fields.map((f) => f.a)).toContain('content');

    const again = await start(w, { ...body, conflict_resolution: 'prefer_remote' });
    expect(again.statusCode, again.body).toBe(200);
    const repeat = again.json() as StartResponse;
    expect(repeat.sync_id).toBe(done.sync_id);
    expect(repeat.run_id).not.toBe(done.run_id);
    expect(repeat).toMatchObject({ status: 'completed', synced_items: 0 });
    const named = (await w.ctx.repos.syncs.list(w.a.org.id, { limit: 100 })).data.filter((s) =>
      s.name.includes(project),
    );
    expect(named.map((s) => s.id)).toEqual([done.sync_id]);
  });

  it('stores every_15_minutes as */15 * * * * and a later schedule on the same sync', async () => {
    const w = get();
    const project = unique('sched').replace(/[^a-z0-9]/g, '');
    const body = {
      project_id: project,
      sync_type: 'bidirectional',
      source_platform: connectionName,
      target_entity: 'posts',
      schedule: 'every_15_minutes',
      conflict_resolution: 'manual_review',
    };
    const res = await start(w, body);
    expect(res.statusCode, res.body).toBe(200);
    const done = res.json() as StartResponse;
    expect(done.conflict_resolution).toBe('manual_review');
    const sync = (await w.ctx.repos.syncs.get(w.a.org.id, done.sync_id))!;
    expect(sync.schedule).toBe('*/15 * * * *');
    expect(sync.definition.direction).toBe('two-way');
    expect(sync.definition.conflicts.default.policy).toBe('manual');
    // Read-only platform fields come in but are never written back.
    expect(sync.definition.objects[0]!.fields.find((f) => f.a === 'publishedAt')?.direction).toBe('b_to_a');

    const hourly = await start(w, { ...body, schedule: 'hourly' });
    expect(hourly.statusCode, hourly.body).toBe(200);
    expect((hourly.json() as StartResponse).sync_id).toBe(done.sync_id);
    expect((await w.ctx.repos.syncs.get(w.a.org.id, done.sync_id))!.schedule).toBe('0 * * * *');
  });

  it('answers bad input with a 400 error body, before writing anything', async () => {
    const w = get();
    const before = (await w.ctx.repos.syncs.list(w.a.org.id, { limit: 100 })).data.length;
    const valid = { project_id: 'p', sync_type: 'pull', source_platform: 'synup', target_entity: 'posts' };
    for (const bad of [
      { ...valid, sync_type: 'sideways' },
      { ...valid, schedule: 'every_7_minutes' },
      { ...valid, conflict_resolution: 'coin_toss' },
      { ...valid, project_id: '' },
      { sync_type: 'pull' },
      { ...valid, unknown: true },
    ]) {
      const res = await start(w, bad);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expectError(res.body, 'bad_request');
    }
    expect((await w.ctx.repos.syncs.list(w.a.org.id, { limit: 100 })).data.length).toBe(before);
  });

  it('refuses an unknown platform (404), an ambiguous one (422), an unknown object (404) and a viewer (403)', async () => {
    const w = get();
    const body = { project_id: 'p', sync_type: 'pull', source_platform: 'notion', target_entity: 'posts' };
    const none = await start(w, body);
    expect(none.statusCode, none.body).toBe(404);
    expectError(none.body, 'not_found');

    const object = await start(w, { ...body, source_platform: connectionName, target_entity: 'nope' });
    expect(object.statusCode, object.body).toBe(404);
    expectError(object.body, 'not_found');

    const viewer = await start(w, { ...body, source_platform: connectionName }, w.a.keys.viewer);
    expect(viewer.statusCode).toBe(403);

    // Org B's synup connection is not A's: B has none, so the name is unknown there.
    const other = await start(w, { ...body, source_platform: connectionName }, w.b.keys.admin);
    expect(other.statusCode).toBe(404);

    await w.ctx.repos.connections.create(w.a.org.id, {
      name: unique('synup-second'),
      connector: 'synup',
      settings: { baseUrl: sim.url },
      credentials: { apiKey: 'x' },
    });
    const ambiguous = await start(w, { ...body, source_platform: 'synup' });
    expect(ambiguous.statusCode, ambiguous.body).toBe(422);
    expectError(ambiguous.body, 'validation_failed');
    expect(JSON.parse(ambiguous.body).error.details.candidates).toContain(connectionName);
  });
});

describeApi(
  'POST /sync/start without a worker',
  (get) => {
    it('gives up waiting with 504 naming the run, which stays queued', async () => {
      const w = get();
      const sim = await startSimulator('synup', { rateLimit: false });
      try {
        await w.ctx.repos.connections.create(w.a.org.id, {
          name: unique('synup'),
          connector: 'synup',
          settings: { baseUrl: sim.url, locationId: sim.credentials.locationId },
          credentials: { apiKey: sim.credentials.apiKey! },
        });
        const res = await start(w, {
          project_id: 'late',
          sync_type: 'pull',
          source_platform: 'synup',
          target_entity: 'posts',
        });
        expect(res.statusCode, res.body).toBe(504);
        expectError(res.body, 'timeout');
        const runId = (JSON.parse(res.body) as { error: { details: { runId: string } } }).error.details.runId;
        expect((await w.ctx.repos.runs.get(w.a.org.id, runId))?.status).toBe('queued');
      } finally {
        await sim.close();
      }
    });
  },
  { syncStartTimeoutMs: 300 },
);
