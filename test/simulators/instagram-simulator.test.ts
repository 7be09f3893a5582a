import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import {
  createInstagramSimulator,
  type InstagramSimulator,
} from '../../src/simulators/instagram/instagram-simulator.js';

let sim: InstagramSimulator | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

type Json = Record<string, unknown>;
async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, json: (await response.json()) as Json, headers: response.headers };
}
const errorOf = (json: Json) => json.error as Json;

describe('Instagram simulator', () => {
  it('rejects missing, unknown and expired tokens with Graph API error objects', async () => {
    const clock = createManualClock();
    sim = await createInstagramSimulator({ clock, rateLimit: false });
    const missing = await get(`${sim.url}/me`);
    expect(missing.status).toBe(400);
    expect(errorOf(missing.json)).toMatchObject({ type: 'OAuthException', code: 2500 });
    expect(typeof errorOf(missing.json).fbtrace_id).toBe('string');
    const unknown = await get(`${sim.url}/me?access_token=nope`);
    expect(errorOf(unknown.json)).toMatchObject({
      message: 'Invalid OAuth access token - Cannot parse access token',
      type: 'OAuthException',
      code: 190,
    });
    const token = sim.accounts[0]!.accessToken;
    clock.advance(59 * 24 * 3600 * 1000); // seeded tokens were issued 2 days ago, valid 60 days
    const expired = await get(`${sim.url}/me?access_token=${token}`);
    expect(errorOf(expired.json)).toMatchObject({ code: 190, error_subcode: 463, type: 'OAuthException' });
  });

  it('answers /me and media with only the requested fields, by query token or Bearer, with or without a version', async () => {
    sim = await createInstagramSimulator({ rateLimit: false, seedRecords: 3 });
    const { accessToken, igUserId } = sim.accounts[0]!;
    expect((await get(`${sim.url}/me?access_token=${accessToken}`)).json).toEqual({ id: igUserId });
    const me = await get(`${sim.url}/v22.0/me?fields=id,username,media_count`, {
      authorization: `Bearer ${accessToken}`,
    });
    expect(me.json).toEqual({ id: igUserId, username: 'sim_creator_1', media_count: 3 });
    const fields = 'id,caption,media_type,media_url,permalink,timestamp,like_count,comments_count';
    const page = await get(`${sim.url}/${igUserId}/media?fields=${fields}&access_token=${accessToken}`);
    const first = (page.json.data as Json[])[0]!;
    expect(Object.keys(first).sort()).toEqual(fields.split(',').sort());
    expect(first.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    const bad = await get(`${sim.url}/${igUserId}/media?fields=id,nope&access_token=${accessToken}`);
    expect(errorOf(bad.json)).toMatchObject({
      code: 100,
      message: '(#100) Tried accessing nonexisting field (nope) on node type (Media)',
    });
    // Another account's id is not visible with this token.
    const other = await get(`${sim.url}/${sim.accounts[1]!.igUserId}/media?access_token=${accessToken}`);
    expect(errorOf(other.json)).toMatchObject({ code: 100, error_subcode: 33, type: 'GraphMethodException' });
    const insights = await get(
      `${sim.url}/${first.id as string}/insights?metric=reach,likes&access_token=${accessToken}`,
    );
    expect((insights.json.data as Json[]).map((d) => d.name)).toEqual(['reach', 'likes']);
  });

  it('walks every media exactly once by following paging.next, even while new posts are published', async () => {
    sim = await createInstagramSimulator({ rateLimit: false, seedRecords: 53 });
    const { accessToken, igUserId } = sim.accounts[0]!;
    const ids: string[] = [];
    let next: string | undefined = `${sim.url}/${igUserId}/media?limit=10&access_token=${accessToken}`;
    let pages = 0;
    while (next) {
      const page = await get(next);
      const data = page.json.data as { id: string }[];
      expect(data.length).toBeLessThanOrEqual(10);
      ids.push(...data.map((d) => d.id));
      const paging = page.json.paging as { cursors: Json; next?: string } | undefined;
      expect(paging?.cursors).toBeDefined();
      next = paging?.next;
      if (pages++ === 1) sim.ui.publish(igUserId); // lands at the front, never shifts the walk
    }
    expect(pages).toBe(6);
    expect(new Set(ids).size).toBe(53);
    expect(ids.length).toBe(53);
    // The newest post is reachable by paging backwards from the first page.
    const firstPage = await get(`${sim.url}/${igUserId}/media?limit=5&access_token=${accessToken}`);
    expect((firstPage.json.paging as Json).previous).toBeUndefined();
    const over = await get(`${sim.url}/${igUserId}/media?limit=1000&access_token=${accessToken}`);
    expect((over.json.data as unknown[]).length).toBe(54); // limit lowered to 100
    const badLimit = await get(`${sim.url}/${igUserId}/media?limit=abc&access_token=${accessToken}`);
    expect(errorOf(badLimit.json)).toMatchObject({ code: 100 });
  });

  it('refreshes a long-lived token only when at least 24 h old and unexpired', async () => {
    const clock = createManualClock();
    sim = await createInstagramSimulator({ clock, rateLimit: false });
    const { igUserId, accessToken } = sim.accounts[0]!;
    const refreshed = await get(
      `${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${accessToken}`,
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({ token_type: 'bearer', expires_in: 5_184_000 });
    const fresh = refreshed.json.access_token as string;
    expect((await get(`${sim.url}/me?access_token=${fresh}`)).json).toEqual({ id: igUserId });
    const tooNew = await get(
      `${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${fresh}`,
    );
    expect(tooNew.status).toBe(400);
    expect(errorOf(tooNew.json)).toMatchObject({ code: 100, type: 'OAuthException' });
    clock.advance(24 * 3600 * 1000);
    expect(
      (await get(`${sim.url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${fresh}`)).status,
    ).toBe(200);
    const wrongGrant = await get(`${sim.url}/refresh_access_token?grant_type=nope&access_token=${fresh}`);
    expect(errorOf(wrongGrant.json)).toMatchObject({ code: 100 });
    const short = sim.ui.issueToken(igUserId, { longLived: false });
    const exchanged = await get(
      `${sim.url}/access_token?grant_type=ig_exchange_token&client_secret=${sim.appSecret}&access_token=${short.token}`,
    );
    expect(exchanged.json).toMatchObject({ token_type: 'bearer', expires_in: 5_184_000 });
  });

  it('throttles with an error body (code 80002 by default) and reports usage in both headers', async () => {
    const clock = createManualClock();
    sim = await createInstagramSimulator({ clock, rateLimit: { limit: 4, windowMs: 60_000 } });
    const url = `${sim.url}/me?access_token=${sim.accounts[0]!.accessToken}`;
    const first = await get(url);
    expect(JSON.parse(first.headers.get('x-app-usage')!)).toMatchObject({ call_count: 25 });
    for (let i = 0; i < 3; i++) expect((await get(url)).status).toBe(200);
    const limited = await get(url);
    expect(limited.status).toBe(400);
    expect(errorOf(limited.json)).toMatchObject({ code: 80002, type: 'OAuthException', is_transient: true });
    expect(limited.headers.get('retry-after')).toBeNull();
    const buc = JSON.parse(limited.headers.get('x-business-use-case-usage')!) as Record<string, Json[]>;
    expect(buc[sim.accounts[0]!.igUserId]![0]).toMatchObject({
      type: 'instagram',
      call_count: 100,
      estimated_time_to_regain_access: 1,
    });
    // Another account has its own budget.
    expect((await get(`${sim.url}/me?access_token=${sim.accounts[1]!.accessToken}`)).status).toBe(200);
    clock.advance(60_000);
    expect((await get(url)).status).toBe(200);
    await sim.close();
    sim = await createInstagramSimulator({ rateLimit: { limit: 1, windowMs: 60_000 }, throttleCode: 4 });
    const u = `${sim.url}/me?access_token=${sim.accounts[0]!.accessToken}`;
    await get(u);
    expect(errorOf((await get(u)).json)).toMatchObject({
      code: 4,
      message: '(#4) Application request limit reached',
    });
  });

  it('verifies webhook subscriptions with the hub handshake and signs events; a forged body fails verification', async () => {
    const verifyToken = 'my-verify-token';
    const received: { verified: boolean; body: Json }[] = [];
    let handshakes = 0;
    // An independent receiver written from Meta's documented scheme.
    receiver = createServer((req, res) => {
      const url = new URL(req.url!, 'http://localhost');
      if (req.method === 'GET') {
        handshakes++;
        const ok =
          url.searchParams.get('hub.mode') === 'subscribe' &&
          url.searchParams.get('hub.verify_token') === verifyToken;
        res.writeHead(ok ? 200 : 403, { 'content-type': 'text/plain' });
        res.end(ok ? url.searchParams.get('hub.challenge') : 'forbidden');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const header = String(req.headers['x-hub-signature-256'] ?? '');
        const expected = Buffer.from(
          `sha256=${createHmac('sha256', sim!.appSecret).update(raw).digest('hex')}`,
        );
        const given = Buffer.from(header);
        const verified = given.length === expected.length && timingSafeEqual(given, expected);
        received.push({ verified, body: JSON.parse(raw.toString('utf8')) as Json });
        res.writeHead(verified ? 200 : 403).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const callback = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/instagram`;

    sim = await createInstagramSimulator({ rateLimit: false, mediaEvents: true, seedRecords: 2 });
    expect(await sim.subscribe(callback, 'wrong-token')).toMatchObject({ verified: false, status: 403 });
    expect(await sim.subscribe(callback, verifyToken)).toEqual({ verified: true, status: 200 });
    expect(handshakes).toBe(2);

    const { igUserId } = sim.accounts[0]!;
    const post = sim.ui.publish(igUserId, { caption: 'hello' });
    sim.ui.comment(post.id, 'nice');
    await sim.webhooks.idle();
    expect(received.map((r) => r.verified)).toEqual([true, true]);
    expect(received[1]!.body).toMatchObject({
      object: 'instagram',
      entry: [
        { id: igUserId, changes: [{ field: 'comments', value: { media: { id: post.id }, text: 'nice' } }] },
      ],
    });
    // A forged delivery (body changed after signing) is rejected by the same independent check.
    const delivery = sim.webhooks.deliveries()[0]!;
    const forged = await fetch(callback, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.rawBody.replace('hello', 'HELLO').replace(post.id, '1'),
    });
    expect(forged.status).toBe(403);
  });

  it('answers armed faults in the Graph API shape', async () => {
    sim = await createInstagramSimulator({ rateLimit: false });
    sim.faults.add({ kind: 'status', status: 503 });
    sim.faults.add({ kind: 'rate_limit' });
    const url = `${sim.url}/me?access_token=${sim.accounts[0]!.accessToken}`;
    const down = await get(url);
    expect(down.status).toBe(503);
    expect(errorOf(down.json)).toMatchObject({ code: 2, is_transient: true });
    expect(errorOf((await get(url)).json)).toMatchObject({ code: 80002 });
    expect((await get(url)).status).toBe(200);
  });
});
