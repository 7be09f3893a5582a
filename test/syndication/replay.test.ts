/**
 * "Replay this site's last payload" re-sends the exact bytes that were delivered, not the site's payload as it is
 * now, signed afresh (a new webhook-id and timestamp, with the site's current secret): the content changed and
 * the secret was rotated between the push and the replay, and the receiver gets the old bytes, verifiable with
 * the official `standardwebhooks` package and X-DSIGN. (On Postgres the stored payload is jsonb, whose key order
 * differs from the body sent: the replay sends the stored body.)
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverySendHandler } from '../../src/app/delivery-send-handler.js';
import { verifyDsign } from '../../src/deliveries/signing.js';
import type { HandlerContext } from '../../src/runtime/handlers.js';
import type { Job } from '../../src/runtime/queue/queue.js';
import { pushSite } from '../../src/syndication/push-site.js';
import { describeApi, unique } from '../helpers/api.js';

interface Received {
  body: string;
  headers: Record<string, string>;
}

describeApi('replaying a site’s last payload', (get) => {
  let receiver: FastifyInstance;
  let base: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = Fastify();
    receiver.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) =>
      done(null, body),
    );
    receiver.post('/hook', async (request) => {
      received.push({ body: request.body as string, headers: request.headers as Record<string, string> });
      return { applied: true };
    });
    base = await receiver.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => receiver.close());

  it('sends the delivered bytes again with a fresh signature, even after the content and secret changed', async () => {
    const w = get();
    const org = w.a.org.id;
    const repos = w.ctx.repos;
    const collection = await repos.collections.create(org, {
      key: unique('offer').replace(/[^a-z0-9_]/g, '_'),
      name: 'Offers',
      schema: {
        fields: [
          { key: 'headline', label: 'Headline', type: 'text', required: true },
          { key: 'cta_text', label: 'CTA', type: 'text' },
        ],
      },
    });
    const item = await repos.records.create(org, collection.id, {
      data: { headline: 'Fall Savings Event', cta_text: 'Shop' },
      status: 'published',
    });
    const { site } = await repos.sites.create(org, {
      name: 'North',
      slug: unique('north').replace(/[^a-z0-9-]/g, '-'),
      url: `${base}/hook`,
    });
    await repos.mappings.put(org, [{ siteId: site.id, itemId: item.id, mode: 'full' }]);

    const pushed = await pushSite({ repos, orgId: org, siteId: site.id, publicUrl: base });
    expect(pushed.status).toBe('success');
    expect(received).toHaveLength(1);
    const first = received[0]!;

    // Between the push and the replay: the item is edited and the site's secret rotated.
    await repos.records.update(org, collection.id, item.id, {
      data: { headline: 'Fall Savings Event', cta_text: 'Shop now' },
    });
    const secret = (await repos.sites.rotateSecret(org, site.id))!;
    const current = await pushSite({ repos, orgId: org, siteId: site.id, publicUrl: base, force: false });
    expect(current.checksum).not.toBe(pushed.checksum);
    received.length = 0;

    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/deliveries/${pushed.deliveryId}/replay`,
      key: w.a.keys.editor,
    });
    expect(res.statusCode, res.body).toBe(202);
    const job: Job = {
      id: 'job_replay',
      type: 'delivery.send',
      payload: { orgId: org, deliveryId: res.json().id },
      priority: 0,
      attempt: 1,
      crashes: 0,
      maxAttempts: 5,
      lockKey: null,
      timeoutMs: null,
    };
    const ctx = { store: w.ctx.store, queue: w.runtime.queue } as unknown as HandlerContext;
    await deliverySendHandler(w.ctx.box)(ctx, job, new AbortController().signal, () => undefined);

    expect(received).toHaveLength(1);
    const again = received[0]!;
    expect(again.body).toBe(first.body);
    expect(JSON.parse(again.body).items[0].data.cta_text).toBe('Shop');
    expect(again.headers['webhook-id']).toBe(res.json().id);
    expect(again.headers['webhook-id']).not.toBe(first.headers['webhook-id']);
    expect(Number(again.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
      Number(first.headers['webhook-timestamp']),
    );
    expect(() => new Webhook(secret).verify(again.body, again.headers)).not.toThrow();
    expect(verifyDsign(secret, again.body, again.headers['x-dsign'])).toBe(true);
    expect(await repos.deliveries.get(org, res.json().id)).toMatchObject({ status: 'success', attempts: 1 });
  });
});
