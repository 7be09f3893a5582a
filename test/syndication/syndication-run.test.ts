/**
 * The `syndication.run` job end to end: started through the API on a real server, run by the app runtime's
 * worker, pushed over HTTP to the built-in receiver; a mixed outcome ends partial naming the failed site, all
 * failed ends failed; what each site receives verifies with the official `standardwebhooks` package and X-DSIGN;
 * the hourly schedule enqueues a cron run per organization.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterEach, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { verifyDsign } from '../../src/deliveries/signing.js';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { seedSyndicationDemo } from '../../src/syndication/demo-seed.js';
import { enqueueSyndicationRun, syndicationSchedules } from '../../src/syndication/enqueue-syndication.js';
import { SYNDICATION_RUN, syndicationRunHandler } from '../../src/syndication/syndication-run-handler.js';
import { describeEachDialect, type TestDatabase } from '../helpers/dialects.js';
import type { Store } from '../../src/store/database.js';
import type { Repositories } from '../../src/store/repositories/index.js';
import type { SecretBox } from '../../src/lib/crypto/secret-box.js';

function contextOf(w: {
  store: Store;
  repos: Repositories;
  database: TestDatabase;
  box: SecretBox;
}): AppContext {
  return {
    config: loadConfig({
      DATASYNC_DATA_DIR: w.database.dir,
      ...(w.database.url ? { DATABASE_URL: w.database.url } : {}),
    }),
    logger: pino({ level: 'silent' }),
    store: w.store,
    box: w.box,
    repos: w.repos,
    secretKeyFile: undefined,
    close: async () => undefined,
  };
}

/**
 * Records every run the runtime finishes from now on; `finished(id)` resolves with its status, at once when it
 * already ended (a run can end before the call that started it returns).
 */
