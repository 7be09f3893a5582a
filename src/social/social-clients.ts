/**
 * @module A social account's platform client, from its connection (the platform app: base URL, app credentials)
 * and its own tokens, plus the rate-limit bucket its calls draw from: Instagram limits each account, TikTok the
 * app (so every account of a TikTok connection shares one bucket).
 */
import { INSTAGRAM_RATE_LIMIT, instagramClientFor } from '../connectors/instagram/instagram-connector.js';
import type { SocialClient } from '../connectors/social-post.js';
import { TIKTOK_RATE_LIMIT, tiktokClientFor } from '../connectors/tiktok/tiktok-connector.js';
import { bucketForWindow, type RateLimit } from '../runtime/rate-limiter.js';
import type { AccountTokens, SocialAccount } from '../store/repositories/social-accounts.js';
import type { SocialPlatform } from '../store/schema.js';

export const SOCIAL_PLATFORMS = ['instagram', 'tiktok'] as const satisfies readonly SocialPlatform[];

export interface AppConnection {
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
}

export function socialClientFor(
  platform: SocialPlatform,
  connection: AppConnection,
  tokens: AccountTokens,
  platformUserId?: string,
): SocialClient {
  if (platform === 'instagram')
    return instagramClientFor(connection, {
      accessToken: tokens.accessToken,
      ...(platformUserId ? { userId: platformUserId } : {}),
    });
  return tiktokClientFor(connection, tokens);
}

export function rateBucketOf(account: Pick<SocialAccount, 'platform' | 'platformUserId' | 'connectionId'>): {
  key: string;
  limit: RateLimit;
} {
  const declared = account.platform === 'instagram' ? INSTAGRAM_RATE_LIMIT : TIKTOK_RATE_LIMIT;
  // Sized from the window, like the connectors' buckets, so no window can hold more than the allowance by
  // construction rather than by the limiter's generic 10% headroom (test/runtime/rate-buckets.test.ts).
  const limit = bucketForWindow(declared);
  return account.platform === 'instagram'
    ? { key: `social:instagram:${account.platformUserId}`, limit }
    : { key: `connection:${account.connectionId}`, limit };
}

/**
 * How long before expiry a token is refreshed: Instagram's long-lived tokens last 60 days (a week ahead leaves
 * room for failures); TikTok's access tokens last 2 hours, so anything expiring before the tick after next.
 */
export const REFRESH_AHEAD_MS: Record<SocialPlatform, number> = {
  instagram: 7 * 24 * 60 * 60 * 1000,
  tiktok: 35 * 60 * 1000,
};

export function expiresSoon(platform: SocialPlatform, expiresAt: string | null, now: number): boolean {
  if (!expiresAt) return false;
  return Date.parse(expiresAt) - now <= REFRESH_AHEAD_MS[platform];
}
