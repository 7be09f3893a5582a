import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliver } from '../../src/deliveries/deliver.js';
import { signDelivery } from '../../src/deliveries/signing.js';
import { receiverRoutes } from '../../src/syndication/receiver.js';
import { describeEachDialect } from '../helpers/dialects.js';

let n = 0;

describeEachDialect('signed deliveries to the built-in receiver', (get) => {
  let app: FastifyInstance;
  let base: string;
  const rolls: number[] = [];

  beforeAll(async () => {
    app = Fastify();
    // Simulate mode draws from this queue; an empty queue means "no failure".
    await app.register(receiverRoutes, { repos: get().repos, random: () => rolls.shift() ?? 1 });
    base = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  async function setup() {
    const { repos } = get();
    const org = await repos.organizations.create({ name: 'Acme', slug: `acme-${Date.now()}-${n++}` });
    const { site, secret } = await repos.sites.create(org.id, {
      name: 'North',
      slug: 'north',
      url: 'pending',
    });
    const url = `${base}/destinations/${site.id}`;
    await repos.sites.update(org.id, site.id, { url });
    return { org, site, secret, url, repos };
  }

  it('delivers a signed payload that the receiver verifies and stores as the snapshot', async () => {
    const { org, site, url, repos } = await setup();
    const payload = { siteId: site.id, items: [{ id: 'a', data: { headline: 'Fall' } }] };
    const delivery = await repos.deliveries.create(org.id, { url, payload, targetId: site.id });
    const secret = (await repos.sites.secret(org.id, site.id))!;
    const outcome = await deliver(repos.deliveries, delivery, secret, { delayMs: () => 0 });
    expect(outcome.status).toBe('success');
    expect(JSON.parse(outcome.last.responseExcerpt!)).toMatchObject({ applied: true, itemCount: 1 });
    const snapshot = await repos.sites.snapshot(org.id, site.id);
    expect(snapshot).toMatchObject({ deliveryId: delivery.id, itemCount: 1, payload });
    expect(await repos.deliveries.get(org.id, delivery.id)).toMatchObject({
      status: 'success',
      attempts: 1,
      lastStatusCode: 200,
    });
  });

  it('retries simulated 500s with every attempt recorded, then succeeds', async () => {
    const { org, site, url, repos } = await setup();
    await repos.sites.setSimulation(org.id, site.id, { simulate: true, failureRate: 0.5 });
    rolls.push(0.1, 0.2); // two failures, then the default roll (1) passes
    const delivery = await repos.deliveries.create(org.id, {
      url,
      payload: { items: [] },
      targetId: site.id,
    });
    const outcome = await deliver(repos.deliveries, delivery, (await repos.sites.secret(org.id, site.id))!, {
      delayMs: () => 0,
    });
    expect(outcome).toMatchObject({ status: 'success', attempts: 3 });
    const attempts = await repos.deliveries.attempts(org.id, delivery.id);
    expect(attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(attempts[0]?.responseExcerpt).toContain('simulated failure');
  });

  it('gives up after the last attempt on a receiver that keeps failing', async () => {
    const { org, site, url, repos } = await setup();
    await repos.sites.setSimulation(org.id, site.id, { simulate: true, failureRate: 1 });
    rolls.push(0, 0, 0);
    const delivery = await repos.deliveries.create(org.id, {
      url,
      payload: { items: [] },
      targetId: site.id,
    });
    const outcome = await deliver(repos.deliveries, delivery, (await repos.sites.secret(org.id, site.id))!, {
      maxAttempts: 3,
      delayMs: () => 0,
    });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3 });
    expect(await repos.deliveries.get(org.id, delivery.id)).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastStatusCode: 500,
    });
  });

  it('does not retry a rejection: a wrong secret fails once with 401', async () => {
    const { org, site, url, repos } = await setup();
    const delivery = await repos.deliveries.create(org.id, {
      url,
      payload: { items: [] },
      targetId: site.id,
    });
    const outcome = await deliver(
      repos.deliveries,
      delivery,
      'whsec_' + Buffer.alloc(32, 7).toString('base64'),
      { delayMs: () => 0 },
    );
    expect(outcome).toMatchObject({ status: 'failed', attempts: 1 });
    expect(outcome.last.statusCode).toBe(401);
    expect(await repos.sites.snapshot(org.id, site.id)).toBeUndefined();
  });

  it('rejects forged, stale and tampered requests at the receiver', async () => {
    const { url, secret } = await setup();
    const body = JSON.stringify({ items: [] });
    const post = (headers: Record<string, string>, b = body) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const good = signDelivery(secret, body);
    expect((await post({ ...good })).status).toBe(200);
    const tampered = await post({ ...good }, JSON.stringify({ items: [1] }));
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({
      error: { code: 'unauthorized', details: { reason: 'bad_signature' } },
    });
    const stale = signDelivery(secret, body, { timestamp: new Date(Date.now() - 3_600_000) });
    expect(await (await post({ ...stale })).json()).toMatchObject({
      error: { details: { reason: 'stale_timestamp' } },
    });
    expect((await post({})).status).toBe(401);
    expect((await post({ ...good, 'x-dsign': 'ab'.repeat(32) })).status).toBe(401);
    expect(
      (
        await fetch(`${base}/destinations/site_nope`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(404);
  });

  it('treats a network failure as retryable and records it', async () => {
    const { org, site, repos } = await setup();
    const closed = Fastify();
    const deadUrl = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    const delivery = await repos.deliveries.create(org.id, {
      url: `${deadUrl}/x`,
      payload: { items: [] },
      targetId: site.id,
    });
    const outcome = await deliver(repos.deliveries, delivery, (await repos.sites.secret(org.id, site.id))!, {
      maxAttempts: 2,
      delayMs: () => 0,
    });
    expect(outcome).toMatchObject({ status: 'failed', attempts: 2 });
    expect(
      (await repos.deliveries.attempts(org.id, delivery.id)).every((a) => a.statusCode === null && a.error),
    ).toBe(true);
  });

  it('rotates a site secret: the old one stops verifying', async () => {
    const { org, site, url, repos, secret } = await setup();
    const rotated = await repos.sites.rotateSecret(org.id, site.id);
    expect(rotated).not.toBe(secret);
    const body = JSON.stringify({ items: [] });
    const old = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signDelivery(secret, body) },
      body,
    });
    expect(old.status).toBe(401);
    const fresh = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signDelivery(rotated!, body) },
      body,
    });
    expect(fresh.status).toBe(200);
  });
});
