import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/simulators/kit/sim-clock.js';
import { startSynupSimulator, type SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { constantTimeEqual, startReceiver } from './receiver.js';

let sim: SynupSimulator;
let clock: ManualClock;
let headers: Record<string, string>;
const api = (path: string) => `${sim.url}/api/v4${path}`;

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(api(path), { ...init, headers: { ...headers, ...(init.headers as object) } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
const write = (verb: string, input: unknown) =>
  call(`/posts/${verb}`, { method: 'POST', body: JSON.stringify({ input }) });

beforeEach(async () => {
  clock = createManualClock();
  sim = await startSynupSimulator({ clock, seedRecords: 12, rateLimit: false });
  headers = { Authorization: `API ${sim.credentials.apiKey}`, 'Content-Type': 'application/json' };
});
afterEach(() => sim.close());

describe('Synup simulator (modelled posts API)', () => {
  it('rejects a missing or wrong API key', async () => {
    const none = await fetch(api('/posts'));
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      success: false,
      errors: [{ code: 'UNAUTHORIZED', message: 'Missing API key: send "Authorization: API <key>"' }],
    });
    const bearer = await fetch(api('/posts'), {
      headers: { Authorization: `Bearer ${sim.credentials.apiKey}` },
    });
    expect(bearer.status).toBe(401);
    const wrong = await fetch(api('/posts'), { headers: { Authorization: 'API nope' } });
    expect(await wrong.json()).toEqual({
      success: false,
      errors: [{ code: 'UNAUTHORIZED', message: 'Invalid API key' }],
    });
  });

  it('pages with first/after connections exactly once and refuses first > 100', async () => {
    const ids: string[] = [];
    let after: string | null = null;
    do {
      const page = await call(`/posts?first=5${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      ids.push(...page.body.posts.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.body.posts.pageInfo.hasNextPage ? page.body.posts.pageInfo.endCursor : null;
    } while (after);
    expect(ids).toHaveLength(12);
    expect(new Set(ids).size).toBe(12);
    expect(ids[0]).toBe(Buffer.from('Post:1').toString('base64'));
    const over = await call('/posts?first=101');
    expect(over.status).toBe(400);
    expect(over.body.errors[0].code).toBe('VALIDATION_ERROR');
  });

  it('filters with updatedSince and answers 429 with Retry-After beyond the limit', async () => {
    clock.advance(60_000);
    const since = new Date(clock.now()).toISOString();
    const created = await write('create', { locationId: sim.credentials.locationId, content: 'Fresh bread' });
    const changed = await call(`/posts?updatedSince=${encodeURIComponent(since)}`);
    expect(changed.body.posts.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([
      created.body.post.id,
    ]);

    await sim.close();
    sim = await startSynupSimulator({ clock, rateLimit: { limit: 2, windowMs: 1000 } });
    headers.Authorization = `API ${sim.credentials.apiKey}`;
    expect((await call('/posts')).status).toBe(200);
    expect((await call('/posts')).status).toBe(200);
    const limited = await call('/posts');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.errors[0].code).toBe('RATE_LIMITED');
  });

  it('moves a post draft → queued → published with signed webhooks, and refuses edits after publish', async () => {
    const receiver = await startReceiver();
    try {
      sim.registerWebhook(receiver.url, ['post.status_changed', 'post.note_added']);
      const draft = await write('create', {
        locationId: sim.credentials.locationId,
        content: 'Grand opening',
        media: [{ url: 'https://cdn.example.com/a.jpg', type: 'image' }],
      });
      expect(draft.body.post.status).toBe('draft');
      const queued = await write('publish', {
        id: draft.body.post.id,
        scheduledAt: new Date(clock.now() + 60_000).toISOString(),
      });
      expect(queued.body.post.status).toBe('queued');
      expect(sim.ops.publishDue()).toEqual([]);
      clock.advance(60_000);
      expect(sim.ops.publishDue().map((p) => p.id)).toEqual([draft.body.post.id]);
      sim.ops.addNote(draft.body.post.id, 'Looks great');
      await sim.webhooks.idle();
      const events = await receiver.waitFor(3);
      for (const e of events) {
        const expected = createHmac('sha256', sim.credentials.webhookSecret!).update(e.rawBody).digest('hex');
        expect(await constantTimeEqual(String(e.headers['x-synup-signature']), expected)).toBe(true);
      }
      expect(events.map((e) => [JSON.parse(e.rawBody).type, JSON.parse(e.rawBody).data.post.status])).toEqual(
        [
          ['post.status_changed', 'queued'],
          ['post.status_changed', 'published'],
          ['post.note_added', 'published'],
        ],
      );
      const edit = await write('update', { id: draft.body.post.id, content: 'changed' });
      expect(edit.status).toBe(422);
      expect(edit.body.errors[0].code).toBe('INVALID_STATE');
    } finally {
      await receiver.close();
    }
  });
});
