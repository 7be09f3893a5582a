/**
 * @module The social part of the demo: in demo mode `datasync start` runs the Instagram and TikTok simulators in
 * this process (two seeded accounts each; the first of each posts every few minutes) and gives the demo
 * organization a connection per simulator with both accounts connected and auto-sync on. The simulators live in
 * memory and get a new port on every start, so each start points the connections at them again; their webhooks
 * come back to this server once it listens, so new posts show up within seconds and polling stays the safety net.
 */
import type { AppContext } from '../app/context.js';
import { errorMessage } from '../lib/errors.js';
import type { Queue } from '../runtime/queue/queue.js';
import {
  createInstagramSimulator,
  type InstagramSimulator,
} from '../simulators/instagram/instagram-simulator.js';
import { createTikTokSimulator, type TikTokSimulator } from '../simulators/tiktok/tiktok-simulator.js';
import { enqueueSocialTick } from './social-schedule.js';

/** How often the first account of each simulator publishes (wall clock). */
export const DEMO_POST_EVERY_MS = 3 * 60_000;
const DEMO_VERIFY_TOKEN = 'datasync-demo-verify-token';

export interface SocialDemo {
  instagram: InstagramSimulator;
  tiktok: TikTokSimulator;
  /** Points the simulators' webhooks at this server (call once it listens) and queues a first poll. */
  connectWebhooks(serverUrl: string, queue: Queue): Promise<void>;
  close(): Promise<void>;
}

async function upsertConnection(
  ctx: AppContext,
  orgId: string,
  connector: 'instagram' | 'tiktok',
  baseUrl: string,
  credentials: Record<string, string>,
): Promise<string> {
  const existing = (await ctx.repos.connections.list(orgId, { connector, limit: 200 })).data.find(
    (c) => c.settings.demo === true,
  );
  const settings = { baseUrl, demo: true };
  if (existing) {
    await ctx.repos.connections.update(orgId, existing.id, { settings, credentials });
    return existing.id;
  }
  const name = connector === 'instagram' ? 'Instagram (demo simulator)' : 'TikTok (demo simulator)';
  return (await ctx.repos.connections.create(orgId, { name, connector, settings, credentials })).id;
}

async function upsertAccount(
  ctx: AppContext,
  orgId: string,
  input: {
    connectionId: string;
    platform: 'instagram' | 'tiktok';
    platformUserId: string;
    username: string;
    tokens: { accessToken: string; refreshToken?: string };
    expiresAt: string;
  },
): Promise<void> {
  const found = await ctx.repos.socialAccounts.findByPlatformUser(
    orgId,
    input.connectionId,
    input.platformUserId,
  );
  if (found) {
    // A fresh in-memory simulator: its seeded tokens are valid again and its posts start over.
    await ctx.repos.socialAccounts.setTokens(orgId, found.id, input.tokens, input.expiresAt);
    return;
  }
  await ctx.repos.socialAccounts.create(orgId, {
    connectionId: input.connectionId,
    platform: input.platform,
    platformUserId: input.platformUserId,
    username: input.username,
    tokens: input.tokens,
    tokenExpiresAt: input.expiresAt,
  });
}

/** Starts the simulators and seeds the demo organization's social accounts; undefined without a demo org. */
export async function startSocialDemo(ctx: AppContext): Promise<SocialDemo | undefined> {
  const org = await ctx.repos.organizations.bySlug('acme');
  if (!org) return undefined;
  const instagram = await createInstagramSimulator({
    accounts: 2,
    seedRecords: 12,
    mediaEvents: true,
    postEveryMs: DEMO_POST_EVERY_MS,
  });
  const tiktok = await createTikTokSimulator({
    accounts: 2,
    seedRecords: 12,
    postEveryMs: DEMO_POST_EVERY_MS,
  });
  const igConnection = await upsertConnection(ctx, org.id, 'instagram', instagram.url, {
    appSecret: instagram.appSecret,
    verifyToken: DEMO_VERIFY_TOKEN,
  });
  const ttConnection = await upsertConnection(ctx, org.id, 'tiktok', tiktok.url, {
    clientKey: tiktok.clientKey,
    clientSecret: tiktok.clientSecret,
  });
  const in58Days = new Date(Date.now() + 58 * 86_400_000).toISOString();
  for (const a of instagram.accounts)
    await upsertAccount(ctx, org.id, {
      connectionId: igConnection,
      platform: 'instagram',
      platformUserId: a.igUserId,
      username: a.username,
      tokens: { accessToken: a.accessToken },
      expiresAt: in58Days,
    });
  for (const [i, a] of tiktok.accounts.entries())
    await upsertAccount(ctx, org.id, {
      connectionId: ttConnection,
      platform: 'tiktok',
      platformUserId: a.openId,
      username: `sim_tiktoker_${i + 1}`,
      tokens: { accessToken: a.accessToken, refreshToken: a.refreshToken },
      expiresAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
    });
  ctx.logger.info({ instagram: instagram.url, tiktok: tiktok.url }, 'social demo simulators running');

  return {
    instagram,
    tiktok,
    async connectWebhooks(serverUrl, queue) {
      tiktok.setCallbackUrl(`${serverUrl}/api/v1/hooks/${ttConnection}`);
      const subscribed = await instagram.subscribe(
        `${serverUrl}/api/v1/hooks/${igConnection}`,
        DEMO_VERIFY_TOKEN,
      );
      if (!subscribed.verified)
        ctx.logger.warn(
          { status: subscribed.status, error: subscribed.error },
          'demo Instagram webhooks not subscribed',
        );
      // The first scheduled poll may be up to 15 minutes away: poll once now so the accounts fill at once.
      await ctx.store.db
        .transaction()
        .execute((trx) => enqueueSocialTick(trx, queue, { orgId: org.id, trigger: 'manual' }))
        .catch((error: unknown) =>
          ctx.logger.warn({ err: errorMessage(error) }, 'demo social tick not queued'),
        );
    },
    async close() {
      await instagram.close();
      await tiktok.close();
    },
  };
}
