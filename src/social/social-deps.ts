/**
 * @module The sync dependencies over a store: the shared database token buckets (every process and every tick of
 * an organization draws from the same budget per Instagram account / TikTok app).
 */
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { RateLimiter } from '../runtime/rate-limiter.js';
import type { Store } from '../store/database.js';
import type { SocialSyncDeps } from './sync-account.js';

export function socialSyncDeps(store: Store, box: SecretBox): SocialSyncDeps {
  const limiter = new RateLimiter(store.db, store.dialect);
  return {
    db: store.db,
    box,
    throttle: (key, limit, deadline) => limiter.acquire(key, limit, { deadline }),
    penalize: (key, retryAfterMs) => limiter.penalize(key, retryAfterMs),
  };
}
