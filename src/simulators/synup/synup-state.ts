/**
 * @module Posts of the modelled Synup API and their lifecycle:
 *
 *   draft ──publish──▶ queued ──(scheduled time reached)──▶ published (terminal)
 *                        │  ▲  
 *                        ▼  └──────publish (retry)──────┐
 *                      failed ──────────────────────────┘
 *
 * Content, media and scheduled time can change in draft, queued and failed; a published post refuses them
 * (422 INVALID_STATE). Notes can be added in any state. Ids are base64 of "Post:{n}" like Synup's v4 ids.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimStore } from '../kit/sim-store.js';
import { synupError } from './synup-errors.js';

export type PostStatus = 'draft' | 'queued' | 'published' | 'failed';

export interface PostMedia {
  url: string;
  type: 'image' | 'video';
}

export interface PostNote {
  id: string;
  body: string;
  author: string;
  createdAt: string;
}

export interface SynupPost {
  id: string;
  locationId: string;
  content: string;
  status: PostStatus;
  scheduledAt: string | null;
  publishedAt: string | null;
  failureReason: string | null;
  media: PostMedia[];
  notes: PostNote[];
  createdAt: string;
  updatedAt: string;
}

export interface SynupLocation {
  id: string;
  name: string;
  storeCode: string;
}

export const encodeId = (type: string, n: number) => Buffer.from(`${type}:${n}`).toString('base64');

export interface SynupAccount {
  locations: SynupLocation[];
  posts: SimStore<SynupPost>;
  next: { post: number; note: number };
}

const invalid = (message: string) => new SimHttpError(synupError(400, 'VALIDATION_ERROR', message));

export function parseMedia(input: unknown): PostMedia[] {
  if (!Array.isArray(input)) throw invalid('media must be an array');
  if (input.length > 10) throw invalid('a post can have at most 10 media items');
  return input.map((m, i) => {
    const o = m as { url?: unknown; type?: unknown };
    if (typeof o?.url !== 'string' || !/^https?:\/\//.test(o.url))
      throw invalid(`media[${i}].url must be an http(s) URL`);
    if (o.type !== 'image' && o.type !== 'video')
      throw invalid(`media[${i}].type must be "image" or "video"`);
    return { url: o.url, type: o.type };
  });
}

export function parseTime(input: unknown, name: string): string | null {
  if (input === null) return null;
  if (typeof input !== 'string' || Number.isNaN(Date.parse(input)))
    throw invalid(`${name} must be an ISO 8601 time`);
  return new Date(Date.parse(input)).toISOString();
}

export function parseContent(input: unknown): string {
  if (typeof input !== 'string' || input.trim() === '') throw invalid('content must be a non-empty string');
  if (input.length > 5000) throw invalid('content must be at most 5000 characters');
  return input;
}
