/**
 * @module What the Instagram and TikTok connectors have in common: a post with its metrics in one shape, pages
 * of posts newest first with an opaque continuation, and token refresh. Auto-sync (src/social/) works against
 * this interface only, so it never sees a platform's wire format.
 */
import type { FieldSpec } from './sdk/types.js';

export interface SocialPost {
  externalId: string;
  caption: string;
  mediaType: string | null;
  permalink: string | null;
  /** ISO-8601 UTC. */
  publishedAt: string;
  likes: number;
  comments: number;
  views: number | null;
  shares: number | null;
}

export interface SocialPostPage {
  /** Newest first. */
  posts: SocialPost[];
  /** Pass back for the next (older) page; null on the last one. */
  next: string | null;
}

export interface SocialTokens {
  accessToken: string;
  refreshToken?: string | undefined;
  /** ISO-8601; undefined when the platform did not say. */
  expiresAt?: string | undefined;
}

export interface SocialProfile {
  userId: string;
  username: string;
}

/** One account's view of its platform. */
export interface SocialClient {
  profile(signal?: AbortSignal): Promise<SocialProfile>;
  postsPage(cursor: string | null, signal?: AbortSignal): Promise<SocialPostPage>;
  /** These posts as they are now; missing ids are absent. */
  readPosts(ids: readonly string[], signal?: AbortSignal): Promise<SocialPost[]>;
  /** New tokens; throws ConnectorError `auth` when the platform refuses to refresh. */
  refresh(signal?: AbortSignal): Promise<SocialTokens>;
}

export const SOCIAL_POST_FIELDS: Record<string, FieldSpec> = {
  caption: { type: 'string', readOnly: true },
  mediaType: { type: 'string', readOnly: true },
  permalink: { type: 'string', readOnly: true },
  publishedAt: { type: 'datetime', readOnly: true },
  likes: { type: 'number', readOnly: true },
  comments: { type: 'number', readOnly: true },
  views: { type: 'number', readOnly: true },
  shares: { type: 'number', readOnly: true },
};
