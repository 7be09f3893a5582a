/**
 * @module Seeded Synup account: two locations and posts in every status, the same on every run.
 */
import { SimStore } from '../kit/sim-store.js';
import { encodeId, type PostStatus, type SynupAccount, type SynupPost } from './synup-state.js';

export const SYNUP_API_KEY = 'synup-sim-key-0000000000000000000000000001';
export const SYNUP_WEBHOOK_SECRET = 'whsec-synup-sim-000000000000000000000001';

const STATUSES: PostStatus[] = ['draft', 'queued', 'published', 'failed'];

export function seedSynup(count: number, nowMs: number): SynupAccount {
  const locations = [
    { id: encodeId('Location', 1), name: 'Downtown Bakery', storeCode: 'DT-001' },
    { id: encodeId('Location', 2), name: 'Harbor Cafe', storeCode: 'HB-002' },
  ];
  const posts = new SimStore<SynupPost>();
  for (let n = 1; n <= count; n++) {
    const at = new Date(nowMs - (count - n + 1) * 60_000).toISOString();
    const status = STATUSES[n % STATUSES.length]!;
    posts.insert({
      id: encodeId('Post', n),
      locationId: locations[n % 2]!.id,
      content: `Seeded post ${n}`,
      status,
      // Queued posts are due tomorrow, so the scheduler only publishes what a test queues.
      scheduledAt:
        status === 'draft'
          ? null
          : status === 'queued'
            ? new Date(nowMs + 86_400_000 + n * 60_000).toISOString()
            : at,
      publishedAt: status === 'published' ? at : null,
      failureReason: status === 'failed' ? 'The listing rejected the post' : null,
      media: n % 3 === 0 ? [{ url: `https://cdn.example.com/media/${n}.jpg`, type: 'image' }] : [],
      notes: [],
      createdAt: at,
      updatedAt: at,
    });
  }
  return { locations, posts, next: { post: count + 1, note: 1 } };
}
