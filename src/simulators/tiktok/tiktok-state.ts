/**
 * @module The data behind the TikTok simulator: users (open_id), their public videos, and OAuth grants.
 * Videos keep a creation time in milliseconds that is unique per user, because the documented list cursor is a
 * millisecond timestamp ("videos posted before the provided timestamp"): with unique times, resuming strictly
 * before the last returned video sees every video exactly once. `create_time` is shown in seconds (documented).
 * Tokens (developers.tiktok.com/doc/oauth-user-access-token-management, latest revision): access tokens last
 * 2 hours (`expires_in`), refresh tokens 180 days (`refresh_expires_in`, both configurable); a refresh rotates the
 * refresh token (the old one stops working). Choice: an access token stays valid until its own expiry after a
 * refresh; authorization codes are single-use and expire after 5 minutes.
 */
import { randomBytes } from 'node:crypto';
import { SimStore } from '../kit/sim-store.js';

export const ACCESS_TOKEN_TTL_S = 2 * 60 * 60;
export const REFRESH_TOKEN_TTL_S = 180 * 24 * 60 * 60;
export const AUTH_CODE_TTL_MS = 5 * 60 * 1000;
export const ALL_SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'] as const;

export interface TikTokUser {
  id: string;
  open_id: string;
  union_id: string;
  display_name: string;
  username: string;
  bio_description: string;
  is_verified: boolean;
  follower_count: number;
  following_count: number;
  likes_count: number;
}

export interface TikTokVideo {
  id: string;
  openId: string;
  createMs: number;
  title: string;
  video_description: string;
  duration: number;
  height: number;
  width: number;
  like_count: number;
  comment_count: number;
  share_count: number;
  view_count: number;
}

export interface Grant {
  token: string;
  openId: string;
  scopes: string[];
  expiresMs: number;
}

export interface AuthCode extends Grant {
  redirectUri: string;
}

export class TikTokState {
  readonly users = new SimStore<TikTokUser>();
  readonly videos = new SimStore<TikTokVideo>();
  readonly accessTokens = new Map<string, Grant>();
  readonly refreshTokens = new Map<string, Grant>();
  readonly codes = new Map<string, AuthCode>();
  private videoSeq = 0;

  constructor(
    readonly accessTtlS = ACCESS_TOKEN_TTL_S,
    readonly refreshTtlS = REFRESH_TOKEN_TTL_S,
  ) {}

  newVideoId(): string {
    this.videoSeq += 1;
    return String(7_300_000_000_000_000_000n + BigInt(this.videoSeq));
  }

  videosOf(openId: string): TikTokVideo[] {
    return this.videos
      .values()
      .filter((v) => v.openId === openId)
      .sort((a, b) => b.createMs - a.createMs);
  }

  nextCreateMs(openId: string, nowMs: number): number {
    const newest = this.videosOf(openId)[0]?.createMs ?? -Infinity;
    return Math.max(nowMs, newest + 1);
  }

  /** Issues an access + refresh token pair; `fixed` gives deterministic strings for seeded accounts. */
  issue(openId: string, scopes: string[], nowMs: number, fixed?: { access: string; refresh: string }) {
    const access: Grant = {
      token: fixed?.access ?? `act.${randomBytes(24).toString('hex')}`,
      openId,
      scopes,
      expiresMs: nowMs + this.accessTtlS * 1000,
    };
    const refresh: Grant = {
      token: fixed?.refresh ?? `rft.${randomBytes(24).toString('hex')}`,
      openId,
      scopes,
      expiresMs: nowMs + this.refreshTtlS * 1000,
    };
    this.accessTokens.set(access.token, access);
    this.refreshTokens.set(refresh.token, refresh);
    return { access, refresh };
  }

  createCode(openId: string, scopes: string[], redirectUri: string, nowMs: number): AuthCode {
    const code: AuthCode = {
      token: randomBytes(16).toString('base64url'),
      openId,
      scopes,
      redirectUri,
      expiresMs: nowMs + AUTH_CODE_TTL_MS,
    };
    this.codes.set(code.token, code);
    return code;
  }

  /** Ends every grant a user gave this app (revocation, "authorization.removed"). */
  revokeUser(openId: string): void {
    for (const map of [this.accessTokens, this.refreshTokens])
      for (const [token, grant] of map) if (grant.openId === openId) map.delete(token);
  }
}
