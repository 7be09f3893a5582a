/**
 * `/api/v1/webhook-events` beyond the route harness: filters by connection, status and time; the detail carries
 * the stored headers (never Authorization) and the raw body; a replay resets the event and queues its processing.
 */
import { expect, it } from 'vitest';
import { processWebhookEvent } from '../../src/app/webhook-process-handler.js';
import { signDelivery } from '../../src/deliveries/signing.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

async function receive(w: ApiWorld, n: number) {
  const { site, secret } = await w.ctx.repos.sites.create(w.a.org.id, {
    name: 'Events',
    slug: unique('events').replace(/[^a-z0-9-]/g, '-'),
    url: 'builtin:receiver',
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = JSON.stringify({ i });
    const res = await w.app.inject({
      method: 'POST',
      url: `/api/v1/hooks/${site.connectionId}`,
      payload: body,
      headers: {
        ...signDelivery(secret, body, { id: `e${i}` }),
        'content-type': 'application/json',
        authorization: 'Bearer not-stored',
      },
    });
    expect(res.statusCode).toBe(202);
    ids.push(res.json().eventId);
  }
  return { connectionId: site.connectionId, ids };
}

describeApi('webhook events API', (get) => {
  it('lists with filters, shows headers and body, and replays', async () => {
    const w = get();
    const start = new Date(Date.now() - 1000).toISOString();
    const one = await receive(w, 3);
    const two = await receive(w, 1);
    const list = async (query: string) => {
      const res = await w.inject({
        method: 'GET',
        url: `/api/v1/webhook-events?${query}`,
        key: w.a.keys.viewer,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { data: { id: string; status: string }[]; nextCursor: string | null };
    };
    expect((await list(`connectionId=${one.connectionId}`)).data.map((e) => e.id)).toEqual(
      [...one.ids].reverse(),
    );
    expect((await list(`connectionId=${two.connectionId}`)).data.map((e) => e.id)).toEqual(two.ids);
    const page = await list(`connectionId=${one.connectionId}&limit=2`);
    expect(page.data).toHaveLength(2);
    expect((await list(`connectionId=${one.connectionId}&cursor=${page.nextCursor}`)).data).toHaveLength(1);
    expect((await list(`connectionId=${one.connectionId}&to=${start}`)).data).toEqual([]);
    expect((await list(`connectionId=${one.connectionId}&from=${start}`)).data).toHaveLength(3);

    await processWebhookEvent(w.ctx.store.db, w.runtime.queue, {
      orgId: w.a.org.id,
      connectionId: one.connectionId,
      webhookEventId: one.ids[0]!,
    });
    expect((await list(`connectionId=${one.connectionId}&status=ignored`)).data.map((e) => e.id)).toEqual([
      one.ids[0],
    ]);
    expect((await list(`connectionId=${one.connectionId}&status=received`)).data).toHaveLength(2);

    const detail = await w.inject({
      method: 'GET',
      url: `/api/v1/webhook-events/${one.ids[0]}`,
      key: w.a.keys.viewer,
    });
    expect(detail.json()).toMatchObject({ body: '{"i":0}', externalId: 'e0', status: 'ignored' });
    expect(detail.json().headers['webhook-id']).toBe('e0');
    expect(detail.json().headers.authorization).toBeUndefined();

    const pending = await w.runtime.queue.pending();
    const replay = await w.inject({
      method: 'POST',
      url: `/api/v1/webhook-events/${one.ids[0]}/replay`,
      key: w.a.keys.editor,
    });
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json()).toMatchObject({ id: one.ids[0], status: 'received', processedAt: null });
    expect(await w.runtime.queue.pending()).toBe(pending + 1);
  });
});
