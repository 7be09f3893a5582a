import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startAirtableSimulator,
  type AirtableSimulator,
} from '../../src/simulators/airtable/airtable-simulator.js';
import { createManualClock, type ManualClock } from '../../src/simulators/kit/sim-clock.js';
import { constantTimeEqual, startReceiver } from './receiver.js';

let sim: AirtableSimulator;
let clock: ManualClock;
let auth: Record<string, string>;
const table = () => `${sim.url}/v0/${sim.baseId}/Tasks`;

beforeEach(async () => {
  clock = createManualClock();
  sim = await startAirtableSimulator({ clock, seedRecords: 25, rateLimit: false });
  auth = { Authorization: `Bearer ${sim.credentials.token}`, 'Content-Type': 'application/json' };
});
afterEach(() => sim.close());

async function call(url: string, init: RequestInit = {}) {
  const response = await fetch(url, { ...init, headers: { ...auth, ...(init.headers as object) } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are asserted field by field
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

describe('Airtable simulator', () => {
  it('rejects a missing and a wrong token with the documented 401 bodies', async () => {
    const none = await fetch(table());
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { type: 'AUTHENTICATION_REQUIRED', message: 'Authentication required' },
    });
    const wrong = await fetch(table(), { headers: { Authorization: 'Bearer patWrong' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      error: { type: 'UNAUTHORIZED', message: 'Invalid authentication token' },
    });
  });

  it('pages with pageSize/offset, returning every record exactly once even with writes between pages', async () => {
    const seen: string[] = [];
    let offset: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ pageSize: '7', ...(offset ? { offset } : {}) });
      const page = await call(`${table()}?${q}`);
      expect(page.status).toBe(200);
      expect(page.body.records.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.records.map((r: { id: string }) => r.id));
      offset = page.body.offset;
      pages++;
      if (pages === 1) sim.ui.create('Tasks', { Name: 'added while paging' });
    } while (offset);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('refuses a pageSize over 100 and a foreign offset', async () => {
    const over = await call(`${table()}?pageSize=101`);
    expect(over.status).toBe(422);
    expect(over.body.error.type).toBe('INVALID_REQUEST_UNKNOWN');
    const bad = await call(`${table()}?offset=itr99.0/recNope`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.type).toBe('LIST_RECORDS_ITERATOR_NOT_AVAILABLE');
  });

  it('creates, updates (merge and upsert) and deletes in batches of at most 10', async () => {
    const eleven = Array.from({ length: 11 }, (_, i) => ({ fields: { Name: `n${i}` } }));
    const tooMany = await call(table(), { method: 'POST', body: JSON.stringify({ records: eleven }) });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error.type).toBe('INVALID_RECORDS');

    const created = await call(table(), {
      method: 'POST',
      body: JSON.stringify({ records: eleven.slice(0, 10) }),
    });
    expect(created.status).toBe(200);
    expect(created.body.records).toHaveLength(10);
    const id = created.body.records[0].id;

    const patched = await call(table(), {
      method: 'PATCH',
      body: JSON.stringify({ records: [{ id, fields: { Notes: 'merged' } }] }),
    });
    expect(patched.body.records[0].fields).toEqual({ Name: 'n0', Notes: 'merged' });

    const upsert = await call(table(), {
      method: 'PATCH',
      body: JSON.stringify({
        performUpsert: { fieldsToMergeOn: ['Key'] },
        records: [{ fields: { Key: 'task-1', Notes: 'up' } }, { fields: { Key: 'new-key', Name: 'fresh' } }],
      }),
    });
    expect(upsert.body.updatedRecords).toHaveLength(1);
    expect(upsert.body.createdRecords).toHaveLength(1);

    const unknown = await call(table(), {
      method: 'POST',
      body: JSON.stringify({ records: [{ fields: { Nope: 1 } }] }),
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toEqual({ type: 'UNKNOWN_FIELD_NAME', message: 'Unknown field name: "Nope"' });

    const ids = created.body.records.slice(0, 3).map((r: { id: string }) => r.id);
    const del = await call(`${table()}?${ids.map((x: string) => `records[]=${x}`).join('&')}`, {
      method: 'DELETE',
    });
    expect(del.body).toEqual({ records: ids.map((x: string) => ({ id: x, deleted: true })) });
    expect((await call(`${table()}/${ids[0]}`)).status).toBe(404);
  });

  it('filters modified records with IS_AFTER(LAST_MODIFIED_TIME(), …)', async () => {
    const since = new Date(clock.now()).toISOString();
    clock.advance(1000);
    const all = await call(`${table()}?pageSize=3`);
    const target = all.body.records[1].id;
    await call(`${table()}/${target}`, {
      method: 'PATCH',
      body: JSON.stringify({ fields: { Notes: 'changed' } }),
    });
    const formula = `IS_AFTER(LAST_MODIFIED_TIME(),'${since}')`;
    const changed = await call(`${table()}?filterByFormula=${encodeURIComponent(formula)}`);
    expect(changed.body.records.map((r: { id: string }) => r.id)).toEqual([target]);
  });

  it('answers 429 beyond 5 requests/s per base and keeps refusing for 30 s', async () => {
    await sim.close();
    sim = await startAirtableSimulator({ clock, seedRecords: 3 });
    for (let i = 0; i < 5; i++) expect((await call(table())).status).toBe(200);
    const limited = await call(table());
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }],
    });
    clock.advance(1_000);
    expect((await call(table())).status).toBe(429);
    clock.advance(29_000);
    expect((await call(table())).status).toBe(200);
  });

  it('pings the notification URL with a verifiable X-Airtable-Content-MAC and serves the payloads', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await call(`${sim.url}/v0/bases/${sim.baseId}/webhooks`, {
        method: 'POST',
        body: JSON.stringify({
          notificationUrl: receiver.url,
          specification: { options: { filters: { dataTypes: ['tableData'] } } },
        }),
      });
      expect(hook.body.id).toMatch(/^ach/);
      const record = sim.ui.create('Tasks', { Name: 'from the UI' });
      await sim.webhooks.idle();
      const [ping] = await receiver.waitFor(1);
      // Independent check of the documented scheme: hex HMAC-SHA256 keyed by the base64-decoded secret.
      const expected =
        'hmac-sha256=' +
        createHmac('sha256', Buffer.from(hook.body.macSecretBase64, 'base64'))
          .update(ping!.rawBody)
          .digest('hex');
      expect(await constantTimeEqual(String(ping!.headers['x-airtable-content-mac']), expected)).toBe(true);
      expect(JSON.parse(ping!.rawBody)).toMatchObject({
        base: { id: sim.baseId },
        webhook: { id: hook.body.id },
      });

      const payloads = await call(
        `${sim.url}/v0/bases/${sim.baseId}/webhooks/${hook.body.id}/payloads?cursor=1`,
      );
      expect(payloads.body.cursor).toBe(2);
      expect(payloads.body.mightHaveMore).toBe(false);
      expect(
        payloads.body.payloads[0].changedTablesById[sim.tableId].createdRecordsById[record.id],
      ).toBeDefined();
      const tooMany = await call(
        `${sim.url}/v0/bases/${sim.baseId}/webhooks/${hook.body.id}/payloads?limit=51`,
      );
      expect(tooMany.status).toBe(422);
    } finally {
      await receiver.close();
    }
  });
});
