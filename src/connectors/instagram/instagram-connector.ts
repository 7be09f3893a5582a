/**
 * @module The `instagram` connector: one Instagram professional account per client, object `posts` (media with
 * like and comment counts). The connection is the Meta app: settings `baseUrl` (default graph.instagram.com),
 * `timeoutMs`; credentials `appSecret` (webhook signatures), `verifyToken` (subscription handshake) and, for a
 * connection used on its own, `accessToken`. Social accounts (src/social/) bring their own tokens.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { SOCIAL_POSTS_SPEC, SocialPostsObject } from '../social-posts-object.js';
import { INSTAGRAM_API, InstagramClient } from './instagram-client.js';

/**
 * Meta's Business Use Case limit for Instagram is 4800 × impressions per 24 h per account; the simulator models
 * 200 calls per rolling hour per account (docs/simulators/instagram.md), the conservative figure used here.
 */
export const INSTAGRAM_RATE_LIMIT: RateLimit = { requests: 200, intervalMs: 60 * 60 * 1000, burst: 20 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'>;

export function instagramClientFor(
  context: Context,
  account: { accessToken?: string; userId?: string } = {},
): InstagramClient {
  const accessToken = account.accessToken ?? context.credentials.accessToken;
  if (!accessToken) throw new ConnectorError('validation', 'instagram needs an access token');
  const timeoutMs = Number(context.settings.timeoutMs);
  return new InstagramClient({
    baseUrl: baseUrlOf(context.settings, INSTAGRAM_API),
    accessToken,
    ...(account.userId ? { userId: account.userId } : {}),
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
  });
}

export function instagramConnector(context: Context): Connector {
  const client = instagramClientFor(context);
  return {
    name: 'instagram',
    rateLimit: INSTAGRAM_RATE_LIMIT,
    auth: {
      kind: 'oauth2',
      async refresh(tokens) {
        const next = await instagramClientFor(context, { accessToken: tokens.accessToken }).refresh();
        return { accessToken: next.accessToken, ...(next.expiresAt ? { expiresAt: next.expiresAt } : {}) };
      },
    },
    objects: async () => [SOCIAL_POSTS_SPEC],
    async object(name) {
      if (name !== 'posts')
        throw new ConnectorError('not_found', `Instagram object "${name}" does not exist`);
      return new SocialPostsObject(client, 'Instagram');
    },
  };
}

export const instagramConnectorFactory: ConnectorFactory = {
  name: 'instagram',
  rateLimit: INSTAGRAM_RATE_LIMIT,
  create: (context) => instagramConnector(context),
  check: (context) =>
    checkWith('Instagram', async () => {
      if (!context.credentials.accessToken) {
        if (!context.credentials.appSecret)
          throw new ConnectorError('validation', 'set appSecret (webhooks) or accessToken');
        return 'app secret set; accounts are checked when they connect';
      }
      const profile = await instagramClientFor(context).profile();
      return `token reads @${profile.username}`;
    }),
};
