/**
 * The `instagram` and `tiktok` connectors against their simulators over HTTP: listings walk every post exactly
 * once across cursors (TikTok's short pages included), metrics come through, token refresh works, and each
 * platform's error shape becomes the right ConnectorError kind (Meta's throttle codes in a 400 body, TikTok's 429,
 * expired tokens, a refused refresh grant). Writes are refused per record: these APIs only read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  instagramConnectorFactory,
  instagramClientFor,
} from '../../src/connectors/instagram/instagram-connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { tiktokClientFor, tiktokConnectorFactory } from '../../src/connectors/tiktok/tiktok-connector.js';
import {
  createInstagramSimulator,
  type InstagramSimulator,
} from '../../src/simulators/instagram/instagram-simulator.js';
import { createTikTokSimulator, type TikTokSimulator } from '../../src/simulators/tiktok/tiktok-simulator.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.js';
import { collect } from './contract-suite.js';

const noDb = undefined as unknown as Kysely<Database>;

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe('instagram connector', () => {
  let sim: InstagramSimulator;
  const context = () => ({
    orgId: 'org',
    settings: { baseUrl: sim.url },
    credentials: { accessToken: sim.accounts[0]!.accessToken, appSecret: sim.appSecret },
    db: noDb,
  });

  beforeAll(async () => {
    sim = await createInstagramSimulator({
      accounts: 1,
      seedRecords: 120,
      rateLimit: { limit: 12, windowMs: 3_600_000 },
    });
  });
  afterAll(() => sim?.close());

  it('lists every media once across cursor pages, newest first, with like and comment counts', async () => {
    const posts = await (await instagramConnectorFactory.create(context())).object('posts');
    const records = (await collect(posts.listAll())).flatMap((page) => page.records);
    expect(records).toHaveLength(120);
    expect(new Set(records.map((r) => r.id)).size).toBe(120);
    const expected = sim.state.mediaOf(sim.accounts[0]!.igUserId);
    expect(records.map((r) => r.id)).toEqual(expected.map((m) => m.id));
    expect(records[0]!.data).toMatchObject({
      likes: expected[0]!.like_count,
      comments: expected[0]!.comments_count,
      mediaType: expected[0]!.media_type,
    });
    const writes = await posts.update([{ id: records[0]!.id, data: { caption: 'x' } }]);
    expect(writes[0]).toMatchObject({ ok: false });
  });

  it('checks credentials, refreshes a long-lived token, and maps Graph errors to kinds', async () => {
    expect(await instagramConnectorFactory.check!(context())).toMatchObject({
      ok: true,
      message: expect.stringContaining('sim_creator_1'),
    });
    const refreshed = await instagramClientFor(context()).refresh();
    expect(refreshed.accessToken).not.toBe(sim.accounts[0]!.accessToken);
    expect(Date.parse(refreshed.expiresAt!)).toBeGreaterThan(Date.now() + 59 * 86_400_000);

    const young = instagramClientFor(context(), { accessToken: refreshed.accessToken });
    expect((await failure(young.refresh())).kind).toBe('validation');
    const bad = instagramClientFor(context(), { accessToken: 'IGAA-not-a-token' });
    const auth = await failure(bad.profile());
    expect(auth).toMatchObject({ kind: 'auth', platformCode: '190' });
    expect(
      await instagramConnectorFactory.check!({ ...context(), credentials: { accessToken: 'nope' } }),
    ).toMatchObject({ ok: false });

    // Meta throttles with a 400 body (code 80002) and says when access returns in a usage header.
    const client = instagramClientFor(context(), { accessToken: refreshed.accessToken });
    let throttled: ConnectorError | undefined;
    for (let i = 0; i < 20 && !throttled; i++)
      throttled = await client.profile().then(
        () => undefined,
        (e: ConnectorError) => e,
      );
    expect(throttled).toMatchObject({ kind: 'rate_limited', status: 400, platformCode: '80002' });
    expect(throttled!.retryAfterMs).toBeGreaterThan(0);
  });
});

describe('tiktok connector', () => {
  let sim: TikTokSimulator;
  const context = () => ({
    orgId: 'org',
    settings: { baseUrl: sim.url },
    credentials: {
      clientKey: sim.clientKey,
      clientSecret: sim.clientSecret,
      accessToken: sim.accounts[0]!.accessToken,
      refreshToken: sim.accounts[0]!.refreshToken,
    },
    db: noDb,
  });

  beforeAll(async () => {
    sim = await createTikTokSimulator({ accounts: 1, seedRecords: 65, shortPages: true });
  });
  afterAll(() => sim?.close());

  it('walks video pages of at most 20 while has_more (short pages included), with view and share counts', async () => {
    const posts = await (await tiktokConnectorFactory.create(context())).object('posts');
    const records = (await collect(posts.listAll())).flatMap((page) => page.records);
    expect(records).toHaveLength(65);
    expect(new Set(records.map((r) => r.id)).size).toBe(65);
    const listCalls = sim.log.entries().filter((e) => e.path.startsWith('/v2/video/list/'));
    expect(
      listCalls.every((e) => (JSON.parse(e.rawBody ?? '{}') as { max_count: number }).max_count <= 20),
    ).toBe(true);
    const video = sim.state.videos.get(records[3]!.id)!;
    expect(records[3]!.data).toMatchObject({
      views: video.view_count,
      shares: video.share_count,
      likes: video.like_count,
    });
    const again = await posts.readByIds([records[0]!.id, records[1]!.id]);
    expect(again.map((r) => r.id).sort()).toEqual([records[0]!.id, records[1]!.id].sort());
  });

  it('refreshes with a rotating refresh token and maps TikTok errors to kinds', async () => {
    expect(await tiktokConnectorFactory.check!(context())).toMatchObject({ ok: true });
    const next = await tiktokClientFor(context()).refresh();
    expect(next.refreshToken).toBeTruthy();
    expect(next.refreshToken).not.toBe(sim.accounts[0]!.refreshToken);
    // The old refresh token was rotated out.
    const reused = await failure(tiktokClientFor(context()).refresh());
    expect(reused).toMatchObject({ kind: 'auth', platformCode: 'invalid_grant' });

    sim.ui.expireAccessToken(next.accessToken);
    const expired = await failure(
      tiktokClientFor(context(), { accessToken: next.accessToken }).postsPage(null),
    );
    expect(expired).toMatchObject({ kind: 'auth', status: 401, platformCode: 'access_token_invalid' });

    const fresh = await tiktokClientFor(context(), {
      accessToken: next.accessToken,
      refreshToken: next.refreshToken,
    }).refresh();
    sim.faults.add({ kind: 'rate_limit', match: { pathIncludes: '/v2/video/list/' } });
    const limited = await failure(tiktokClientFor(context(), fresh).postsPage(null));
    expect(limited).toMatchObject({ kind: 'rate_limited', status: 429, platformCode: 'rate_limit_exceeded' });
    // TikTok announces no wait: the caller backs off (social/sync-account.ts throttleWaitMs), not a flat minute.
    expect(limited.retryAfterMs).toBeUndefined();
  });
});
