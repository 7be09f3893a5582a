/**
 * @module The data behind the Instagram simulator: professional accounts (IG users), their media with metrics, and
 * access tokens. Tokens follow the documented lifecycle (instagram-platform/reference/access_token and
 * refresh_access_token): short-lived tokens last 1 hour and can be exchanged for a long-lived one; long-lived
 * tokens last 60 days and can be refreshed once at least 24 hours old and unexpired, giving a token valid 60 days
 * from the refresh. Choice (docs silent): a refresh returns a new token string and the old one stays valid until its
 * own expiry.
 */
import { randomBytes } from 'node:crypto';
import { SimStore } from '../kit/sim-store.js';

export const SHORT_LIVED_MS = 60 * 60 * 1000;
export const LONG_LIVED_MS = 60 * 24 * 60 * 60 * 1000;
export const REFRESH_MIN_AGE_MS = 24 * 60 * 60 * 1000;

export type MediaType = 'IMAGE' | 'VIDEO' | 'CAROUSEL_ALBUM';

export interface IgUser {
  id: string;
  username: string;
  name: string;
  followers_count: number;
  follows_count: number;
}

export interface IgMedia {
  id: string;
  ownerId: string;
  caption: string;
  media_type: MediaType;
  media_product_type: 'FEED' | 'REELS';
  /** Milliseconds, unique per owner so the newest-first order is total. */
  timestampMs: number;
  like_count: number;
  comments_count: number;
  shortcode: string;
  reach: number;
  views: number;
  shares: number;
  saved: number;
}

export interface IgToken {
  token: string;
  userId: string;
  issuedMs: number;
  expiresMs: number;
  longLived: boolean;
}

export class InstagramState {
  readonly users = new SimStore<IgUser>();
  readonly media = new SimStore<IgMedia>();
  readonly tokens = new Map<string, IgToken>();
  private mediaSeq = 0;

  constructor(private readonly idBase = 17_900_000_000_000_000n) {}

  newMediaId(): string {
    this.mediaSeq += 1;
    return String(this.idBase + BigInt(this.mediaSeq));
  }

  issueToken(userId: string, nowMs: number, longLived: boolean, token?: string): IgToken {
    const t: IgToken = {
      token: token ?? `IGAA${randomBytes(24).toString('base64url')}`,
      userId,
      issuedMs: nowMs,
      expiresMs: nowMs + (longLived ? LONG_LIVED_MS : SHORT_LIVED_MS),
      longLived,
    };
    this.tokens.set(t.token, t);
    return t;
  }

  /** The owner's media, newest first (ties broken by id so the order is total). */
  mediaOf(userId: string): IgMedia[] {
    return this.media
      .values()
      .filter((m) => m.ownerId === userId)
      .sort((a, b) => b.timestampMs - a.timestampMs || (a.id < b.id ? 1 : -1));
  }

  /** A timestamp strictly after the owner's newest, so publishing order is kept even on a frozen clock. */
  nextTimestamp(userId: string, nowMs: number): number {
    const newest = this.mediaOf(userId)[0]?.timestampMs ?? -Infinity;
    return Math.max(nowMs, newest + 1);
  }
}

/** Graph API time format: "2017-08-31T18:10:00+0000". */
export function graphTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+0000');
}
