import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/simulators/kit/sim-clock.js';
import { startNotionSimulator, type NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { constantTimeEqual, startReceiver } from './receiver.js';

let sim: NotionSimulator;
let clock: ManualClock;
let headers: Record<string, string>;
const query = () => `${sim.url}/v1/databases/${sim.credentials.databaseId}/query`;

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as object) } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
const post = (url: string, body: unknown) => call(url, { method: 'POST', body: JSON.stringify(body) });

beforeEach(async () => {
  clock = createManualClock();
  sim = await startNotionSimulator({ clock, seedRecords: 25, rateLimit: false });
  headers = {
    Authorization: `Bearer ${sim.credentials.token}`,
    'Notion-Version': '2022-06-28',
    'Content-Type': 'application/json',
  };
});
afterEach(() => sim.close());

describe('Notion simulator', () => {
  it('rejects bad tokens with unauthorized and a missing Notion-Version with missing_version', async () => {
    for (const auth of [undefined, 'Bearer ntn_wrong']) {
      const r = await fetch(query(), { method: 'POST', headers: auth ? { Authorization: auth } : {} });
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({
        object: 'error',
        status: 401,
        code: 'unauthorized',
        message: 'API token is invalid.',
      });
    }
    const noVersion = await fetch(query(), {
      method: 'POST',
      headers: { Authorization: headers.Authorization! },
    });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ object: 'error', status: 400, code: 'missing_version' });
  });

  it('walks every page exactly once with start_cursor and refuses page_size over 100', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await post(query(), { page_size: 10, ...(cursor ? { start_cursor: cursor } : {}) });
      expect(page.body.object).toBe('list');
      ids.push(...page.body.results.map((p: { id: string }) => p.id));
      cursor = page.body.has_more ? page.body.next_cursor : null;
    } while (cursor);
    expect(ids).toHaveLength(25);
    expect(new Set(ids).size).toBe(25);
    const over = await post(query(), { page_size: 101 });
    expect(over.status).toBe(400);
    expect(over.body.code).toBe('validation_error');
  });

  it('returns only pages edited on or after a time (minute granularity), and archived pages disappear', async () => {
    clock.advance(2 * 60_000);
    const since = new Date(clock.now()).toISOString();
    const first = await post(query(), { page_size: 2 });
    const [a, b] = first.body.results.map((p: { id: string }) => p.id);
    clock.advance(30_000);
    const patched = await call(`${sim.url}/v1/pages/${a}`, {
      method: 'PATCH',
      body: JSON.stringify({ properties: { Notes: { rich_text: [{ text: { content: 'edited' } }] } } }),
    });
    expect(patched.body.last_edited_time).toMatch(/:00\.000Z$/);
    const changed = await post(query(), {
      filter: { timestamp: 'last_edited_time', last_edited_time: { on_or_after: since } },
      sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
    });
    expect(changed.body.results.map((p: { id: string }) => p.id)).toEqual([a]);
    await call(`${sim.url}/v1/pages/${b}`, { method: 'PATCH', body: JSON.stringify({ archived: true }) });
    const after = await post(query(), {});
    expect(after.body.results.map((p: { id: string }) => p.id)).not.toContain(b);
    const bogus = await call(`${sim.url}/v1/pages/${a}`, {
      method: 'PATCH',
      body: JSON.stringify({ properties: { Bogus: { rich_text: [] } } }),
    });
    expect(bogus.status).toBe(400);
    expect(bogus.body).toMatchObject({
      code: 'validation_error',
      message: 'Bogus is not a property that exists.',
    });
  });

  it('answers 429 rate_limited with an integer Retry-After beyond the limit', async () => {
    await sim.close();
    sim = await startNotionSimulator({ clock, seedRecords: 2, rateLimit: { limit: 3, windowMs: 1000 } });
    for (let i = 0; i < 3; i++) expect((await post(query(), {})).status).toBe(200);
    const limited = await post(query(), {});
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ object: 'error', status: 429, code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await post(query(), {})).status).toBe(200);
  });

  it('sends the verification_token first, then events signed with X-Notion-Signature', async () => {
    const receiver = await startReceiver();
    try {
      await sim.subscribe(receiver.url);
      const [handshake] = await receiver.waitFor(1);
      const token = JSON.parse(handshake!.rawBody).verification_token as string;
      expect(token).toMatch(/^secret_/);
      expect(handshake!.headers['x-notion-signature']).toBeUndefined();
      const page = sim.ui.update(sim.database.pages.values()[0]!.id, { Status: 'Done' });
      await sim.webhooks.idle();
      const [, event] = await receiver.waitFor(2);
      const expected = `sha256=${createHmac('sha256', token).update(event!.rawBody).digest('hex')}`;
      expect(await constantTimeEqual(String(event!.headers['x-notion-signature']), expected)).toBe(true);
      expect(JSON.parse(event!.rawBody)).toMatchObject({
        type: 'page.properties_updated',
        entity: { id: page.id, type: 'page' },
        authors: [{ type: 'person' }],
      });
    } finally {
      await receiver.close();
    }
  });
});
