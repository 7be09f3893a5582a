/**
 * Auto-sync of social accounts end to end, over real HTTP against the Instagram and TikTok simulators: accounts
 * connected through the API (token pasted, TikTok OAuth code), polling through the scheduler and the worker,
 * webhooks through /api/v1/hooks/:connectionId, token refresh, failure isolation, the tick's budget and the
 * summary of a 50-account tick.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { InstagramSimulator } from '../../src/simulators/instagram/instagram-simulator.js';
import { createInstagramSimulator } from '../../src/simulators/instagram/instagram-simulator.js';
import { createTikTokSimulator, type TikTokSimulator } from '../../src/simulators/tiktok/tiktok-simulator.js';
import { hubSignature256 } from '../../src/simulators/instagram/instagram-webhooks.js';
import { socialSyncDeps } from '../../src/social/social-deps.js';
import { runSocialTick } from '../../src/social/social-tick.js';
import { syncSocialAccount, type SocialSyncDeps } from '../../src/social/sync-account.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';
import { waitFor } from './wait-for.js';

const VERIFY_TOKEN = 'verify-token-for-tests';
const DAY = 86_400_000;

describeApi('social auto-sync', (get) => {
  let ig: InstagramSimulator;
  let tt: TikTokSimulator;
  let address: string;
  let deps: SocialSyncDeps;
  const ids = { igConnection: '', ttConnection: '', ig1: '', ig2: '', tt1: '', tt2: '' };

  const postsOf = async (w: ApiWorld, accountId: string) =>
    (await w.ctx.repos.socialPosts.list(w.a.org.id, { accountId, limit: 200 })).data;
  const logsOf = async (
    w: ApiWorld,
    filter: { accountId?: string; trigger?: 'cron' | 'webhook' | 'manual' },
  ) => (await w.ctx.repos.socialSyncLogs.list(w.a.org.id, { ...filter, limit: 200 })).data;

  beforeAll(async () => {
    const w = get();
    ig = await createInstagramSimulator({ accounts: 2, seedRecords: 5, mediaEvents: true });
    tt = await createTikTokSimulator({ accounts: 2, seedRecords: 5 });
    address = await w.app.listen({ port: 0, host: '127.0.0.1' });
    await w.runtime.start();
    deps = socialSyncDeps(w.ctx.store, w.ctx.box);

    const connection = async (connector: string, body: Record<string, unknown>) => {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/connections',
        key: w.a.keys.admin,
        payload: { name: unique(connector), connector, ...body },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    ids.igConnection = await connection('instagram', {
      settings: { baseUrl: ig.url },
      credentials: { appSecret: ig.appSecret, verifyToken: VERIFY_TOKEN },
    });
    ids.ttConnection = await connection('tiktok', {
      settings: { baseUrl: tt.url },
      credentials: { clientKey: tt.clientKey, clientSecret: tt.clientSecret },
    });
    const connect = async (payload: Record<string, unknown>) => {
      const res = await w.inject({
        method: 'POST',
        url: '/api/v1/social-accounts',
        key: w.a.keys.admin,
        payload,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.body).not.toContain('accessToken');
      return res.json().id as string;
    };
    ids.ig1 = await connect({ connectionId: ids.igConnection, accessToken: ig.accounts[0]!.accessToken });
    ids.ig2 = await connect({ connectionId: ids.igConnection, accessToken: ig.accounts[1]!.accessToken });
    ids.tt1 = await connect({
      connectionId: ids.ttConnection,
      accessToken: tt.accounts[0]!.accessToken,
      refreshToken: tt.accounts[0]!.refreshToken,
      expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
    });
    // The second TikTok user connects with OAuth: the authorization page's redirect carries a code.
    const redirectUri = `${address}/social/accounts`;
    const urlRes = await w.inject({
      method: 'POST',
      url: '/api/v1/social-accounts/authorize-url',
      key: w.a.keys.admin,
      payload: { connectionId: ids.ttConnection, redirectUri, state: 'xyz' },
    });
    expect(urlRes.statusCode, urlRes.body).toBe(200);
    const authorize = new URL(urlRes.json().url);
    authorize.searchParams.set('sim_open_id', tt.accounts[1]!.openId);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('xyz');
    ids.tt2 = await connect({
      connectionId: ids.ttConnection,
      code: back.searchParams.get('code'),
      redirectUri,
    });
  });

  afterAll(async () => {
    await ig?.close();
    await tt?.close();
  });

  it('stores every account’s posts with metrics on the first tick, one log row per account', async () => {
    const w = get();
    const summary = await runSocialTick(deps, w.a.org.id);
    expect(summary).toMatchObject({ total: 4, synced: 4, failed: 0, errors: [] });
    for (const id of [ids.ig1, ids.ig2, ids.tt1, ids.tt2]) {
      expect(await postsOf(w, id)).toHaveLength(5);
      expect(await logsOf(w, { accountId: id, trigger: 'cron' })).toMatchObject([
        { status: 'success', postsFound: 5, postsSynced: 5, errorMessage: null },
      ]);
    }
    const igMedia = ig.state.mediaOf(ig.accounts[0]!.igUserId)[0]!;
    const stored = (await postsOf(w, ids.ig1)).find((p) => p.externalId === igMedia.id);
    expect(stored).toMatchObject({ likes: igMedia.like_count, comments: igMedia.comments_count });
    const account = await w.ctx.repos.socialAccounts.get(w.a.org.id, ids.tt2);
    expect(account).toMatchObject({ lastSyncStatus: 'success', problem: null });
    expect(account?.lastAutoSyncAt).not.toBeNull();
  });

  it('a post published in the simulator appears after the next cron tick (scheduler → social.tick on the worker)', async () => {
    const w = get();
    const igPost = ig.ui.publish(ig.accounts[1]!.igUserId, { caption: 'polled post' });
    const ttPost = tt.ui.publish(tt.accounts[1]!.openId, { title: 'polled video' });
    // Metrics change without any signal: the next tick re-reads recent posts.
    const older = ig.state.mediaOf(ig.accounts[0]!.igUserId)[1]!;
    ig.ui.setMetrics(older.id, { like_count: older.like_count + 7 });

    // The last tick was 20 minutes ago, so the 15-minute schedule is due.
    const key = `social:${w.a.org.id}`;
    await w.ctx.store.db.deleteFrom('runtime_schedules').where('key', '=', key).execute();
    await w.ctx.store.db
      .insertInto('runtime_schedules')
      .values({ key, last_tick_at: new Date(Date.now() - 20 * 60_000).toISOString() })
      .execute();
    expect(await w.runtime.scheduler.tick()).toContain(key);

    await waitFor(
      async () => (await postsOf(w, ids.ig2)).find((p) => p.externalId === igPost.id),
      'the Instagram post',
    );
    await waitFor(
      async () => (await postsOf(w, ids.tt2)).find((p) => p.externalId === ttPost.id),
      'the TikTok video',
    );
    const changed = await waitFor(
      async () =>
        (await postsOf(w, ids.ig1)).find(
          (p) => p.externalId === older.id && p.likes === older.like_count + 7,
        ),
      'the new like count',
    );
    expect(changed.caption).toBe(older.caption);
    const runs = await w.ctx.repos.runs.list(w.a.org.id, { kind: 'social.tick' } as never);
    expect(runs.data.length).toBeGreaterThan(0);
    await waitFor(async () => (await logsOf(w, { trigger: 'cron' })).length >= 8, 'second cron log rows');
    expect(await logsOf(w, { accountId: ids.ig2, trigger: 'cron' })).toMatchObject([
      { status: 'success', postsSynced: 1 },
      { status: 'success' },
    ]);
  });

  it('webhooks: a verified Instagram or TikTok event syncs that account only, within seconds', async () => {
    const w = get();
    expect(await ig.subscribe(`${address}/api/v1/hooks/${ids.igConnection}`, VERIFY_TOKEN)).toEqual({
      verified: true,
      status: 200,
    });
    tt.setCallbackUrl(`${address}/api/v1/hooks/${ids.ttConnection}`);
    const started = Date.now();
    const igPost = ig.ui.publish(ig.accounts[0]!.igUserId, { caption: 'pushed post' });
    const ttPost = tt.ui.publish(tt.accounts[0]!.openId, { title: 'pushed video' });
    await waitFor(
      async () => (await postsOf(w, ids.ig1)).find((p) => p.externalId === igPost.id),
      'the webhook-synced Instagram post',
      5_000,
    );
    await waitFor(
      async () => (await postsOf(w, ids.tt1)).find((p) => p.externalId === ttPost.id),
      'the webhook-synced TikTok video',
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await logsOf(w, { accountId: ids.ig1, trigger: 'webhook' })).toHaveLength(1);
    expect(await logsOf(w, { accountId: ids.tt1, trigger: 'webhook' })).toHaveLength(1);
    // The other accounts of the same connections were not synced by these events.
    expect(await logsOf(w, { accountId: ids.ig2, trigger: 'webhook' })).toHaveLength(0);
    expect(await logsOf(w, { accountId: ids.tt2, trigger: 'webhook' })).toHaveLength(0);
  });

  it('rejects a forged webhook and a wrong handshake token; nothing is synced', async () => {
    const w = get();
    // The previous test saw its posts land; its jobs may still be settling. Start from an idle queue.
    await waitFor(async () => (await w.runtime.queue.pending()) === 0, 'an idle queue');
    const before = (await logsOf(w, {})).length;
    const body = JSON.stringify({
      object: 'instagram',
      entry: [
        { id: ig.accounts[1]!.igUserId, time: 1, changes: [{ field: 'media', value: { media_id: '1' } }] },
      ],
    });
    const forged = await fetch(`${address}/api/v1/hooks/${ids.igConnection}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-hub-signature-256': hubSignature256('not-the-secret', body),
      },
      body,
    });
    expect(forged.status).toBe(401);
    const tiktokForged = await fetch(`${address}/api/v1/hooks/${ids.ttConnection}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tiktok-signature': `t=${Math.floor(Date.now() / 1000)},s=00`,
      },
      body: JSON.stringify({ event: 'video.publish.completed', user_openid: tt.accounts[1]!.openId }),
    });
    expect(tiktokForged.status).toBe(401);
    const handshake = await fetch(
      `${address}/api/v1/hooks/${ids.igConnection}?hub.mode=subscribe&hub.challenge=123&hub.verify_token=wrong`,
    );
    expect(handshake.status).toBe(403);
    expect(await w.runtime.queue.pending()).toBe(0);
    expect((await logsOf(w, {})).length).toBe(before);
  });

  it('refreshes tokens that expire soon during the tick (Instagram long-lived, TikTok OAuth)', async () => {
    const w = get();
    const accounts = w.ctx.repos.socialAccounts;
    const igToken = ig.ui.issueToken(ig.accounts[1]!.igUserId, { issuedAgoMs: 58 * DAY });
    await accounts.setTokens(
      w.a.org.id,
      ids.ig2,
      { accessToken: igToken.token },
      new Date(igToken.expiresMs).toISOString(),
    );
    const ttTokens = await accounts.tokens(w.a.org.id, ids.tt1);
    await accounts.setTokens(w.a.org.id, ids.tt1, ttTokens!, new Date(Date.now() + 5 * 60_000).toISOString());

    const summary = await runSocialTick(deps, w.a.org.id);
    expect(summary).toMatchObject({ total: 4, synced: 4, failed: 0 });
    const igAfter = await accounts.get(w.a.org.id, ids.ig2);
    expect((await accounts.tokens(w.a.org.id, ids.ig2))?.accessToken).not.toBe(igToken.token);
    expect(Date.parse(igAfter!.tokenExpiresAt!)).toBeGreaterThan(Date.now() + 59 * DAY);
    const ttAfter = await accounts.tokens(w.a.org.id, ids.tt1);
    expect(ttAfter?.accessToken).not.toBe(ttTokens?.accessToken);
    expect(ttAfter?.refreshToken).not.toBe(ttTokens?.refreshToken);
    expect(Date.parse((await accounts.get(w.a.org.id, ids.tt1))!.tokenExpiresAt!)).toBeGreaterThan(
      Date.now() + 3600_000,
    );
    // The rotated-out refresh token no longer works at the simulator: the new one was stored.
    expect(tt.state.refreshTokens.has(ttTokens!.refreshToken!)).toBe(false);
  });

  it('an account whose refresh fails is marked and skipped while the others sync', async () => {
    const w = get();
    const accounts = w.ctx.repos.socialAccounts;
    const tokens = await accounts.tokens(w.a.org.id, ids.tt2);
    tt.ui.expireAccessToken(tokens!.accessToken);
    await accounts.setTokens(
      w.a.org.id,
      ids.tt2,
      { accessToken: tokens!.accessToken, refreshToken: 'rft.revoked-or-bogus' },
      new Date(Date.now() + 60_000).toISOString(),
    );
    const summary = await runSocialTick(deps, w.a.org.id);
    expect(summary).toMatchObject({ total: 4, synced: 3, failed: 1 });
    expect(summary.errors).toEqual([
      expect.objectContaining({
        accountId: ids.tt2,
        message: expect.stringContaining('token refresh failed'),
      }),
    ]);
    const marked = await accounts.get(w.a.org.id, ids.tt2);
    expect(marked?.problem).toContain('invalid_grant');
    expect(marked?.lastSyncStatus).toBe('error');
    expect(await logsOf(w, { accountId: ids.tt2, trigger: 'cron' })).toMatchObject([
      { status: 'error', errorMessage: expect.stringContaining('token refresh failed') },
      { status: 'success' },
      { status: 'success' },
      { status: 'success' },
    ]);
    const next = await runSocialTick(deps, w.a.org.id);
    expect(next).toMatchObject({ total: 3, synced: 3, failed: 0 });

    // Reconnecting (a new OAuth grant) clears the mark.
    const code = tt.authorize(tt.accounts[1]!.openId, `${address}/cb`).token;
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/social-accounts',
      key: w.a.keys.admin,
      payload: { connectionId: ids.ttConnection, code, redirectUri: `${address}/cb` },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ id: ids.tt2, problem: null });
  });

  it('the tick budget checkpoints an account mid-walk; the next tick continues where it stopped', async () => {
    const w = get();
    const org = await w.ctx.repos.organizations.create({ name: 'Budget', slug: unique('budget') });
    const sim = await createInstagramSimulator({ accounts: 1, seedRecords: 120 });
    try {
      const connection = await w.ctx.repos.connections.create(org.id, {
        name: 'ig',
        connector: 'instagram',
        settings: { baseUrl: sim.url },
        credentials: { appSecret: sim.appSecret },
      });
      const account = await w.ctx.repos.socialAccounts.create(org.id, {
        connectionId: connection.id,
        platform: 'instagram',
        platformUserId: sim.accounts[0]!.igUserId,
        username: sim.accounts[0]!.username,
        tokens: { accessToken: sim.accounts[0]!.accessToken },
        tokenExpiresAt: new Date(Date.now() + 50 * DAY).toISOString(),
      });
      // A clock that jumps 10 s at every platform call: with a 5 s budget, one page of 50 is read.
      let offset = 0;
      const slow: SocialSyncDeps = {
        ...deps,
        now: () => Date.now() + offset,
        throttle: async () => {
          offset += 10_000;
        },
      };
      const first = await runSocialTick(slow, org.id, { budgetMs: 5_000 });
      expect(first).toMatchObject({ total: 1, synced: 0, failed: 0, pending: 1 });
      const cut = await w.ctx.repos.socialAccounts.get(org.id, account.id);
      expect(cut?.checkpoint?.cursor).toBeTruthy();
      expect(
        (await w.ctx.repos.socialPosts.list(org.id, { accountId: account.id, limit: 200 })).data,
      ).toHaveLength(50);

      const second = await runSocialTick(deps, org.id);
      expect(second).toMatchObject({ total: 1, synced: 1, failed: 0, pending: 0 });
      const posts = (await w.ctx.repos.socialPosts.list(org.id, { accountId: account.id, limit: 200 })).data;
      expect(new Set(posts.map((p) => p.externalId)).size).toBe(120);
      const logs = (await w.ctx.repos.socialSyncLogs.list(org.id, { accountId: account.id })).data;
      expect(logs.map((l) => [l.status, l.postsSynced])).toEqual([
        ['success', 70],
        ['partial', 50],
      ]);
      expect((await w.ctx.repos.socialAccounts.get(org.id, account.id))?.checkpoint).toBeNull();
    } finally {
      await sim.close();
    }
  });

  it('a manual Instagram sync that meets one 500 sends the page again after 1 s and succeeds', async () => {
    const w = get();
    ig.faults.add({ kind: 'status', status: 500, match: { pathIncludes: '/media' } });
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/social-accounts/${ids.ig1}/sync`,
      key: w.a.keys.editor,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'success', error: null });
    expect(res.json().durationMs).toBeGreaterThanOrEqual(1000);
    expect((await logsOf(w, { accountId: ids.ig1, trigger: 'manual' }))[0]).toMatchObject({
      status: 'success',
    });
  });

  it('waits inside the run: TikTok 429s without Retry-After back off 1, 2, 4 s (not a minute); 500s three times, then error', async () => {
    const w = get();
    const account = (await w.ctx.repos.socialAccounts.get(w.a.org.id, ids.tt1))!;
    // The run's clock moves with its waits, so the deadline is tested without sitting them out.
    let offset = 0;
    const waits: number[] = [];
    const penalized: number[] = [];
    const timed: SocialSyncDeps = {
      db: deps.db,
      box: deps.box,
      now: () => Date.now() + offset,
      sleep: async (ms) => {
        waits.push(ms);
        offset += ms;
      },
      penalize: async (_key, ms) => {
        penalized.push(ms);
      },
    };
    const run = (budgetMs: number) =>
      syncSocialAccount(timed, account, { trigger: 'manual', deadline: Date.now() + offset + budgetMs });

    tt.faults.add({ kind: 'rate_limit', count: 3, match: { pathIncludes: '/v2/video/list/' } });
    const throttled = await run(60_000);
    expect(throttled).toMatchObject({ status: 'success', error: null });
    expect(waits).toEqual([1000, 2000, 4000]);
    // The shared bucket hears each wait, so other accounts of the app hold off too.
    expect(penalized).toEqual([1000, 2000, 4000]);

    // A storm longer than the run's budget: partial, to continue from its checkpoint, never failed.
    waits.length = 0;
    tt.faults.add({ kind: 'rate_limit', count: 20, match: { pathIncludes: '/v2/video/list/' } });
    const storm = await run(10_000);
    expect(storm.status).toBe('partial');
    expect(storm.error).toMatch(/rate limit budget used up/);
    expect(waits).toEqual([1000, 2000, 4000]);
    tt.faults.clear();

    waits.length = 0;
    tt.faults.add({ kind: 'status', status: 500, count: 4, match: { pathIncludes: '/v2/video/list/' } });
    const broken = await run(60_000);
    expect(broken.status).toBe('error');
    expect(broken.error).toMatch(/500/);
    expect(waits).toEqual([1000, 2000, 4000]);
    tt.faults.clear();
  });

  it('50 accounts with 2 failing → {total: 50, synced: 48, failed: 2, errors: […]}, one log row each', async () => {
    const w = get();
    const org = await w.ctx.repos.organizations.create({ name: 'Fifty', slug: unique('fifty') });
    const sim = await createInstagramSimulator({ accounts: 50, seedRecords: 3 });
    try {
      const connection = await w.ctx.repos.connections.create(org.id, {
        name: 'ig',
        connector: 'instagram',
        settings: { baseUrl: sim.url },
        credentials: { appSecret: sim.appSecret },
      });
      const created = [];
      for (const a of sim.accounts)
        created.push(
          await w.ctx.repos.socialAccounts.create(org.id, {
            connectionId: connection.id,
            platform: 'instagram',
            platformUserId: a.igUserId,
            username: a.username,
            tokens: { accessToken: a.accessToken },
            tokenExpiresAt: new Date(Date.now() + 50 * DAY).toISOString(),
          }),
        );
      const failing = [created[7]!, created[31]!];
      sim.ui.revokeToken(sim.accounts[7]!.accessToken);
      sim.ui.revokeToken(sim.accounts[31]!.accessToken);

      const summary = await runSocialTick(deps, org.id, { concurrency: 8 });
      expect(summary).toMatchObject({ total: 50, synced: 48, failed: 2, pending: 0 });
      expect(summary.errors.map((e) => e.accountId).sort()).toEqual(failing.map((a) => a.id).sort());
      for (const e of summary.errors) expect(e.message).toMatch(/token/i);
      const logs = (await w.ctx.repos.socialSyncLogs.list(org.id, { limit: 200 })).data;
      expect(logs).toHaveLength(50);
      expect(
        logs
          .filter((l) => l.status === 'error')
          .map((l) => l.accountId)
          .sort(),
      ).toEqual(failing.map((a) => a.id).sort());
      expect(logs.filter((l) => l.status === 'success').every((l) => l.postsSynced === 3)).toBe(true);
    } finally {
      await sim.close();
    }
  });
});
