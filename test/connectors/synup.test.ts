/**
 * The synup connector against the Synup simulator (the modelled posts API of docs/simulators/synup-posts.md):
 * the contract suite, pagination, updatedSince reads, the post lifecycle and notes, error classification under
 * injected faults, per-record results, webhook verification, and a two-way sync end to end on both dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import { synupConnector } from '../../src/connectors/synup/synup-connector.js';
import { synupWebhooks } from '../../src/connectors/synup/synup-webhooks.js';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { collect, contract } from './contract-suite.js';
import { runTwoWayE2E } from './e2e.js';
import { startWebhookReceiver } from './webhook-receiver.js';

const RATE = { limit: 1000, windowMs: 1000 };

async function sim(seedRecords = 0, clock = createManualClock()): Promise<SynupSimulator> {
  return (await startSimulator('synup', { seedRecords, rateLimit: RATE, clock })) as SynupSimulator;
}

function connect(s: SynupSimulator, settings: Record<string, unknown> = {}) {
  return synupConnector({
    settings: { baseUrl: s.url, locationId: s.credentials.locationId, ...settings },
    credentials: { apiKey: s.credentials.apiKey! },
  });
}

const sims: SynupSimulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});

contract(
  'synup',
  async () => {
    const s = await sim();
    sims.push(s);
    return connect(s).object('posts');
  },
  { title: 'content', exactFeed: false },
);

describe('synup connector', () => {
  const clock = createManualClock();
  let s: SynupSimulator;
  let posts: ObjectClient;
  beforeAll(async () => {
    s = await sim(230, clock);
    posts = await connect(s).object('posts');
  });
  afterAll(() => s.close());

  it('walks every page once with first ≤ 100 and after=endCursor, sending Authorization: API <key>', async () => {
    s.log.clear();
    const ids = (await collect(posts.listAll({ pageSize: 1000 }))).flatMap((p) => p.records.map((r) => r.id));
    expect(ids.length).toBe(230);
    expect(new Set(ids).size).toBe(230);
    const calls = s.log.find('GET', '/api/v4/posts');
    expect(calls.length).toBe(3);
    expect(
      calls.every(
        (c) => c.url.includes('first=100') && c.headers.authorization === `API ${s.credentials.apiKey}`,
      ),
    ).toBe(true);
    expect(calls.slice(1).every((c) => c.url.includes('after='))).toBe(true);
  });

  it('reads only posts updated since the cursor', async () => {
    const all = await collect(posts.listChanged!(null));
    const cursor = all[all.length - 1]!.cursor;
    clock.advance(60_000);
    const target = all[0]!.records[0]!.id;
    s.ops.addNote(target, 'from the platform', 'Ann');
    s.log.clear();
    const changed = (await collect(posts.listChanged!(cursor))).flatMap((p) => p.records);
    expect(changed.map((r) => r.id)).toContain(target);
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(decodeURIComponent(s.log.entries()[0]!.url)).toContain(`updatedSince=${cursor}`);
  });

  it('publishes on status queued, merges notes, refuses platform-owned statuses per record', async () => {
    const [created] = await posts.create([{ ref: 'p', data: { content: 'hello', status: 'queued' } }]);
    expect(created).toMatchObject({ ok: true, record: { data: { status: 'queued' } } });
    const id = created!.ok ? created!.id : '';
    const results = await posts.update([
      { id, data: { notes: [{ body: 'first note' }] } },
      { id, data: { status: 'failed' } },
      { id: 'UG9zdDo5OTk5', data: { content: 'x' } },
      { id, data: { content: '' } },
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual([
      'ok',
      'validation',
      'not_found',
      'validation',
    ]);
    const [after] = await posts.readByIds([id]);
    expect((after!.data.notes as { body: string }[]).map((n) => n.body)).toEqual(['first note']);
    await posts.update([{ id, data: { notes: [{ body: 'first note' }, { body: 'second' }] } }]);
    const [again] = await posts.readByIds([id]);
    expect((again!.data.notes as { body: string }[]).map((n) => n.body)).toEqual(['first note', 'second']);
  });

  it('classifies faults: 5xx, 429 with Retry-After, malformed pages, timeouts, auth', async () => {
    s.faults.add({ kind: 'status', status: 503 });
    await expect(collect(posts.listAll())).rejects.toMatchObject({ kind: 'server', status: 503 });
    s.faults.add({ kind: 'rate_limit', count: 3, retryAfterMs: 2000 });
    for (let i = 0; i < 3; i++)
      await expect(collect(posts.listAll())).rejects.toMatchObject({
        kind: 'rate_limited',
        retryAfterMs: 2000,
      });
    s.faults.add({ kind: 'malformed' });
    await expect(collect(posts.listAll())).rejects.toMatchObject({ kind: 'server' });
    s.faults.add({ kind: 'hang' });
    const slow = await connect(s, { timeoutMs: 200 }).object('posts');
    await expect(collect(slow.listAll())).rejects.toMatchObject({ kind: 'network' });
    const bad = await synupConnector({ settings: { baseUrl: s.url }, credentials: { apiKey: 'x' } }).object(
      'posts',
    );
    await expect(collect(bad.listAll())).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  it('verifies x-synup-signature and parses events with the post', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const hook = s.registerWebhook(receiver.url);
      const [created] = await posts.create([{ ref: 'w', data: { content: 'webhook me' } }]);
      const id = created!.ok ? created!.id : '';
      await posts.delete([id]);
      await s.webhooks.idle();
      expect(receiver.received.length).toBe(2);
      for (const r of receiver.received) {
        expect(synupWebhooks.verify(r.body, r.headers, hook.secret)).toBe(true);
        expect(synupWebhooks.verify(r.body, r.headers, 'forged')).toBe(false);
        expect(synupWebhooks.verify(`${r.body} `, r.headers, hook.secret)).toBe(false);
        expect(synupWebhooks.verify(r.body, {}, hook.secret)).toBe(false);
      }
      const events = receiver.received.flatMap((r) => synupWebhooks.parse(r.body, r.headers));
      expect(events.map((e) => `${e.kind}:${e.recordId}`)).toEqual([`upsert:${id}`, `delete:${id}`]);
      expect(events[0]!.record?.data.content).toBe('webhook me');
    } finally {
      await receiver.close();
    }
  });
});

describeEachDialect('synup two-way sync', (get) => {
  it('converges a collection and Synup posts, propagates edits both ways, then writes nothing', async () => {
    const s = await sim(5);
    try {
      await runTwoWayE2E(get(), {
        connector: 'synup',
        settings: { baseUrl: s.url, locationId: s.credentials.locationId },
        credentials: { apiKey: s.credentials.apiKey! },
        object: 'posts',
        fields: [['content', 'content']],
        // Synup has no UI to play: another API client edits the post.
        editOnPlatform: async (name) => {
          const res = await fetch(`${s.url}/api/v4/posts/update`, {
            method: 'POST',
            headers: { authorization: `API ${s.credentials.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ input: { id: s.account.posts.values()[0]!.id, content: name } }),
          });
          expect(res.status).toBe(200);
        },
        platformRecords: () => s.account.posts.values().map((p) => ({ content: p.content })),
      });
    } finally {
      await s.close();
    }
  });
});
