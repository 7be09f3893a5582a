/**
 * The hubspot connector against the HubSpot simulator over HTTP: the contract suite, pagination, batch limits,
 * search-based modified-since reads, error classification under injected faults, 207 per-record batch results,
 * v3 webhook signatures with the 5-minute tolerance, and a two-way sync end to end on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotConnector } from '../../src/connectors/hubspot/hubspot-connector.js';
import { hubspotWebhooks, REQUEST_URL_HEADER } from '../../src/connectors/hubspot/hubspot-webhooks.js';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import type { HubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { collect, contract } from './contract-suite.js';
import { runTwoWayE2E } from './e2e.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const RATE = { limit: 1000, windowMs: 1000 };

async function sim(seedRecords = 0, clock = createManualClock()): Promise<HubSpotSimulator> {
  return (await startSimulator('hubspot', {
    seedRecords,
    rateLimit: RATE,
    searchRateLimit: RATE,
    clock,
  } as Parameters<typeof startSimulator>[1])) as HubSpotSimulator;
}

function connect(s: HubSpotSimulator, settings: Record<string, unknown> = {}) {
  return hubspotConnector({
    settings: { baseUrl: s.url, ...settings },
    credentials: { token: s.credentials.token! },
  });
}

const sims: HubSpotSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

contract(
  'hubspot',
  async () => {
    const s = await sim();
    sims.push(s);
    return connect(s, { refProperty: 'city' }).object('companies');
  },
  { title: 'name', exactFeed: false },
);

describe('hubspot connector', () => {
  const clock = createManualClock();
  let s: HubSpotSimulator;
  let companies: ObjectClient;
  beforeAll(async () => {
    s = await sim(250, clock);
    companies = await connect(s).object('companies');
  });
  afterAll(() => s.close());

  it('walks every page once with limit ≤ 100 and after, asking for the properties it maps', async () => {
    s.log.clear();
    const records = (await collect(companies.listAll({ pageSize: 1000 }))).flatMap((p) => p.records);
    expect(records.length).toBe(250);
    expect(new Set(records.map((r) => r.id)).size).toBe(250);
    expect(records[0]!.data.name).toBe('Company 1');
    const calls = s.log.find('GET', '/crm/v3/objects/companies');
    expect(calls.length).toBe(3);
    expect(
      calls.every((c) => c.url.includes('limit=100') && c.url.includes('properties=name%2Cdomain')),
    ).toBe(true);
    expect(calls.slice(1).every((c) => c.url.includes('after='))).toBe(true);
  });

  it('writes and reads in batches of at most 100 inputs', async () => {
    s.log.clear();
    const results = await companies.create(
      Array.from({ length: 150 }, (_, i) => ({ ref: `lnk_${i}`, data: { name: `New ${i}` } })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const sizes = s.log
      .find('POST', '/batch/create')
      .map((c) => (JSON.parse(c.rawBody!) as { inputs: unknown[] }).inputs.length);
    expect(sizes).toEqual([100, 50]);
    const ids = results.map((r) => (r.ok ? r.id : ''));
    expect((await companies.readByIds(ids)).length).toBe(150);
    expect(s.log.find('POST', '/batch/read').length).toBe(2);
    expect((await companies.delete(ids)).every((r) => r.ok)).toBe(true);
    expect(s.log.find('POST', '/batch/archive').length).toBe(2);
  });

  it('reads changes by searching GTE on hs_lastmodifieddate / lastmodifieddate, ascending', async () => {
    const all = await collect(companies.listChanged!(null));
    const cursor = all[all.length - 1]!.cursor;
    clock.advance(60_000);
    const target = all[0]!.records[0]!.id;
    s.ui.update('companies', target, { city: 'Lyon' });
    s.log.clear();
    const changed = (await collect(companies.listChanged!(cursor))).flatMap((p) => p.records);
    expect(changed.map((r) => r.id)).toContain(target);
    // Tombstones of companies archived by earlier tests may ride along; live changes are the edit only.
    expect(changed.filter((r) => !('deleted' in r)).length).toBeLessThanOrEqual(2);
    const body = JSON.parse(s.log.entries()[0]!.rawBody!) as Record<string, unknown>;
    expect(body).toMatchObject({
      filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: cursor }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      limit: 200,
    });
    const contacts = await connect(s).object('contacts');
    s.log.clear();
    await collect(contacts.listChanged!(cursor));
    expect(s.log.entries()[0]!.rawBody).toContain('"propertyName":"lastmodifieddate"');
  });

  it('classifies faults: 5xx, 429 with the policy window, malformed pages, timeouts, auth', async () => {
    s.faults.add({ kind: 'status', status: 500 });
    await expect(collect(companies.listAll())).rejects.toMatchObject({ kind: 'server', status: 500 });
    s.faults.add({ kind: 'rate_limit', count: 4 });
    for (let i = 0; i < 4; i++)
      await expect(collect(companies.listAll())).rejects.toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 10_000,
      });
    s.faults.add({ kind: 'malformed' });
    await expect(collect(companies.listChanged!(null))).rejects.toMatchObject({ kind: 'server' });
    const slow = await connect(s, { timeoutMs: 200 }).object('companies');
    s.faults.add({ kind: 'hang' });
    await expect(collect(slow.listAll())).rejects.toMatchObject({ kind: 'network' });
    const bad = await hubspotConnector({ settings: { baseUrl: s.url }, credentials: { token: 'x' } }).object(
      'deals',
    );
    await expect(collect(bad.listAll())).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  it('reports 207 partial batch results and refused records per record', async () => {
    const [a] = await companies.create([{ ref: 'a', data: { name: 'A' } }]);
    const id = a!.ok ? a!.id : '';
    const results = await companies.update([
      { id, data: { city: 'Paris' } },
      { id: '999999', data: { city: 'x' } },
      { id: 'not-an-id', data: { city: 'y' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'not_found', 'not_found']);
    expect(s.log.find('POST', '/batch/update').at(-1)!.status).toBe(207);
    const contacts = await connect(s).object('contacts');
    const created = await contacts.create([
      { ref: 'c1', data: { email: 'one@example.com' } },
      { ref: 'c2', data: { email: 'person1@example.com' } },
      { ref: 'c3', data: { nosuchproperty: 'x' } },
    ]);
    expect(created.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'conflict', 'validation']);
  });

  it('verifies X-HubSpot-Signature-v3 within 5 minutes and parses event arrays', async () => {
    const receiver = await startWebhookReceiver();
    try {
      s.configureWebhooks(receiver.url, ['company.propertyChange', 'company.deletion']);
      const target = (await collect(companies.listAll())).flatMap((p) => p.records)[1]!.id;
      s.ui.update('companies', target, { industry: 'Retail' });
      s.ui.archive('companies', target);
      await s.webhooks.idle();
      expect(receiver.received.length).toBe(2);
      const webhooks = hubspotWebhooks(() => clock.now());
      const secret = s.credentials.clientSecret!;
      for (const r of receiver.received) {
        const headers = { ...r.headers, [REQUEST_URL_HEADER]: receiver.url };
        expect(webhooks.verify(r.body, headers, secret)).toBe(true);
        expect(webhooks.verify(r.body, headers, 'forged')).toBe(false);
        expect(webhooks.verify(`${r.body} `, headers, secret)).toBe(false);
        expect(
          webhooks.verify(r.body, { ...headers, [REQUEST_URL_HEADER]: `${receiver.url}x` }, secret),
        ).toBe(false);
        expect(hubspotWebhooks(() => clock.now() + 6 * 60_000).verify(r.body, headers, secret)).toBe(false);
      }
      const events = receiver.received.flatMap((r) => webhooks.parse(r.body, r.headers));
      expect(events.map((e) => `${e.kind}:${e.object}:${e.recordId}`)).toEqual([
        `upsert:companies:${target}`,
        `delete:companies:${target}`,
      ]);
    } finally {
      await receiver.close();
    }
  });
});

describeEachDialect('hubspot two-way sync', (get) => {
  it('converges a collection and HubSpot companies, propagates edits both ways, then writes nothing', async () => {
    const s = await sim(5);
    try {
      await runTwoWayE2E(get(), {
        connector: 'hubspot',
        settings: { baseUrl: s.url, objects: ['companies'] },
        credentials: { token: s.credentials.token! },
        object: 'companies',
        fields: [
          ['name', 'name'],
          ['domain', 'domain'],
        ],
        editOnPlatform: (name) =>
          void s.ui.update('companies', s.crm.types.companies!.store.values()[0]!.id, { name }),
        platformRecords: () =>
          s.crm.types
            .companies!.store.values()
            .filter((o) => !o.archived)
            .map((o) => ({ name: o.properties.name })),
      });
    } finally {
      await s.close();
    }
  });
});
