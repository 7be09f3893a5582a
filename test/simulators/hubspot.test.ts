import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startHubSpotSimulator,
  type HubSpotSimulator,
} from '../../src/simulators/hubspot/hubspot-simulator.js';
import { createManualClock, type ManualClock } from '../../src/simulators/kit/sim-clock.js';
import { constantTimeEqual, startReceiver } from './receiver.js';

let sim: HubSpotSimulator;
let clock: ManualClock;
let auth: Record<string, string>;
const base = (type = 'contacts') => `${sim.url}/crm/v3/objects/${type}`;

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { ...auth, 'Content-Type': 'application/json' } });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
    body: text ? (JSON.parse(text) as any) : undefined,
  };
}

beforeEach(async () => {
  clock = createManualClock();
  sim = await startHubSpotSimulator({ clock, seedRecords: 25, rateLimit: { limit: 50, windowMs: 10_000 } });
  auth = { Authorization: `Bearer ${sim.credentials.token}` };
});
afterEach(() => sim.close());

describe('HubSpot simulator', () => {
  it('rejects a missing and a wrong token with category INVALID_AUTHENTICATION', async () => {
    for (const headers of [{}, { Authorization: 'Bearer pat-wrong' }] as Record<string, string>[]) {
      const r = await fetch(base(), { headers });
      expect(r.status).toBe(401);
      const body = (await r.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
      expect(Object.keys(body).sort()).toEqual(['category', 'correlationId', 'message', 'status']);
    }
  });

  it('walks every contact exactly once with limit/after and refuses limit > 100', async () => {
    const ids: string[] = [];
    let after: string | undefined;
    do {
      const page = await call(`${base()}?limit=10${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('x-hubspot-ratelimit-max')).toBe('50');
      ids.push(...page.body.results.map((r: { id: string }) => r.id));
      after = page.body.paging?.next.after;
    } while (after);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    const over = await call(`${base()}?limit=101`);
    expect(over.status).toBe(400);
    expect(over.body.category).toBe('VALIDATION_ERROR');
  });

  it('enforces 100 inputs per batch and reports missing ids as a 207', async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { email: `b${i}@x.io` } }));
    const over = await call(`${base()}/batch/create`, { method: 'POST', body: JSON.stringify({ inputs }) });
    expect(over.status).toBe(400);
    expect(over.body.category).toBe('VALIDATION_ERROR');
    const created = await call(`${base()}/batch/create`, {
      method: 'POST',
      body: JSON.stringify({ inputs: inputs.slice(0, 100) }),
    });
    expect(created.status).toBe(201);
    expect(created.body.results).toHaveLength(100);
    const update = await call(`${base()}/batch/update`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          { id: created.body.results[0].id, properties: { firstname: 'A' } },
          { id: '999999', properties: { firstname: 'B' } },
        ],
      }),
    });
    expect(update.status).toBe(207);
    expect(update.body).toMatchObject({
      status: 'COMPLETE',
      numErrors: 1,
      errors: [{ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999'] } }],
    });
    const dup = await call(base(), {
      method: 'POST',
      body: JSON.stringify({ properties: { email: 'b0@x.io' } }),
    });
    expect(dup.status).toBe(409);
    expect(dup.body.category).toBe('CONFLICT');
    const unknown = await call(base(), {
      method: 'POST',
      body: JSON.stringify({ properties: { nope: 'x' } }),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('PROPERTY_DOESNT_EXIST');
  });

  it('answers 429 with the documented RATE_LIMIT body beyond the 10-second limit', async () => {
    await sim.close();
    sim = await startHubSpotSimulator({ clock, seedRecords: 2, rateLimit: { limit: 3, windowMs: 10_000 } });
    for (let i = 0; i < 3; i++) expect((await call(base())).status).toBe(200);
    const limited = await call(base());
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    clock.advance(10_000);
    expect((await call(base())).status).toBe(200);
  });

  it('searches by lastmodifieddate for changes since a time, with the search limits', async () => {
    const since = clock.now();
    clock.advance(5_000);
    const target = sim.crm.types.contacts!.store.values()[4]!.id;
    await call(`${base()}/${target}`, {
      method: 'PATCH',
      body: JSON.stringify({ properties: { phone: '123' } }),
    });
    const found = await call(`${base()}/search`, {
      method: 'POST',
      body: JSON.stringify({
        filterGroups: [
          { filters: [{ propertyName: 'lastmodifieddate', operator: 'GT', value: String(since) }] },
        ],
        sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }],
        limit: 100,
      }),
    });
    expect(found.body.total).toBe(1);
    expect(found.body.results[0].id).toBe(target);
    const over = await call(`${base()}/search`, { method: 'POST', body: JSON.stringify({ limit: 201 }) });
    expect(over.status).toBe(400);
    const deep = await call(`${base()}/search`, {
      method: 'POST',
      body: JSON.stringify({ limit: 100, after: '9950' }),
    });
    expect(deep.status).toBe(400);
  });

  it('signs webhook deliveries with X-HubSpot-Signature-v3 verifiable from the documented scheme', async () => {
    const receiver = await startReceiver();
    try {
      sim.configureWebhooks(receiver.url, ['contact.creation', 'contact.propertyChange']);
      const created = sim.ui.create('contacts', { email: 'hook@example.com' });
      sim.ui.update('contacts', created.id, { firstname: 'Hook' });
      await sim.webhooks.idle();
      const [first, second] = await receiver.waitFor(2);
      for (const delivery of [first!, second!]) {
        const timestamp = String(delivery.headers['x-hubspot-request-timestamp']);
        // Independent implementation: base64 HMAC-SHA256(client secret, method + URI + body + timestamp).
        const uri = `http://127.0.0.1:${new URL(receiver.url).port}${delivery.url}`;
        const expected = createHmac('sha256', sim.credentials.clientSecret!)
          .update(`${delivery.method}${uri}${delivery.rawBody}${timestamp}`)
          .digest('base64');
        expect(await constantTimeEqual(String(delivery.headers['x-hubspot-signature-v3']), expected)).toBe(
          true,
        );
        // Documented 5-minute tolerance, measured against the simulator clock.
        expect(clock.now() - Number(timestamp)).toBeLessThan(5 * 60 * 1000);
      }
      expect(JSON.parse(first!.rawBody)).toEqual([
        expect.objectContaining({
          subscriptionType: 'contact.creation',
          objectId: Number(created.id),
          changeSource: 'CRM_UI',
        }),
      ]);
      expect(JSON.parse(second!.rawBody)[0]).toMatchObject({
        subscriptionType: 'contact.propertyChange',
        propertyName: 'firstname',
        propertyValue: 'Hook',
      });
    } finally {
      await receiver.close();
    }
  });
});
