/**
 * @module The `tiktok` connector: one TikTok user per client, object `posts` (videos with like, comment, share and
 * view counts). The connection is the TikTok app: settings `baseUrl` (default open.tiktokapis.com), `timeoutMs`;
 * credentials `clientKey`, `clientSecret` (OAuth and webhook signatures) and, for a connection used on its own,
 * `accessToken` / `refreshToken`. Social accounts (src/social/) bring their own tokens.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { SOCIAL_POSTS_SPEC, SocialPostsObject } from '../social-posts-object.js';
import { TIKTOK_API, TikTokClient, tiktokTokenCall, type TikTokApp } from './tiktok-client.js';

/** Documented: 600 requests per minute per endpoint (developers.tiktok.com/doc/tiktok-api-v2-rate-limit). */
export const TIKTOK_RATE_LIMIT: RateLimit = { requests: 600, intervalMs: 60_000, burst: 50 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'>;

export function tiktokAppOf(context: Context): TikTokApp {
  const timeoutMs = Number(context.settings.timeoutMs);
  return {
    baseUrl: baseUrlOf(context.settings, TIKTOK_API),
    clientKey: context.credentials.clientKey,
    clientSecret: context.credentials.clientSecret,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
  };
}

export function tiktokClientFor(
  context: Context,
  account: { accessToken?: string | undefined; refreshToken?: string | undefined } = {},
): TikTokClient {
  const accessToken = account.accessToken ?? context.credentials.accessToken;
  if (!accessToken) throw new ConnectorError('validation', 'tiktok needs an access token');
  return new TikTokClient({
    ...tiktokAppOf(context),
    accessToken,
    refreshToken: account.refreshToken ?? context.credentials.refreshToken,
  });
}

/** The authorization-code exchange of TikTok's Login Kit. */
export function exchangeTikTokCode(context: Context, code: string, redirectUri: string) {
  return tiktokTokenCall(
    tiktokAppOf(context),
    { grant_type: 'authorization_code', code, redirect_uri: redirectUri },
    'exchange code',
  );
}

export function tiktokConnector(context: Context): Connector {
  const client = tiktokClientFor(context);
  return {
    name: 'tiktok',
    rateLimit: TIKTOK_RATE_LIMIT,
    auth: {
      kind: 'oauth2',
      async refresh(tokens) {
        const next = await tiktokClientFor(context, tokens).refresh();
        return {
          accessToken: next.accessToken,
          ...(next.refreshToken ? { refreshToken: next.refreshToken } : {}),
          ...(next.expiresAt ? { expiresAt: next.expiresAt } : {}),
        };
      },
    },
    objects: async () => [SOCIAL_POSTS_SPEC],
    async object(name) {
      if (name !== 'posts') throw new ConnectorError('not_found', `TikTok object "${name}" does not exist`);
      return new SocialPostsObject(client, 'TikTok');
    },
  };
}

export const tiktokConnectorFactory: ConnectorFactory = {
  name: 'tiktok',
  rateLimit: TIKTOK_RATE_LIMIT,
  create: (context) => tiktokConnector(context),
  check: (context) =>
    checkWith('TikTok', async () => {
      if (!context.credentials.accessToken) {
        if (!context.credentials.clientKey || !context.credentials.clientSecret)
          throw new ConnectorError('validation', 'set clientKey and clientSecret');
        return 'app credentials set; accounts are checked when they connect';
      }
      const profile = await tiktokClientFor(context).profile();
      return `token reads ${profile.username}`;
    }),
};