function watchRuns(runtime: Runtime) {
  const seen = new Map<string, string>();
  const waiting = new Map<string, (status: string) => void>();
  runtime.events.on('run.finished', (e) => {
    seen.set(e.runId, e.status);
    waiting.get(e.runId)?.(e.status);
  });
  return (runId: string) =>
    new Promise<string>((resolve) => {
      const status = seen.get(runId);
      if (status) resolve(status);
      else waiting.set(runId, resolve);
    });
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describeEachDialect('syndication.run job', (get) => {
  it('runs through the API: one child per site, log lines, then unchanged payloads are skipped unless forced', async () => {
    const w = get();
    const ctx = contextOf(w);
    const org = await w.repos.organizations.create({ name: 'Acme', slug: `acme-${Date.now()}` });
    await seedSyndicationDemo(w.repos, org.id);
    const { key } = await w.repos.apiKeys.create(org.id, { name: 'ed', role: 'editor' });

    let url = '';
    const runtime = await createAppRuntime(ctx, {
      scheduler: false,
      concurrency: 2,
      publicUrl: () => url,
    });
    const app = await buildServer(ctx, { queue: runtime.queue });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(
      () => app.close(),
      () => runtime.stop(),
    );
    const finished = watchRuns(runtime);
    await runtime.start();

    const start = async (body: unknown) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/syndication/runs',
        headers: { authorization: `Bearer ${key}` },
        payload: body as object,
      });
      expect(res.statusCode).toBe(202);
      const runId = (res.json() as { run: { id: string; status: string } }).run.id;
      return runId;
    };
    const detail = async (runId: string) =>
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/syndication/runs/${runId}`,
          headers: { authorization: `Bearer ${key}` },
        })
      ).json() as {
        run: { status: string; durationMs: number | null; trigger: string };
        children: { siteId: string; status: string }[];
        logs: { message: string }[];
      };

    const first = await start({});
    expect(await finished(first)).toBe('success');
    const one = await detail(first);
    expect(one.run).toMatchObject({ status: 'success', trigger: 'api' });
    expect(one.run.durationMs).toBeGreaterThanOrEqual(0);
    expect(one.children.map((c) => c.status)).toEqual(['success', 'success', 'success']);
    const messages = one.logs.map((l) => l.message);
    expect(messages).toContain('North: sending');
    expect(messages).toContain('North: delivered 2 items → 200 after 1 attempt');
    expect(messages).toContain('South: delivered 1 items → 200 after 1 attempt');
    expect(messages.some((m) => m.startsWith('West: attempt 1 → 200'))).toBe(true);
    expect(messages.at(-1)).toBe('3 delivered, 0 unchanged, 0 failed');
    const north = (await w.repos.sites.list(org.id)).find((s) => s.slug === 'north')!;
    const snapshot = (await w.repos.sites.snapshot(org.id, north.id))?.payload as {
      items: { data: { cta_text: string } }[];
    };
    expect(snapshot.items.map((i) => i.data.cta_text)).toContain('Call North today');

    const second = await start({});
    expect(await finished(second)).toBe('success');
    expect((await detail(second)).logs.map((l) => l.message)).toContain(
      'North: unchanged (2 items), skipped',
    );

    const forced = await start({ siteIds: [north.id], force: true });
    expect(await finished(forced)).toBe('success');
    const three = await detail(forced);
    expect(three.children).toEqual([expect.objectContaining({ siteId: north.id, status: 'success' })]);
    expect(three.logs.map((l) => l.message)).toContain('North: delivered 2 items → 200 after 1 attempt');

    const list = (
      await app.inject({
        method: 'GET',
        url: '/api/v1/syndication/runs',
        headers: { authorization: `Bearer ${key}` },
      })
    ).json() as { data: { id: string }[] };
    expect(list.data.map((r) => r.id)).toEqual([forced, second, first]);
  });

  it('ends partial naming the failed site, failed when all fail; payloads verify with standardwebhooks and X-DSIGN', async () => {
    const w = get();
    const ctx = contextOf(w);
    const org = await w.repos.organizations.create({ name: 'Acme', slug: `acme-${Date.now()}` });
    await seedSyndicationDemo(w.repos, org.id);

    // A destination that keeps what it received, and one that always fails.
    const received: Array<{ siteId: string; body: string; headers: Record<string, string> }> = [];
    const destination: FastifyInstance = Fastify();
    destination.addContentTypeParser('application/json', { parseAs: 'string' }, (_r, body, done) =>
      done(null, body),
    );
    destination.post<{ Params: { siteId: string } }>('/ok/:siteId', async (request) => {
      received.push({
        siteId: request.params.siteId,
        body: request.body as string,
        headers: request.headers as Record<string, string>,
      });
      return { applied: true };
    });
    destination.post('/down', async (_request, reply) => reply.status(503).send({ error: 'down' }));
    const base = await destination.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => destination.close());

    const sites = Object.fromEntries((await w.repos.sites.list(org.id)).map((s) => [s.slug, s]));
    await w.repos.sites.update(org.id, sites.north!.id, { url: `${base}/ok/${sites.north!.id}` });
    await w.repos.sites.update(org.id, sites.west!.id, { url: `${base}/ok/${sites.west!.id}` });
    await w.repos.sites.update(org.id, sites.south!.id, { url: `${base}/down` });

    const runtime = await createRuntime(ctx, {
      scheduler: false,
      concurrency: 1,
    });
    runtime.registry.register(
      SYNDICATION_RUN,
      syndicationRunHandler({
        box: w.box,
        publicUrl: () => base,
        deliver: { maxAttempts: 3, delayMs: () => 0 },
      }),
    );
    cleanups.push(() => runtime.stop());
    const finished = watchRuns(runtime);
    await runtime.start();

    const enqueue = (siteIds?: string[]) =>
      w.store.db.transaction().execute((trx) =>
        enqueueSyndicationRun(trx, runtime.queue, {
          orgId: org.id,
          trigger: 'manual',
          ...(siteIds ? { siteIds } : {}),
        }),
      );

    const mixed = await enqueue();
    expect(await finished(mixed.runId)).toBe('partial');
    const run = await w.repos.runs.get(org.id, mixed.runId);
    expect(run?.error).toContain('South: ');
    expect(run?.error).toContain('503');
    expect(run?.error).toContain('after 3 attempts');
    const children = (await w.repos.runs.list(org.id, { parentRunId: mixed.runId })).data;
    const bySite = Object.fromEntries(children.map((c) => [c.target, c.status]));
    expect(bySite).toEqual({
      [sites.north!.id]: 'success',
      [sites.south!.id]: 'failed',
      [sites.west!.id]: 'success',
    });
    const south = await w.repos.sites.get(org.id, sites.south!.id);
    expect(south?.lastStatus).toBe('failed');

    // Each site got its own payload, signed with its own secret: both schemes verify.
    expect(received.map((r) => r.siteId).sort()).toEqual([sites.north!.id, sites.west!.id].sort());
    for (const r of received) {
      const secret = (await w.repos.sites.secret(org.id, r.siteId))!;
      const verified = new Webhook(secret).verify(r.body, r.headers) as { siteId: string; items: unknown[] };
      expect(verified.siteId).toBe(r.siteId);
      expect(verified.items.length).toBe(r.siteId === sites.north!.id ? 2 : 3);
      expect(verifyDsign(secret, r.body, r.headers['x-dsign'])).toBe(true);
      const otherSecret = (await w.repos.sites.secret(
        org.id,
        r.siteId === sites.north!.id ? sites.west!.id : sites.north!.id,
      ))!;
      expect(() => new Webhook(otherSecret).verify(r.body, r.headers)).toThrow();
    }

    const allDown = await enqueue([sites.south!.id]);
    expect(await finished(allDown.runId)).toBe('failed');
    expect((await w.repos.runs.get(org.id, allDown.runId))?.error).toContain('every site failed: South');
  });

  it('schedules an hourly auto run per organization with sites', async () => {
    const w = get();
    const ctx = contextOf(w);
    const org = await w.repos.organizations.create({ name: 'Acme', slug: `acme-${Date.now()}` });
    await seedSyndicationDemo(w.repos, org.id);
    const runtime = await createRuntime(ctx, { scheduler: false });
    cleanups.push(() => runtime.stop());
    let now = new Date('2026-01-01T10:30:00Z');
    const scheduler = new Scheduler(w.store, runtime.queue, { now: () => now, source: async () => [] });
    scheduler.addSource(syndicationSchedules(w.store.db, runtime.queue));
    const key = `syndication:${org.id}`;
    expect(await scheduler.tick()).not.toContain(key);
    now = new Date('2026-01-01T11:00:01Z');
    expect(await scheduler.tick()).toContain(key);
    expect(await scheduler.tick()).not.toContain(key);
    const runs = (await w.repos.runs.list(org.id)).data;
    expect(runs).toEqual([
      expect.objectContaining({ kind: SYNDICATION_RUN, trigger: 'cron', status: 'queued' }),
    ]);
  });

  it('streams the run live over SSE: cards flip from pending to their final state, each log line once', async () => {
    const w = get();
    const ctx = contextOf(w);
    const org = await w.repos.organizations.create({ name: 'Acme', slug: `acme-live-${Date.now()}` });
    await seedSyndicationDemo(w.repos, org.id);
    const { key } = await w.repos.apiKeys.create(org.id, { name: 'ed', role: 'editor' });
    let url = '';
    const runtime = await createAppRuntime(ctx, {
      scheduler: false,
      concurrency: 2,
      publicUrl: () => url,
    });
    const app = await buildServer(ctx, { queue: runtime.queue, events: runtime.events });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(
      () => app.close(),
      () => runtime.stop(),
    );
    const headers = { authorization: `Bearer ${key}` };
    const res = await app.inject({ method: 'POST', url: '/api/v1/syndication/runs', headers, payload: {} });
    const runId = (res.json() as { run: { id: string } }).run.id;

    type Snapshot = {
      run: { status: string; trigger: string };
      children: { siteId: string; status: string }[];
      logs: { id: number; runId: string; message: string }[];
    };
    const stream = (extra: Record<string, string> = {}) =>
      fetch(`${url}/api/v1/syndication/runs/${runId}`, {
        headers: { ...headers, accept: 'text/event-stream', ...extra },
      });
    // Opened while the run is still queued: the worker starts only after.
    const live = await stream();
    expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reading = readEvents(live);
    await runtime.start();
    const events = await reading;

    expect(events.at(-1)).toMatchObject({ event: 'end' });
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ status: 'success' });
    const snapshots = events.filter((e) => e.event === 'snapshot');
    const parsed = snapshots.map((e) => JSON.parse(e.data) as Snapshot);
    expect(parsed[0]!.run.status).toBe('queued');
    expect(parsed[0]!.run.trigger).toBe('api');
    const last = parsed.at(-1)!;
    expect(last.run.status).toBe('success');
    expect(last.children.map((c) => c.status)).toEqual(['success', 'success', 'success']);
    const ids = parsed.flatMap((p) => p.logs.map((l) => l.id));
    expect(new Set(ids).size).toBe(ids.length);
    // In order within each run; across the concurrent site runs a line may commit after a higher id (Postgres).
    const lines = parsed.flatMap((p) => p.logs);
    for (const runId of new Set(lines.map((l) => l.runId))) {
      const own = lines.filter((l) => l.runId === runId).map((l) => l.id);
      expect([...own].sort((a, b) => a - b)).toEqual(own);
    }
    // Every line the database holds for the run and its sites, none missed.
    const stored = await w.store.db
      .selectFrom('run_logs')
      .select('id')
      .where('org_id', '=', org.id)
      .orderBy('id')
      .execute();
    expect([...ids].sort((a, b) => a - b)).toEqual(stored.map((r) => Number(r.id)));
    // The event id is the highest line id sent so far.
    let highest = 0;
    expect(snapshots.map((e) => Number(e.id))).toEqual(
      parsed.map((p) => (highest = Math.max(highest, ...p.logs.map((l) => l.id)))),
    );
    const messages = parsed.flatMap((p) => p.logs.map((l) => l.message));
    expect(messages).toContain('North: delivered 2 items → 200 after 1 attempt');
    expect(messages.at(-1)).toBe('3 delivered, 0 unchanged, 0 failed');

    // A reconnect after the third line gets the rest of the lines only.
    const resumed = await readEvents(await stream({ 'last-event-id': String(ids[2]) }));
    const rest = resumed
      .filter((e) => e.event === 'snapshot')
      .flatMap((e) => (JSON.parse(e.data) as Snapshot).logs.map((l) => l.id));
    expect(rest).toEqual(ids.filter((id) => id > ids[2]!).sort((a, b) => a - b));
  });
});

interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

/** Every event of a stream until it ends (the server closes it after `end`). */
async function readEvents(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const e: SseEvent = { event: 'message', data: '' };
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) e.id = line.slice(4);
      else if (line.startsWith('event: ')) e.event = line.slice(7);
      else if (line.startsWith('data: ')) {
        e.data = line.slice(6);
        isEvent = true;
      }
    }
    if (isEvent) events.push(e);
  }
  return events;
}
