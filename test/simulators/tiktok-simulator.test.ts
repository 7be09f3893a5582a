import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import { createTikTokSimulator, type TikTokSimulator } from '../../src/simulators/tiktok/tiktok-simulator.js';

let sim: TikTokSimulator | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  receiver = undefined;
});

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  json: Json;
  headers: Headers;
}

async function api(
  s: TikTokSimulator,
  method: 'GET' | 'POST',
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<Answer> {
  const response = await fetch(`${s.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: (await response.json()) as Json, headers: response.headers };
}

async function oauth(s: TikTokSimulator, form: Record<string, string>): Promise<Answer> {
  const response = await fetch(`${s.url}/v2/oauth/token/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, json: (await response.json()) as Json, headers: response.headers };
}

const FIELDS = 'id,title,create_time,like_count,comment_count,share_count,view_count';

describe('TikTok simulator', () => {
  it('rejects a missing, unknown or expired token with 401 access_token_invalid', async () => {
    const clock = createManualClock();
    sim = await createTikTokSimulator({ clock, rateLimit: false });
    for (const token of [undefined, 'act.nope']) {
      const answer = await api(sim, 'POST', `/v2/video/list/?fields=${FIELDS}`, token, {});
      expect(answer.status).toBe(401);
      expect(answer.json).toEqual({
        error: {
          code: 'access_token_invalid',
          message: 'The access token is invalid or not found in the request.',
          log_id: expect.stringMatching(/^\d{14}[0-9A-F]{20}$/),
        },
      });
    }
    clock.advance(2 * 3600 * 1000);
    const expired = await api(sim, 'GET', '/v2/user/info/?fields=open_id', sim.accounts[0]!.accessToken);
    expect(expired.status).toBe(401);
  });

  it('lists every video exactly once, newest first, following data.cursor while has_more', async () => {
    sim = await createTikTokSimulator({ rateLimit: false, seedRecords: 47, shortPages: true });
    const token = sim.accounts[0]!.accessToken;
    const ids: string[] = [];
    const times: number[] = [];
    let cursor: number | undefined;
    let pages = 0;
    for (;;) {
      const answer = await api(sim, 'POST', `/v2/video/list/?fields=${FIELDS}`, token, {
        max_count: 20,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      expect(answer.status).toBe(200);
      const data = answer.json.data as { videos: Json[]; cursor: number; has_more: boolean };
      expect((answer.json.error as Json).code).toBe('ok');
      expect(data.videos.length).toBeLessThanOrEqual(20);
      for (const v of data.videos) {
        expect(Object.keys(v).sort()).toEqual(FIELDS.split(',').sort());
        ids.push(v.id as string);
        times.push(v.create_time as number);
      }
      pages++;
      if (pages === 1) sim.ui.publish(sim.accounts[0]!.openId); // newer than the cursor: not in this walk
      if (!data.has_more) break;
      expect(data.videos.length).toBe(19); // short pages while more remain
      cursor = data.cursor;
    }
    expect(ids.length).toBe(47);
    expect(new Set(ids).size).toBe(47);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const tooMany = await api(sim, 'POST', `/v2/video/list/?fields=${FIELDS}`, token, { max_count: 21 });
    expect(tooMany.status).toBe(400);
    expect((tooMany.json.error as Json).code).toBe('invalid_params');
    const badField = await api(sim, 'POST', '/v2/video/list/?fields=id,nope', token, {});
    expect((badField.json.error as Json).code).toBe('invalid_params');
    const defaultPage = await api(sim, 'POST', `/v2/video/list/?fields=id`, token, {});
    expect(((defaultPage.json.data as Json).videos as unknown[]).length).toBe(9); // default 10, short page
  });

  it('re-reads given videos with /v2/video/query/ (at most 20 ids, only the caller videos)', async () => {
    sim = await createTikTokSimulator({ rateLimit: false, seedRecords: 5 });
    const [mine, theirs] = [sim.accounts[0]!, sim.accounts[1]!];
    const own = sim.state.videosOf(mine.openId).slice(0, 2);
    sim.ui.setMetrics(own[0]!.id, { like_count: 999 });
    const other = sim.state.videosOf(theirs.openId)[0]!;
    const answer = await api(sim, 'POST', '/v2/video/query/?fields=id,like_count', mine.accessToken, {
      filters: { video_ids: [own[0]!.id, own[1]!.id, other.id] },
    });
    expect((answer.json.data as Json).videos).toEqual([
      { id: own[0]!.id, like_count: 999 },
      { id: own[1]!.id, like_count: own[1]!.like_count },
    ]);
    const over = await api(sim, 'POST', '/v2/video/query/?fields=id', mine.accessToken, {
      filters: { video_ids: Array.from({ length: 21 }, (_, i) => String(i)) },
    });
    expect(over.status).toBe(400);
    const info = await api(
      sim,
      'GET',
      '/v2/user/info/?fields=open_id,display_name,follower_count',
      mine.accessToken,
    );
    expect((info.json.data as Json).user).toEqual({
      open_id: mine.openId,
      display_name: 'Sim Creator 1',
      follower_count: 2000,
    });
  });

  it('exchanges an authorization code and rotates refresh tokens; a used refresh token is invalid_grant', async () => {
    sim = await createTikTokSimulator({ rateLimit: false });
    const redirect = 'http://127.0.0.1:9/callback';
    const authorize = await fetch(
      `${sim.url}/v2/auth/authorize/?client_key=${sim.clientKey}&scope=user.info.basic,video.list&response_type=code&redirect_uri=${encodeURIComponent(redirect)}&state=xyz`,
      { redirect: 'manual' },
    );
    expect(authorize.status).toBe(302);
    const location = new URL(authorize.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('xyz');
    const client = { client_key: sim.clientKey, client_secret: sim.clientSecret };
    const exchanged = await oauth(sim, {
      ...client,
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      redirect_uri: redirect,
    });
    expect(exchanged.status).toBe(200);
    expect(exchanged.json).toMatchObject({
      open_id: sim.accounts[0]!.openId,
      expires_in: 7200,
      refresh_expires_in: 15_552_000,
      scope: 'user.info.basic,video.list',
      token_type: 'Bearer',
    });
    expect(exchanged.json.access_token).toMatch(/^act\./);
    const reused = await oauth(sim, {
      ...client,
      grant_type: 'authorization_code',
      code: location.searchParams.get('code')!,
      redirect_uri: redirect,
    });
    expect(reused.status).toBe(400);
    expect(reused.json).toMatchObject({ error: 'invalid_grant', log_id: expect.any(String) });

    const refreshed = await oauth(sim, {
      ...client,
      grant_type: 'refresh_token',
      refresh_token: exchanged.json.refresh_token as string,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.refresh_token).not.toBe(exchanged.json.refresh_token);
    const stale = await oauth(sim, {
      ...client,
      grant_type: 'refresh_token',
      refresh_token: exchanged.json.refresh_token as string,
    });
    expect(stale.json).toMatchObject({ error: 'invalid_grant' });
    const badClient = await oauth(sim, {
      ...client,
      client_secret: 'x',
      grant_type: 'refresh_token',
      refresh_token: 'r',
    });
    expect(badClient.status).toBe(401);
    expect(badClient.json).toMatchObject({ error: 'invalid_client' });
    const json = await fetch(`${sim.url}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...client, grant_type: 'refresh_token' }),
    });
    expect(((await json.json()) as Json).error).toBe('invalid_request');
    // The new access token works; the scope it lacks is refused.
    const fresh = refreshed.json.access_token as string;
    expect((await api(sim, 'POST', '/v2/video/list/?fields=id', fresh, {})).status).toBe(200);
    const noStats = await api(sim, 'GET', '/v2/user/info/?fields=follower_count', fresh);
    expect(noStats.status).toBe(401);
    expect((noStats.json.error as Json).code).toBe('scope_permission_missed');
  });

  it('limits each endpoint separately on a one-minute sliding window with 429 rate_limit_exceeded', async () => {
    const clock = createManualClock();
    sim = await createTikTokSimulator({ clock, rateLimit: { limit: 3, windowMs: 60_000 } });
    const token = sim.accounts[0]!.accessToken;
    for (let i = 0; i < 3; i++)
      expect((await api(sim, 'POST', '/v2/video/list/?fields=id', token, {})).status).toBe(200);
    const limited = await api(sim, 'POST', '/v2/video/list/?fields=id', token, {});
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({
      error: {
        code: 'rate_limit_exceeded',
        message: 'The API rate limit was exceeded. Please try again later.',
        log_id: expect.any(String),
      },
    });
    // Other endpoints have their own budget; the limit is per app, so another user's token is limited too.
    expect((await api(sim, 'GET', '/v2/user/info/?fields=open_id', token)).status).toBe(200);
    expect(
      (await api(sim, 'POST', '/v2/video/list/?fields=id', sim.accounts[1]!.accessToken, {})).status,
    ).toBe(429);
    clock.advance(60_000);
    expect((await api(sim, 'POST', '/v2/video/list/?fields=id', token, {})).status).toBe(200);
  });

  it('signs webhooks with TikTok-Signature; an independent verifier accepts them and rejects forgeries', async () => {
    const clock = createManualClock(Date.UTC(2025, 5, 1));
    const results: { ok: boolean; body: Json }[] = [];
    let secret = '';
    // Verifier written from developers.tiktok.com/doc/webhooks-verification.
    const verify = (header: string, raw: string, nowS: number) => {
      const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=') as [string, string]));
      const t = Number(parts.t);
      if (!parts.s || !Number.isInteger(t) || Math.abs(nowS - t) > 300) return false;
      const expected = Buffer.from(createHmac('sha256', secret).update(`${parts.t}.${raw}`).digest('hex'));
      const given = Buffer.from(parts.s);
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const ok = verify(String(req.headers['tiktok-signature'] ?? ''), raw, Math.floor(clock.now() / 1000));
        results.push({ ok, body: JSON.parse(raw) as Json });
        res.writeHead(ok ? 200 : 401).end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/tiktok`;
    sim = await createTikTokSimulator({ clock, rateLimit: false, callbackUrl: url });
    secret = sim.clientSecret;
    const openId = sim.accounts[0]!.openId;
    sim.ui.publish(openId, { title: 'fresh' });
    await sim.webhooks.idle();
    expect(results).toHaveLength(1);
    expect(results[0]!.ok).toBe(true);
    expect(results[0]!.body).toMatchObject({
      client_key: sim.clientKey,
      event: 'video.publish.completed',
      create_time: Math.floor(clock.now() / 1000),
      user_openid: openId,
    });
    expect(JSON.parse(results[0]!.body.content as string)).toEqual({
      share_id: expect.stringMatching(/^video\./),
    });
    const delivery = sim.webhooks.deliveries()[0]!;
    expect(delivery.status).toBe(200);
    // Tampered body, same signature → rejected.
    const forged = await fetch(url, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.rawBody.replace(openId, 'someone-else'),
    });
    expect(forged.status).toBe(401);
    // A replay far outside the tolerance is rejected even with an intact signature.
    clock.advance(10 * 60 * 1000);
    const replay = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.rawBody });
    expect(replay.status).toBe(401);
    // Redelivery re-signs with the current time and is accepted.
    expect((await sim.redeliver(delivery)).status).toBe(200);
  });

  it('answers armed faults in its error shape and records them in the request log', async () => {
    sim = await createTikTokSimulator({ rateLimit: false });
    sim.faults.add({ kind: 'status', status: 500, match: { pathIncludes: '/v2/video/list/' } });
    sim.faults.add({ kind: 'rate_limit', match: { pathIncludes: '/v2/video/list/' } });
    const token = sim.accounts[0]!.accessToken;
    const failed = await api(sim, 'POST', '/v2/video/list/?fields=id', token, {});
    expect(failed.status).toBe(500);
    expect((failed.json.error as Json).code).toBe('internal_error');
    expect((await api(sim, 'POST', '/v2/video/list/?fields=id', token, {})).status).toBe(429);
    expect((await api(sim, 'POST', '/v2/video/list/?fields=id', token, {})).status).toBe(200);
    expect(sim.log.find('POST', '/v2/video/list/').map((r) => r.status)).toEqual([500, 429, 200]);
  });
});
