/**
 * The worker over both queue back ends: run records, retries by error class, partial runs with continuations,
 * stall detection, cancellation, fan-out isolation, the live log stream and the triggers.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { RuntimeEvents, type RuntimeEventMap } from '../../src/runtime/events.js';
import { HandlerRegistry, type JobHandler } from '../../src/runtime/handlers.js';
import { RateBudgetExhausted } from '../../src/runtime/rate-limiter.js';
import { streamRunLogs } from '../../src/runtime/run-log-stream.js';
import { cancelRun, enqueueChangeEvent, enqueueRun, ingestWebhookEvent } from '../../src/runtime/triggers.js';
import { Worker } from '../../src/runtime/worker.js';
import type { RunLogLine } from '../../src/store/repositories/run-logs.js';
import { describeEachQueue, type QueueFixture } from '../helpers/queues.js';

async function setup(
  f: QueueFixture,
  handlers: Record<string, JobHandler>,
  refreshAuth?: () => Promise<void>,
) {
  const org = await f.repos.organizations.create({ name: 'W', slug: `w-${randomBytes(4).toString('hex')}` });
  const registry = new HandlerRegistry();
  for (const [type, handler] of Object.entries(handlers)) registry.register(type, handler);
  const events = new RuntimeEvents();
  const worker = new Worker(
    { store: f.store, queue: f.queue, registry },
    {
      concurrency: 4,
      pollMs: 20,
      heartbeatMs: 50,
      retry: { baseMs: 20, maxMs: 50 },
      events,
      box: f.box,
      ...(refreshAuth ? { refreshAuth: async () => refreshAuth() } : {}),
    },
  );
  const finished = new Map<string, RuntimeEventMap['run.finished']>();
  const waiters = new Map<string, () => void>();
  events.on('run.finished', (e) => {
    finished.set(e.runId, e);
    waiters.get(e.runId)?.();
  });
  const waitRun = (runId: string) =>
    new Promise<RuntimeEventMap['run.finished']>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish`)), 20_000);
      const check = () => {
        const e = finished.get(runId);
        if (e) {
          clearTimeout(timer);
          resolve(e);
        }
      };
      waiters.set(runId, check);
      check();
    });
  const enqueue = (kind: string, extra: Partial<Parameters<typeof enqueueRun>[2]> = {}) =>
    enqueueRun(f.store.db, f.queue, { orgId: org.id, kind, trigger: 'manual', ...extra });
  await worker.start();
  return { org, worker, events, waitRun, enqueue };
}

describeEachQueue('worker', (open) => {
  it('records a successful run: status, counts, checkpoint, log lines, typed events, and a live log stream', async () => {
    const f = await open();
    const seen: string[] = [];
    const { org, worker, events, waitRun, enqueue } = await setup(f, {
      'sync.run': async (ctx) => {
        const run = ctx.run!;
        await run.log('info', 'starting', { payload: { params: run.params } });
        for (let batch = 1; batch <= 3; batch++) {
          await f.store.db.transaction().execute(async (trx) => {
            await run.commit({ checkpoint: { batch }, counts: { found: 2, created: 1, updated: 1 } }, trx);
          });
        }
        await run.recordOutcome('rec_1', 'unchanged');
        await run.recordOutcome('rec_2', 'failed', { error: 'remote rejected title' });
      },
    });
    for (const name of ['run.started', 'batch.committed', 'record.failed', 'run.finished'] as const) {
      events.on(name, () => seen.push(name));
    }
    const { runId } = await enqueue('sync.run', { syncId: 'syn_a', params: { direction: 'push' } });
    const lines: RunLogLine[] = [];
    const stream = (async () => {
      for await (const line of streamRunLogs(f.store, org.id, runId, { events, pollMs: 5000 }))
        lines.push(line);
    })();
    const done = await waitRun(runId);
    await stream;
    await worker.stop();
    expect(done.status).toBe('success');
    const run = await f.repos.runs.get(org.id, runId);
    expect(run).toMatchObject({
      status: 'success',
      trigger: 'manual',
      syncId: 'syn_a',
      attempt: 1,
      checkpoint: { batch: 3 },
      counts: { found: 6, created: 3, updated: 3, unchanged: 1, errors: 1 },
    });
    expect(run!.startedAt! <= run!.finishedAt!).toBe(true);
    expect(lines.map((l) => l.message)).toEqual([
      'starting',
      'record rec_1 unchanged',
      'record rec_2 failed: remote rejected title',
    ]);
    expect(lines[2]).toMatchObject({ level: 'error', recordId: 'rec_2', payload: { outcome: 'failed' } });
    // Resuming from the last seen id gives only what came after.
    const resumed: RunLogLine[] = [];
    for await (const line of streamRunLogs(f.store, org.id, runId, { afterId: lines[0]!.id }))
      resumed.push(line);
    expect(resumed.map((l) => l.id)).toEqual(lines.slice(1).map((l) => l.id));
    expect((await f.repos.runLogs.outcomes(org.id, runId)).map((l) => l.recordId)).toEqual([
      'rec_1',
      'rec_2',
    ]);
    expect(seen[0]).toBe('run.started');
    expect(seen.filter((s) => s === 'batch.committed').length).toBeGreaterThanOrEqual(3);
    expect(seen).toContain('record.failed');
    expect(seen.at(-1)).toBe('run.finished');
  });

  it('retries network and 5xx errors with backoff, and stops at once on validation errors', async () => {
    const f = await open();
    let calls = 0;
    const { org, worker, waitRun, enqueue } = await setup(f, {
      flaky: async () => {
        calls++;
        if (calls === 1) throw new ConnectorError('network', 'ECONNRESET');
        if (calls === 2) throw new ConnectorError('server', 'bad gateway', { status: 502 });
      },
      invalid: async () => {
        throw new ConnectorError('validation', 'title is required', { status: 422 });
      },
    });
    const a = await enqueue('flaky');
    const b = await enqueue('invalid');
    expect((await waitRun(a.runId)).status).toBe('success');
    expect((await waitRun(b.runId)).status).toBe('failed');
    await worker.stop();
    expect(calls).toBe(3);
    expect(await f.repos.runs.get(org.id, a.runId)).toMatchObject({ attempt: 3, status: 'success' });
    expect(await f.repos.runs.get(org.id, b.runId)).toMatchObject({
      attempt: 1,
      error: expect.stringMatching(/validation 422: title is required/),
    });
    expect(await f.queue.deadLetters()).toEqual([]);
  });

  it('dead-letters a job whose attempts run out, and fails its run visibly', async () => {
    const f = await open();
    const { org, worker, waitRun, enqueue } = await setup(f, {
      down: async () => {
        throw new ConnectorError('server', 'unavailable', { status: 503 });
      },
    });
    const { runId } = await enqueue('down', { maxAttempts: 3 });
    expect((await waitRun(runId)).status).toBe('failed');
    await worker.stop();
    expect(await f.repos.runs.get(org.id, runId)).toMatchObject({
      attempt: 3,
      error: expect.stringMatching(/gave up after 3 attempts/),
    });
    const dead = await f.queue.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ type: 'down', attempts: 3, payload: { runId } });
  });

  it('refreshes the token once on an auth error, then stops and marks the connection unhealthy', async () => {
    const f = await open();
    let refreshes = 0;
    let calls = 0;
    const { org, worker, waitRun, enqueue } = await setup(
      f,
      {
        'sync.run': async () => {
          calls++;
          throw new ConnectorError('auth', 'token expired', { status: 401 });
        },
      },
      async () => void refreshes++,
    );
    const connection = await f.repos.connections.create(org.id, { name: 'hub', connector: 'hubspot' });
    const { runId } = await enqueue('sync.run', { params: { connectionId: connection.id } });
    expect((await waitRun(runId)).status).toBe('failed');
    await worker.stop();
    expect({ refreshes, calls }).toEqual({ refreshes: 1, calls: 2 });
    expect(await f.repos.connections.get(org.id, connection.id)).toMatchObject({
      health: 'unhealthy',
      healthMessage: expect.stringMatching(/token expired/),
    });
  });

  it('ends a run partial when its rate budget runs out and continues from the checkpoint', async () => {
    const f = await open();
    const { org, worker, waitRun, enqueue } = await setup(f, {
      'sync.run': async (ctx) => {
        const run = ctx.run!;
        const from = (run.checkpoint as { next?: number } | null)?.next ?? 0;
        await run.commit({ checkpoint: { next: from + 5 }, counts: { created: 5 } });
        if (from + 5 < 10) throw new RateBudgetExhausted('connection:x', new Date(Date.now() + 30));
      },
    });
    const first = await enqueue('sync.run', { syncId: 'syn_p', timeoutMs: 55_000 });
    const ended = await waitRun(first.runId);
    expect(ended.status).toBe('partial');
    expect(ended.continuationRunId).toBeTruthy();
    expect((await waitRun(ended.continuationRunId!)).status).toBe('success');
    await worker.stop();
    const next = await f.repos.runs.get(org.id, ended.continuationRunId!);
    expect(next).toMatchObject({
      continuationOf: first.runId,
      checkpoint: { next: 10 },
      counts: { created: 5 },
      syncId: 'syn_p',
    });
  });

  it('reports a run that keeps ending without progress as stalled, never success', async () => {
    const f = await open();
    const { org, worker, waitRun, enqueue } = await setup(f, {
      'sync.run': async () => ({ status: 'partial', continueAt: new Date() }),
    });
    let { runId } = await enqueue('sync.run', { syncId: 'syn_s' });
    const chain: string[] = [];
    for (;;) {
      const e = await waitRun(runId);
      chain.push(e.status);
      if (!e.continuationRunId) break;
      runId = e.continuationRunId;
    }
    await worker.stop();
    expect(chain).toEqual(['partial', 'partial', 'failed']);
    expect(await f.repos.runs.get(org.id, runId)).toMatchObject({
      status: 'failed',
      stalled: true,
      error: expect.stringMatching(/stalled/),
    });
  });

  it('cancels a running run through its signal, and a queued run before it starts', async () => {
    const f = await open();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { org, worker, waitRun, enqueue } = await setup(f, {
      'sync.run': (_ctx, _job, signal) =>
        new Promise((_resolve, reject) => {
          started();
          signal.addEventListener('abort', () => reject(new Error(`aborted: ${String(signal.reason)}`)));
        }),
    });
    const a = await enqueue('sync.run', { syncId: 'syn_c' });
    await running;
    const queued = await enqueue('sync.run', { syncId: 'syn_other', runAt: new Date(Date.now() + 60_000) });
    expect((await cancelRun(f.store.db, f.queue, org.id, queued.runId))?.status).toBe('cancelled');
    await cancelRun(f.store.db, f.queue, org.id, a.runId);
    expect((await waitRun(a.runId)).status).toBe('cancelled');
    await worker.stop();
    expect(await f.queue.pending()).toBe(0);
  });

  it('a handler that returns after its signal aborted (shutdown) is requeued, never recorded as success', async () => {
    const f = await open();
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    let calls = 0;
    const { org, worker, events, enqueue } = await setup(f, {
      // Like the engine: it stops at the abort and returns a result instead of throwing.
      'sync.run': (_ctx, _job, signal) =>
        new Promise<void>((resolve) => {
          calls++;
          started();
          signal.addEventListener('abort', () => resolve());
        }),
    });
    const statuses: string[] = [];
    events.on('run.finished', (e) => statuses.push(e.status));
    const a = await enqueue('sync.run', { syncId: 'syn_s' });
    await running;
    await worker.stop(10);
    expect(calls).toBe(1);
    expect(statuses).toEqual([]);
    // Back in the queue with its attempt unspent, to resume from its checkpoint.
    expect((await f.repos.runs.get(org.id, a.runId))?.status).toBe('queued');
    expect(await f.queue.pending()).toBe(1);
  });

  it('fans out over targets with a concurrency limit; a failing target never stops the others', async () => {
    const f = await open();
    let active = 0;
    let peak = 0;
    let bothRunning!: () => void;
    const both = new Promise<void>((r) => (bothRunning = r));
    const { org, worker, waitRun, enqueue } = await setup(f, {
      'sync.run': async (ctx) => {
        const results = await ctx.run!.fanOut(
          ['a', 'b', 'c', 'd', 'e', 'f'],
          { concurrency: 2 },
          async (target, child) => {
            active++;
            peak = Math.max(peak, active);
            if (peak < 2) {
              // Hold the first target until a second runs beside it (or 2 s pass: then the test fails).
              await Promise.race([both, new Promise((r) => setTimeout(r, 2000))]);
            } else bothRunning();
            await new Promise((r) => setTimeout(r, 10));
            active--;
            if (target === 'b' || target === 'e')
              throw new ConnectorError('auth', `account ${target} revoked`);
            await child.commit({ counts: { updated: 1 } });
            return target;
          },
        );
        if (results.some((r) => !r.ok)) return { status: 'success' };
      },
    });
    const { runId } = await enqueue('sync.run', { syncId: 'syn_f' });
    await waitRun(runId);
    await worker.stop();
    expect(peak).toBe(2);
    const children = (await f.repos.runs.list(org.id, { parentRunId: runId })).data;
    expect(children).toHaveLength(6);
    expect(
      children
        .filter((c) => c.status === 'failed')
        .map((c) => c.target)
        .sort(),
    ).toEqual(['b', 'e']);
    expect(children.filter((c) => c.status === 'success')).toHaveLength(4);
    expect((await f.repos.runs.get(org.id, runId))!.counts.updated).toBe(4);
  });

  it('dedupes "run now" while queued, enqueues change events with the change (outbox), stores webhooks raw once', async () => {
    const f = await open();
    const org = await f.repos.organizations.create({
      name: 'T',
      slug: `t-${randomBytes(4).toString('hex')}`,
    });
    const later = new Date(Date.now() + 60_000);
    const one = await enqueueRun(f.store.db, f.queue, {
      orgId: org.id,
      kind: 'sync.run',
      trigger: 'manual',
      syncId: 'syn_d',
      runAt: later,
    });
    const two = await enqueueRun(f.store.db, f.queue, {
      orgId: org.id,
      kind: 'sync.run',
      trigger: 'api',
      syncId: 'syn_d',
      runAt: later,
    });
    expect(two).toEqual({ runId: one.runId, jobId: one.jobId, deduped: true });

    await f.store.db
      .transaction()
      .execute(async (trx) => {
        await enqueueChangeEvent(trx, f.queue, {
          orgId: org.id,
          syncId: 'syn_d',
          recordId: 'rec_rolled_back',
        });
        throw new Error('the change failed');
      })
      .catch(() => undefined);
    const kept = await f.store.db
      .transaction()
      .execute((trx) =>
        enqueueChangeEvent(trx, f.queue, { orgId: org.id, syncId: 'syn_d', recordId: 'rec_1' }),
      );
    // Another record's change while that run is queued joins it: the run reads every change from its cursor.
    const joined = await f.store.db
      .transaction()
      .execute((trx) =>
        enqueueChangeEvent(trx, f.queue, { orgId: org.id, syncId: 'syn_d', recordId: 'rec_2' }),
      );
    expect(joined).toEqual({ runId: kept.runId, jobId: kept.jobId, deduped: true });
    const runs = (await f.repos.runs.list(org.id, { syncId: 'syn_d' })).data;
    expect(runs.map((r) => r.id).sort()).toEqual([one.runId, kept.runId].sort());
    expect(runs.find((r) => r.id === kept.runId)).toMatchObject({
      trigger: 'event',
      params: { recordIds: ['rec_1'] },
    });

    const connection = await f.repos.connections.create(org.id, { name: 'n', connector: 'notion' });
    const event = {
      orgId: org.id,
      connectionId: connection.id,
      externalId: 'evt_1',
      headers: { 'x-sig': 'v1' },
      body: '{"a":1}',
    };
    const first = await ingestWebhookEvent(f.store.db, f.queue, event);
    const again = await ingestWebhookEvent(f.store.db, f.queue, event);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ eventId: first.eventId, duplicate: true, jobId: null });
    const stored = await f.store.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('connection_id', '=', connection.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ body: '{"a":1}', status: 'received' });
    expect(await f.queue.pending()).toBe(3);
  });

  it('writes a run and its job in one transaction, also when the caller passes none', async () => {
    // A consumer woken by the job's insert must find the run: apart, it dropped the job and the run stayed queued.
    const f = await open();
    const org = await f.repos.organizations.create({
      name: 'T',
      slug: `t-${randomBytes(4).toString('hex')}`,
    });
    const seen: boolean[] = [];
    const queue = new Proxy(f.queue, {
      get(target, prop, receiver) {
        if (prop !== 'enqueue') return Reflect.get(target, prop, receiver) as unknown;
        return async (
          db: Parameters<typeof target.enqueue>[0],
          spec: Parameters<typeof target.enqueue>[1],
        ) => {
          seen.push(db.isTransaction);
          return target.enqueue(db, spec);
        };
      },
    });
    const { runId } = await enqueueRun(f.store.db, queue, {
      orgId: org.id,
      kind: 'sync.run',
      trigger: 'manual',
    });
    expect(seen).toEqual([true]);
    expect(await f.repos.runs.get(org.id, runId)).toMatchObject({ status: 'queued' });
    expect(await f.queue.pending()).toBe(1);
  });
});
