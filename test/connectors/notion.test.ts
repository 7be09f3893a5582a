/**
 * The notion connector against the Notion simulator over HTTP: the contract suite, pagination, modified-since
 * reads with overlap and dedupe, error classification under injected faults, per-record write results, webhook
 * verification, and a two-way sync end to end on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notionConnector } from '../../src/connectors/notion/notion-connector.js';
import { notionVerificationToken, notionWebhooks } from '../../src/connectors/notion/notion-webhooks.js';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import type { NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { collect, contract } from './contract-suite.js';
import { runTwoWayE2E } from './e2e.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const RATE = { limit: 1000, windowMs: 1000 };

async function sim(seedRecords = 0, clock = createManualClock()): Promise<NotionSimulator> {
  return (await startSimulator('notion', { seedRecords, rateLimit: RATE, clock })) as NotionSimulator;
}

function connect(s: NotionSimulator, settings: Record<string, unknown> = {}) {
  return notionConnector({
    settings: { baseUrl: s.url, databaseId: s.credentials.databaseId, ...settings },
    credentials: { token: s.credentials.token! },
  });
}

const sims: NotionSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

contract(
  'notion',
  async () => {
    const s = await sim();
    sims.push(s);
    return connect(s, { refProperty: 'Notes' }).object(s.credentials.databaseId!);
  },
  { title: 'Name', exactFeed: false },
);

contract(
  'notion (2025-09-03 data sources)',
  async () => {
    const s = await sim();
    sims.push(s);
    return notionConnector({
      settings: { baseUrl: s.url, dataSourceId: s.credentials.dataSourceId, notionVersion: '2025-09-03' },
      credentials: { token: s.credentials.token! },
    }).object(s.credentials.dataSourceId!);
  },
  { title: 'Name', exactFeed: false },
);

describe('notion connector', () => {
  const clock = createManualClock();
  let s: NotionSimulator;
  let tasks: ObjectClient;
  beforeAll(async () => {
    s = await sim(230, clock);
    tasks = await connect(s).object(s.credentials.databaseId!);
  });
  afterAll(() => s.close());

  it('sends the Notion-Version header and walks every page once (page_size ≤ 100, start_cursor)', async () => {
    s.log.clear();
    const ids = (await collect(tasks.listAll({ pageSize: 1000 }))).flatMap((p) => p.records.map((r) => r.id));
    expect(ids.length).toBe(230);
    expect(new Set(ids).size).toBe(230);
    const calls = s.log.find('POST', '/query');
    expect(calls.length).toBe(3);
    expect(calls.every((c) => c.headers['notion-version'] === '2022-06-28')).toBe(true);
    const bodies = calls.map((c) => JSON.parse(c.rawBody!) as { page_size: number; start_cursor?: string });
    expect(bodies.every((b) => b.page_size === 100)).toBe(true);
    expect(bodies[0]!.start_cursor).toBeUndefined();
    expect(bodies.slice(1).every((b) => typeof b.start_cursor === 'string')).toBe(true);
  });

  it('reads changes with a last_edited_time filter, overlapping a minute and deduplicating', async () => {
    const all = await collect(tasks.listChanged!(null));
    const cursor = all[all.length - 1]!.cursor;
    clock.advance(10 * 60_000);
    const target = all[0]!.records[0]!.id;
    s.ui.update(target, { Notes: 'edited later' });
    s.log.clear();
    const changed = (await collect(tasks.listChanged!(cursor))).flatMap((p) => p.records);
    expect(changed.map((r) => r.id)).toContain(target);
    expect(new Set(changed.map((r) => r.id)).size).toBe(changed.length);
    // Only the edited page and the cursor's own minute (the overlap) come back, not the 230 pages.
    expect(changed.length).toBeLessThanOrEqual(3);
    const body = JSON.parse(s.log.entries()[0]!.rawBody!) as { filter: unknown; sorts: unknown };
    expect(body.filter).toEqual({
      timestamp: 'last_edited_time',
      last_edited_time: { on_or_after: new Date(Date.parse(cursor) - 60_000).toISOString() },
    });
    expect(body.sorts).toEqual([{ timestamp: 'last_edited_time', direction: 'ascending' }]);
  });

  it('classifies faults: 5xx, 429 with Retry-After, malformed pages, timeouts, auth, missing version', async () => {
    s.faults.add({ kind: 'status', status: 502 });
    await expect(collect(tasks.listAll())).rejects.toMatchObject({ kind: 'server', status: 502 });
    s.faults.add({ kind: 'rate_limit', count: 3, retryAfterMs: 7000 });
    for (let i = 0; i < 3; i++)
      await expect(collect(tasks.listAll())).rejects.toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 7000,
      });
    s.faults.add({ kind: 'malformed' });
    await expect(collect(tasks.listAll())).rejects.toMatchObject({ kind: 'server' });
    const slow = await connect(s, { timeoutMs: 200 }).object(s.credentials.databaseId!);
    s.faults.add({ kind: 'hang' });
    await expect(collect(slow.listAll())).rejects.toMatchObject({ kind: 'network' });
    const bad = notionConnector({
      settings: { baseUrl: s.url, databaseId: s.credentials.databaseId },
      credentials: { token: 'wrong' },
    });
    await expect(bad.objects()).rejects.toMatchObject({
      kind: 'auth',
      status: 401,
      platformCode: 'unauthorized',
    });
    await expect(
      connect(s, { databaseId: '00000000-0000-4000-8000-000000000000' }).objects(),
    ).rejects.toMatchObject({ kind: 'not_found', platformCode: 'object_not_found' });
  });

  it('reports per-record failures and keeps earlier writes when the platform stops mid-call', async () => {
    const results = await tasks.create([
      { ref: 'a', data: { Name: 'fine' } },
      { ref: 'b', data: { Estimate: 'not a number' } },
      { ref: 'c', data: { Nope: 1 } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'validation', 'validation']);
    const match = { method: 'POST', pathIncludes: '/v1/pages' };
    s.faults.add({ kind: 'status', status: 503, match });
    await expect(tasks.create([{ ref: 'x', data: { Name: 'x' } }])).rejects.toMatchObject({ kind: 'server' });
    // The first create goes through (a zero delay uses up the first fault), the second meets the 503.
    s.faults.add({ kind: 'delay', ms: 0, match });
    s.faults.add({ kind: 'status', status: 503, match });
    const later = await tasks.create([
      { ref: 'd', data: { Name: 'd' } },
      { ref: 'e', data: { Name: 'e' } },
    ]);
    expect(later.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual(['ok', 'server']);
  });

  it('verifies X-Notion-Signature events and parses them into change events', async () => {
    const receiver = await startWebhookReceiver();
    try {
      await s.subscribe(receiver.url);
      const secret = notionVerificationToken(receiver.received[0]!.body)!;
      expect(secret).toMatch(/^secret_/);
      const page = s.ui.create({ Name: 'from Notion' });
      s.ui.archive(page.id);
      await s.webhooks.idle();
      const events = receiver.received.slice(1);
      expect(events.length).toBe(2);
      for (const e of events) expect(notionWebhooks.verify(e.body, e.headers, secret)).toBe(true);
      expect(notionWebhooks.verify(events[0]!.body, events[0]!.headers, 'secret_forged')).toBe(false);
      expect(notionWebhooks.verify(events[0]!.body + ' ', events[0]!.headers, secret)).toBe(false);
      expect(notionWebhooks.verify(events[0]!.body, {}, secret)).toBe(false);
      const parsed = events.flatMap((e) => notionWebhooks.parse(e.body, e.headers));
      expect(parsed.map((e) => `${e.kind}:${e.recordId}:${e.object}`)).toEqual([
        `upsert:${page.id}:${s.credentials.databaseId}`,
        `delete:${page.id}:${s.credentials.databaseId}`,
      ]);
      expect(() => notionWebhooks.parse('nope', {})).toThrow();
    } finally {
      await receiver.close();
    }
  });
});

describeEachDialect('notion two-way sync', (get) => {
  it('converges a collection and a Notion database, propagates edits both ways, then writes nothing', async () => {
    const s = await sim(5);
    try {
      await runTwoWayE2E(get(), {
        connector: 'notion',
        settings: { baseUrl: s.url, databaseId: s.credentials.databaseId },
        credentials: { token: s.credentials.token! },
        object: s.credentials.databaseId!,
        fields: [
          ['name', 'Name'],
          ['key', 'Key'],
        ],
        editOnPlatform: (name) => void s.ui.update(s.database.pages.values()[0]!.id, { Name: name }),
        platformRecords: () =>
          s.database.pages
            .values()
            .filter((p) => !p.archived)
            .map((p) => ({ Name: p.props.Name })),
      });
    } finally {
      await s.close();
    }
  });
});
