/**
 * Syncs, runs and conflicts over real HTTP with a worker in the process, like `datasync start`: a run started
 * through the API executes and its log streams as Server-Sent Events to an `end` event; a stream resumes from
 * Last-Event-ID; lines written while a client listens reach it live; the runs list filters; cancel, retry,
 * pause/resume (the scheduler skips a paused sync) and conflict resolution behave as documented.
 */
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../../src/api/server.js';
import type { AppContext } from '../../src/app/context.js';
import { syncRunHandler } from '../../src/app/sync-run-handler.js';
import { loadConfig } from '../../src/config/config.js';
import { RuntimeEvents } from '../../src/runtime/events.js';
import { HandlerRegistry } from '../../src/runtime/handlers.js';
import { Scheduler } from '../../src/runtime/scheduler.js';
import { Worker } from '../../src/runtime/worker.js';
import type { Organization } from '../../src/store/repositories/organizations.js';
import { DIALECTS } from '../helpers/dialects.js';
import { openQueueFixture, type QueueFixture } from '../helpers/queues.js';

interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Reads an SSE response until `until` says stop (or the server closes it); comments are reported too. */
async function readSse(
  response: Response,
  until: (e: SseEvent, all: SseEvent[]) => boolean = (e) => e.event === 'end',
): Promise<{ events: SseEvent[]; comments: number }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const events: SseEvent[] = [];
  let comments = 0;
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { events, comments };
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const e: SseEvent = { event: 'message', data: '' };
        let isEvent = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments++;
          else if (line.startsWith('id: ')) e.id = line.slice(4);
          else if (line.startsWith('event: ')) e.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            e.data = line.slice(6);
            isEvent = true;
          }
        }
        if (isEvent) {
          events.push(e);
          if (until(e, events)) return { events, comments };
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

for (const dialect of DIALECTS) {
  describe(`runs API with a worker [${dialect}]`, () => {
    let fx: QueueFixture & { dispose(): Promise<void> };
    let app: FastifyInstance;
    let worker: Worker;
    let events: RuntimeEvents;
    let base: string;
    let org: Organization;
    let key: string;

    const call = async <T>(method: string, route: string, body?: unknown) => {
      const res = await fetch(`${base}/api/v1${route}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    };
    const sse = (runId: string, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/v1/runs/${runId}/logs`, {
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream', ...headers },
      });

    beforeAll(async () => {
      fx = await openQueueFixture(dialect);
      const ctx: AppContext = {
        config: loadConfig({ DATASYNC_DATA_DIR: fx.database.dir }),
        logger: pino({ level: 'silent' }),
        store: fx.store,
        box: fx.box,
        repos: fx.repos,
        secretKeyFile: undefined,
        close: async () => undefined,
      };
      events = new RuntimeEvents();
      const registry = new HandlerRegistry();
      registry.register('sync.run', syncRunHandler(fx.box));
      worker = new Worker(
        { store: fx.store, queue: fx.queue, registry },
        { concurrency: 2, events, box: fx.box, pollMs: 50 },
      );
      await worker.start();
      app = await buildServer(ctx, { queue: fx.queue, events, sseHeartbeatMs: 25 });
      base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
      org = await fx.repos.organizations.create({ name: 'Runs', slug: `runs-${Date.now()}` });
      key = (await fx.repos.apiKeys.create(org.id, { name: 'k', role: 'editor' })).key;
      const source = await fx.repos.collections.create(org.id, { key: 'people', name: 'People' });
      await fx.repos.collections.create(org.id, { key: 'people_copy', name: 'Copy' });
      await fx.repos.records.writeMany(
        org.id,
        source.id,
        Array.from({ length: 30 }, (_, i) => ({ data: { email: `p${i}@x`, name: `P${i}` } })),
      );
    });

    afterAll(async () => {
      await app?.close();
      await worker?.stop(1000);
      await fx?.dispose();
    });

    const definition = {
      a: { connector: 'collection' },
      b: { connector: 'collection' },
      direction: 'push',
      objects: [{ name: 'people', a: 'people', b: 'people_copy', fields: [{ a: 'email', b: 'email' }] }],
    };

    let syncId = '';

    it('validates definitions (422 with issues) and schedules, and creates a sync as an admin only', async () => {
      const admin = (await fx.repos.apiKeys.create(org.id, { name: 'a', role: 'admin' })).key;
      const post = (body: unknown, k = admin) =>
        fetch(`${base}/api/v1/syncs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const bad = await post({ name: 'x', definition: { ...definition, objects: [] } });
      expect(bad.status).toBe(422);
      const error = ((await bad.json()) as { error: { details: { issues: unknown[] } } }).error;
      expect(error.details.issues.length).toBeGreaterThan(0);
      expect((await post({ name: 'x', definition, schedule: '61 * * * *' })).status).toBe(422);
      expect((await post({ name: 'x', definition }, key)).status).toBe(403);
      const made = await post({ name: 'Copy', definition, schedule: '* * * * *' });
      expect(made.status).toBe(201);
      const sync = (await made.json()) as { id: string; direction: string; lastRun: null };
      expect(sync).toMatchObject({ direction: 'push', lastRun: null });
      syncId = sync.id;
    });

    it('starts a run (202) and streams its log as SSE to a final end event; resumes from Last-Event-ID', async () => {
      const started = await call<{ id: string; status: string; trigger: string }>(
        'POST',
        `/syncs/${syncId}/runs`,
        {
          dryRun: false,
        },
      );
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ status: 'queued', trigger: 'api' });
      const response = await sse(started.body.id);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const { events: all } = await readSse(response);
      const end = all.at(-1)!;
      expect(end.event).toBe('end');
      expect(JSON.parse(end.data)).toMatchObject({ status: 'success', counts: { created: 30, errors: 0 } });
      const lines = all.filter((e) => e.event === 'message');
      expect(lines.length).toBeGreaterThan(3);
      const ids = lines.map((e) => Number(e.id));
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      expect(ids.every((id, i) => id === JSON.parse(lines[i]!.data).id)).toBe(true);

      const resumed = await readSse(await sse(started.body.id, { 'last-event-id': String(ids[2]) }));
      expect(resumed.events.filter((e) => e.event === 'message').map((e) => Number(e.id))).toEqual(
        ids.slice(3),
      );

      const page = await call<{ data: { id: number }[]; nextAfterId: number | null }>(
        'GET',
        `/runs/${started.body.id}/logs?afterId=${ids[0]}&limit=2`,
      );
      expect(page.body.data.map((l) => l.id)).toEqual(ids.slice(1, 3));
      expect(page.body.nextAfterId).toBe(ids[2]);

      const sync = await call<{ lastRun: { id: string; status: string } }>('GET', `/syncs/${syncId}`);
      expect(sync.body.lastRun).toMatchObject({ id: started.body.id, status: 'success' });
    });

    it('delivers lines written while a client listens, sends heartbeats, and honours the level filter', async () => {
      const run = await fx.repos.runs.create(org.id, { kind: 'probe', trigger: 'manual', status: 'running' });
      const response = await sse(run.id, {});
      const reading = readSse(response, (e) => e.event === 'end');
      const filtered = readSse(
        await fetch(`${base}/api/v1/runs/${run.id}/logs?level=warn`, {
          headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
        }),
      );
      for (const [level, message] of [
        ['info', 'one'],
        ['warn', 'two'],
        ['error', 'three'],
      ] as const) {
        const [line] = await fx.repos.runLogs.append(org.id, run.id, [{ level, message }]);
        events.emit('run.log', { runId: run.id, orgId: org.id, line: line! });
      }
      await fx.repos.runs.finish(run.id, { status: 'failed', error: 'boom' });
      events.emit('run.finished', {
        runId: run.id,
        orgId: org.id,
        syncId: null,
        status: 'failed',
        error: 'boom',
        stalled: false,
        durationMs: 1,
        continuationRunId: null,
      });
      const { events: got } = await reading;
      expect(got.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data).message)).toEqual([
        'one',
        'two',
        'three',
      ]);
      expect(JSON.parse(got.at(-1)!.data)).toMatchObject({ status: 'failed', error: 'boom' });
      const warnOnly = (await filtered).events
        .filter((e) => e.event === 'message')
        .map((e) => JSON.parse(e.data));
      expect(warnOnly.map((l: { level: string }) => l.level)).toEqual(['warn', 'error']);
    });

    it('keeps an idle stream open with heartbeat comments', async () => {
      const run = await fx.repos.runs.create(org.id, { kind: 'idle', trigger: 'manual', status: 'running' });
      const controller = new AbortController();
      const response = await fetch(`${base}/api/v1/runs/${run.id}/logs`, {
        headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
        signal: controller.signal,
      });
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = '';
      while (!text.includes(': keep-alive')) text += (await reader.read()).value ?? '';
      controller.abort();
      await fx.repos.runs.finish(run.id, { status: 'cancelled' });
    });

    it('filters runs by status, trigger, sync, kind, parent and time range, with cursor pages', async () => {
      const parent = await fx.repos.runs.create(org.id, { kind: 'fanout', trigger: 'cron', syncId });
      const children = [];
      for (const target of ['north', 'south', 'west']) {
        children.push(
          await fx.repos.runs.create(org.id, {
            kind: 'push',
            trigger: 'cron',
            parentRunId: parent.id,
            target,
          }),
        );
      }
      const kids = await call<{ data: { id: string; parentRunId: string; target: string }[] }>(
        'GET',
        `/runs?parentRunId=${parent.id}`,
      );
      expect(kids.body.data.map((r) => r.target)).toEqual(['west', 'south', 'north']);
      const first = await call<{ data: { id: string }[]; nextCursor: string }>(
        'GET',
        `/runs?kind=push&limit=2`,
      );
      expect(first.body.data).toHaveLength(2);
      const second = await call<{ data: { id: string }[]; nextCursor: null }>(
        'GET',
        `/runs?kind=push&limit=2&cursor=${first.body.nextCursor}`,
      );
      expect([...first.body.data, ...second.body.data].map((r) => r.id)).toEqual(
        children.map((c) => c.id).reverse(),
      );
      expect(second.body.nextCursor).toBeNull();
      const cron = await call<{ data: { trigger: string }[] }>('GET', `/runs?trigger=cron&syncId=${syncId}`);
      expect(cron.body.data.map((r) => r.trigger)).toEqual(['cron']);
      const future = new Date(Date.now() + 3600_000).toISOString();
      expect((await call<{ data: unknown[] }>('GET', `/runs?from=${future}`)).body.data).toEqual([]);
      const past = await call<{ data: unknown[] }>('GET', `/runs?to=${encodeURIComponent(future)}&kind=push`);
      expect(past.body.data).toHaveLength(3);
      expect((await call('GET', `/runs?status=exploded`)).status).toBe(400);
    });

    it('cancels a queued run once (409 after), retries only ended runs as a new api run', async () => {
      const queued = await fx.repos.runs.create(org.id, { kind: 'sync.run', trigger: 'manual', syncId });
      const cancelled = await call<{ status: string }>('POST', `/runs/${queued.id}/cancel`);
      expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled' } });
      expect((await call('POST', `/runs/${queued.id}/cancel`)).status).toBe(409);
      const retried = await call<{ id: string; trigger: string; syncId: string }>(
        'POST',
        `/runs/${queued.id}/retry`,
      );
      expect(retried.status).toBe(202);
      expect(retried.body).toMatchObject({ trigger: 'api', syncId });
      expect(retried.body.id).not.toBe(queued.id);
      const ended = await readSse(await sse(retried.body.id));
      expect(JSON.parse(ended.events.at(-1)!.data).status).toBe('success');
      expect((await call('POST', `/runs/${retried.body.id}/retry`)).status).toBe(409);
      const audit = await fx.repos.auditLog.list(org.id, { limit: 50 });
      const actions = audit.data.map((a) => a.action);
      expect(actions).toEqual(expect.arrayContaining(['run.started', 'run.cancel_requested', 'run.retried']));
    });

    it('pauses and resumes a sync: the scheduler skips it while paused', async () => {
      const scheduler = new Scheduler(fx.store, fx.queue);
      const keys = async () => (await scheduler.syncSchedules()).map((s) => s.key);
      expect(await keys()).toContain(`sync:${syncId}`);
      expect((await call<{ status: string }>('POST', `/syncs/${syncId}/pause`)).body.status).toBe('paused');
      expect(await keys()).not.toContain(`sync:${syncId}`);
      expect((await call<{ status: string }>('POST', `/syncs/${syncId}/resume`)).body.status).toBe('active');
      expect(await keys()).toContain(`sync:${syncId}`);
    });

    it('resolves a conflict per field (local/remote/edited), refuses unknown fields (422) and a second answer (409)', async () => {
      const raise = async (linkId: string) => {
        await fx.repos.conflicts.raise(org.id, syncId, null, [
          {
            linkId,
            fields: [
              { field: 'email', base: 'a', local: 'b', remote: 'c' },
              { field: 'name', base: 'A', local: 'B', remote: 'C' },
            ],
          },
        ]);
        return (await fx.repos.conflicts.byLinks(org.id, [linkId], 'open')).get(linkId)!;
      };
      const c = await raise('lnk_01jz0000000000000000000001');
      const open = await call<{ data: { id: string }[] }>('GET', '/conflicts?status=open');
      expect(open.body.data.map((x) => x.id)).toContain(c.id);
      expect((await call('POST', `/conflicts/${c.id}/resolve`, { fields: { email: 'local' } })).status).toBe(
        422,
      );
      expect((await call('POST', `/conflicts/${c.id}/resolve`, { values: { phone: 'd' } })).status).toBe(422);
      const done = await call<{ status: string; resolution: Record<string, unknown> }>(
        'POST',
        `/conflicts/${c.id}/resolve`,
        { keep: 'remote', values: { email: 'd@x' } },
      );
      expect(done.body).toMatchObject({
        status: 'resolved',
        resolution: { email: { value: 'd@x' }, name: 'remote' },
      });
      expect((await fx.repos.conflicts.get(org.id, c.id))!.resolution).toEqual({
        email: { value: 'd@x' },
        name: 'b',
      });
      expect((await call('POST', `/conflicts/${c.id}/resolve`, { keep: 'local' })).status).toBe(409);
    });

    it('plans without writing on a dry run and puts the plan in the log', async () => {
      const started = await call<{ id: string; dryRun: boolean }>('POST', `/syncs/${syncId}/runs`, {
        dryRun: true,
      });
      expect(started.body.dryRun).toBe(true);
      await readSse(await sse(started.body.id));
      const logs = await call<{ data: { payload: { plan?: unknown } | null }[] }>(
        'GET',
        `/runs/${started.body.id}/logs?level=info`,
      );
      expect(logs.body.data.some((l) => l.payload?.plan !== undefined)).toBe(true);
    });

    // Last: it closes the server.
    it('ends open log streams when the server closes, so shutdown does not wait on them', async () => {
      const run = await fx.repos.runs.create(org.id, {
        kind: 'endless',
        trigger: 'manual',
        status: 'running',
      });
      const response = await sse(run.id);
      const reading = readSse(response, () => false);
      await app.close();
      const { events: got } = await reading;
      expect(got.filter((e) => e.event === 'end')).toEqual([]);
    });
  });
}
