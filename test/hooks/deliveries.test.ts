/**
 * Delivery replay end to end: a failed delivery to a real site (the built-in receiver on a loopback port) is
 * replayed through the API, which only queues `delivery.send`; running that job sends the same payload as a new
 * delivery whose attempt the receiver verifies (Standard Webhooks signature) and applies.
 */
import { expect, it } from 'vitest';
import { deliverySendHandler } from '../../src/app/delivery-send-handler.js';
import type { HandlerContext } from '../../src/runtime/handlers.js';
import type { Job } from '../../src/runtime/queue/queue.js';
import { describeApi, unique } from '../helpers/api.js';

describeApi('delivery replay', (get) => {
  it('queues the replay in the request, then sends the same payload as a new attempt series', async () => {
    const w = get();
    const address = await w.app.listen({ port: 0, host: '127.0.0.1' });
    const { site } = await w.ctx.repos.sites.create(w.a.org.id, {
      name: 'Replay',
      slug: unique('replay').replace(/[^a-z0-9-]/g, '-'),
      url: 'builtin:receiver',
    });
    const payload = { siteId: site.id, items: [{ id: 'rec_1', data: { title: 'Hello' } }] };
    const original = await w.ctx.repos.deliveries.create(w.a.org.id, {
      url: `${address}/destinations/${site.id}`,
      payload,
      targetId: site.id,
    });
    await w.ctx.repos.deliveries.recordAttempt(
      w.a.org.id,
      original.id,
      { attempt: 1, statusCode: 503, latencyMs: 3, responseExcerpt: 'down', error: 'HTTP 503' },
      { status: 'failed' },
    );
    const pending = await w.runtime.queue.pending();
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/deliveries/${original.id}/replay`,
      key: w.a.keys.editor,
    });
    expect(res.statusCode, res.body).toBe(202);
    const replay = res.json();
    expect(replay).toMatchObject({ status: 'pending', attempts: 0, targetId: site.id });
    expect(replay.id).not.toBe(original.id);
    expect(await w.runtime.queue.pending()).toBe(pending + 1);

    const job: Job = {
      id: 'job_test',
      type: 'delivery.send',
      payload: { orgId: w.a.org.id, deliveryId: replay.id },
      priority: 0,
      attempt: 1,
      crashes: 0,
      maxAttempts: 5,
      lockKey: null,
      timeoutMs: null,
    };
    const ctx = { store: w.ctx.store, queue: w.runtime.queue } as unknown as HandlerContext;
    await deliverySendHandler(w.ctx.box)(ctx, job, new AbortController().signal, () => undefined);

    const detail = await w.inject({
      method: 'GET',
      url: `/api/v1/deliveries/${replay.id}`,
      key: w.a.keys.viewer,
    });
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({ status: 'success', attempts: 1, payload });
    expect(detail.json().attemptLog).toMatchObject([{ attempt: 1, statusCode: 200, error: null }]);
    const snapshot = await w.ctx.repos.sites.snapshot(w.a.org.id, site.id);
    expect(snapshot?.deliveryId).toBe(replay.id);
    const first = await w.inject({
      method: 'GET',
      url: `/api/v1/deliveries/${original.id}`,
      key: w.a.keys.viewer,
    });
    expect(first.json()).toMatchObject({ status: 'failed', attemptLog: [{ attempt: 1, statusCode: 503 }] });
  });
});
