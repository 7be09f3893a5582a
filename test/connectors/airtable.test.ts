/**
 * The airtable connector against the Airtable simulator over HTTP: the contract suite, pagination, batch limits,
 * modified-since reads, error classification under injected faults, per-record batch failures, webhook
 * verification, and a two-way sync end to end on both dialects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airtableConnector } from '../../src/connectors/airtable/airtable-connector.js';
import { readWebhookChanges, airtableWebhooks } from '../../src/connectors/airtable/airtable-webhooks.js';
import { airtableClientFor } from '../../src/connectors/airtable/airtable-connector.js';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import type { AirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { collect, contract } from './contract-suite.js';
import { runTwoWayE2E } from './e2e.js';

const RATE = { limit: 1000, windowMs: 1000 };

async function sim(seedRecords = 0): Promise<AirtableSimulator> {
  return (await startSimulator('airtable', { seedRecords, rateLimit: RATE })) as AirtableSimulator;
}

function connect(s: AirtableSimulator, settings: Record<string, unknown> = {}) {
  return airtableConnector({
    settings: { baseUrl: s.url, baseId: s.baseId, ...settings },
    credentials: { token: s.credentials.token! },
  });
}

const sims: AirtableSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

contract(
  'airtable',
  async () => {
    const s = await sim();
    sims.push(s);
    return connect(s, { refField: 'Notes' }).object('Tasks');
  },
  { title: 'Name', exactFeed: false },
);

describe('airtable connector', () => {
  let s: AirtableSimulator;
  let tasks: ObjectClient;
  beforeAll(async () => {
    s = await sim(250);
    tasks = await connect(s).object(s.tableId);
  });
  afterAll(() => s.close());

  it('walks every page once with pageSize ≤ 100 and offset', async () => {
    s.log.clear();
    const ids = (await collect(tasks.listAll({ pageSize: 500 }))).flatMap((p) => p.records.map((r) => r.id));
    expect(ids.length).toBe(250);
    expect(new Set(ids).size).toBe(250);
    const calls = s.log.find('GET', `/v0/${s.baseId}/`);
    expect(calls.length).toBe(3);
    expect(calls.every((c) => c.url.includes('pageSize=100'))).toBe(true);
    expect(calls.slice(1).every((c) => c.url.includes('offset='))).toBe(true);
  });

  it('writes in batches of at most 10 records', async () => {
    s.log.clear();
    const results = await tasks.create(
      Array.from({ length: 25 }, (_, i) => ({ ref: `lnk_${i}`, data: { Name: `batch ${i}` } })),
    );
    expect(results.filter((r) => r.ok).length).toBe(25);
    const posts = s.log.find('POST', `/v0/${s.baseId}/`);
    expect(posts.map((p) => (JSON.parse(p.rawBody!) as { records: unknown[] }).records.length)).toEqual([
      10, 10, 5,
    ]);
    const ids = results.map((r) => (r.ok ? r.id : ''));
    s.log.clear();
    expect((await tasks.delete(ids)).every((r) => r.ok)).toBe(true);
    expect(s.log.find('DELETE', `/v0/${s.baseId}/`).length).toBe(3);
  });

  it('reads only records modified after the cursor, with IS_AFTER(LAST_MODIFIED_TIME())', async () => {
    const pages = await collect(tasks.listChanged!(null));
    const cursor = pages[pages.length - 1]!.cursor;
    const some = pages[0]!.records[0]!.id;
    // Make the edit land after the cursor's overlap window: the simulator clock is the wall clock, so move
    // the cursor back instead of waiting.
    s.ui.update(s.tableId, some, { Notes: 'edited' });
    s.log.clear();
    const changed = (await collect(tasks.listChanged!(cursor))).flatMap((p) => p.records);
    expect(changed.map((r) => r.id)).toContain(some);
    expect(changed.length).toBeLessThan(250);
    expect(decodeURIComponent(s.log.entries()[0]!.url)).toContain(
      `IS_AFTER(LAST_MODIFIED_TIME(),'${cursor}')`,
    );
    const old = new Date(Date.parse(cursor) + 60_000).toISOString();
    expect((await collect(tasks.listChanged!(old))).flatMap((p) => p.records)).toEqual([]);
  });

  it('classifies faults: 5xx, 429 with the documented 30 s wait, malformed pages, timeouts, auth', async () => {
    s.faults.add({ kind: 'status', status: 503 });
    await expect(collect(tasks.listAll())).rejects.toMatchObject({ kind: 'server', status: 503 });
    s.faults.add({ kind: 'rate_limit', count: 5 });
    for (let i = 0; i < 5; i++)
      await expect(tasks.readByIds(['recX'])).rejects.toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 30_000,
      });
    s.faults.add({ kind: 'malformed' });
    await expect(collect(tasks.listAll())).rejects.toMatchObject({ kind: 'server' });
    s.faults.add({ kind: 'reset' });
    await expect(collect(tasks.listAll())).rejects.toMatchObject({ kind: 'network' });
    const slow = await connect(s, { timeoutMs: 200 }).object(s.tableId);
    s.faults.add({ kind: 'hang' });
    await expect(collect(slow.listAll())).rejects.toMatchObject({ kind: 'network' });
    const bad = airtableConnector({
      settings: { baseUrl: s.url, baseId: s.baseId },
      credentials: { token: 'nope' },
    });
    await expect(bad.objects()).rejects.toMatchObject({ kind: 'auth', status: 401 });
    await expect(connect(s).object('NoSuchTable')).rejects.toBeInstanceOf(ConnectorError);
  });

  it('reports per-record failures inside a batch', async () => {
    const [good] = await tasks.create([{ ref: 'lnk_x', data: { Name: 'ok' } }]);
    const id = good!.ok ? good!.id : '';
    const results = await tasks.update([
      { id, data: { Name: 'ok2' } },
      { id: 'recNoSuchRecord01', data: { Name: 'x' } },
      { id, data: { NoSuchField: 1 } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'not_found', 'validation']);
    const created = await tasks.create([
      { ref: 'a', data: { Name: 'fine' } },
      { ref: 'b', data: { Estimate: 'not a number' } },
    ]);
    expect(created.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'validation']);
  });

  it('verifies X-Airtable-Content-MAC pings and reads the payloads as change events', async () => {
    const received: { body: string; headers: Record<string, string | undefined> }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ body, headers: req.headers as Record<string, string | undefined> });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = airtableClientFor({
        settings: { baseUrl: s.url, baseId: s.baseId },
        credentials: { token: s.credentials.token! },
      });
      const hook = (await client.call('POST', `/v0/bases/${s.baseId}/webhooks`, 'create webhook', {
        body: {
          notificationUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
          specification: { options: { filters: { dataTypes: ['tableData'] } } },
        },
      })) as { id: string; macSecretBase64: string };
      const record = s.ui.create(s.tableId, { Name: 'from the UI' });
      s.ui.destroy(s.tableId, record.id);
      await s.webhooks.idle();
      expect(received.length).toBe(2);
      for (const r of received)
        expect(airtableWebhooks.verify(r.body, r.headers, hook.macSecretBase64)).toBe(true);
      expect(
        airtableWebhooks.verify(
          r0(received).body.replace('}', ',"x":1}'),
          r0(received).headers,
          hook.macSecretBase64,
        ),
      ).toBe(false);
      expect(
        airtableWebhooks.verify(
          r0(received).body,
          r0(received).headers,
          Buffer.from('forged').toString('base64'),
        ),
      ).toBe(false);
      expect(airtableWebhooks.verify(r0(received).body, {}, hook.macSecretBase64)).toBe(false);
      const { events, cursor } = await readWebhookChanges(client, hook.id, 1);
      expect(events.map((e) => `${e.kind}:${e.recordId}`)).toEqual([
        `upsert:${record.id}`,
        `delete:${record.id}`,
      ]);
      expect(cursor).toBe(3);
      expect((await readWebhookChanges(client, hook.id, cursor)).events).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function r0<T>(items: T[]): T {
  return items[0]!;
}

describeEachDialect('airtable two-way sync', (get) => {
  it('converges a collection and an Airtable table, propagates edits both ways, then writes nothing', async () => {
    const s = await sim(5);
    try {
      await runTwoWayE2E(get(), {
        connector: 'airtable',
        settings: { baseUrl: s.url, baseId: s.baseId },
        credentials: { token: s.credentials.token! },
        object: s.tableId,
        fields: [
          ['name', 'Name'],
          ['key', 'Key'],
        ],
        editOnPlatform: (name) =>
          void s.ui.update(s.tableId, [...s.base.tables[0]!.records.values()][0]!.id, { Name: name }),
        platformRecords: () =>
          [...s.base.tables[0]!.records.values()].map((r) => ({ Name: r.cells.fldName0000000001 })),
      });
    } finally {
      await s.close();
    }
  });
});
