/**
 * The buckets built from each platform's declared limit, driven through the real database-backed RateLimiter
 * on a manual clock: a caller taking tokens as fast as it is allowed never puts more than the allowance in any
 * window the platform counts over (sliding, plus the jitter the bucket plans for), and still gets at least 90%
 * of the allowance. The social buckets (Instagram per account, TikTok per app) are checked the same way.
 */
import { expect, it } from 'vitest';
import { AIRTABLE_RATE_LIMIT } from '../../src/connectors/airtable/airtable-connector.js';
import { BROADSTREET_RATE_LIMIT } from '../../src/connectors/broadstreet/broadstreet-connector.js';
import { HUBSPOT_RATE_LIMIT } from '../../src/connectors/hubspot/hubspot-connector.js';
import { INSTAGRAM_RATE_LIMIT } from '../../src/connectors/instagram/instagram-connector.js';
import { NOTION_RATE_LIMIT } from '../../src/connectors/notion/notion-connector.js';
import type { RateLimit as DeclaredLimit } from '../../src/connectors/sdk/types.js';
import { SYNUP_RATE_LIMIT } from '../../src/connectors/synup/synup-connector.js';
import { TIKTOK_RATE_LIMIT } from '../../src/connectors/tiktok/tiktok-connector.js';
import {
  bucketForWindow,
  RateLimiter,
  WINDOW_JITTER_MS,
  type RateLimit,
} from '../../src/runtime/rate-limiter.js';
import { rateBucketOf } from '../../src/social/social-clients.js';
import { describeEachDialect } from '../helpers/dialects.js';

/** Greedy takes on a manual clock: when refused, the clock moves exactly by the wait the limiter named. */
async function greedyTakes(
  limiter: RateLimiter,
  clock: { ms: number },
  key: string,
  limit: RateLimit,
  n: number,
) {
  const times: number[] = [];
  while (times.length < n) {
    const result = await limiter.tryTake(key, limit);
    if (result.ok) times.push(clock.ms);
    else clock.ms += result.waitMs;
  }
  return times;
}

/** The most takes in any window of `ms` (sliding: every take starts one). */
function mostInWindow(times: number[], ms: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= ms) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const PLATFORMS: [string, DeclaredLimit][] = [
  ['airtable', AIRTABLE_RATE_LIMIT],
  ['notion', NOTION_RATE_LIMIT],
  ['synup', SYNUP_RATE_LIMIT],
  ['broadstreet', BROADSTREET_RATE_LIMIT],
  ['hubspot', HUBSPOT_RATE_LIMIT],
];

describeEachDialect('rate buckets from declared limits', (get) => {
  async function check(name: string, declared: DeclaredLimit, limit: RateLimit) {
    const clock = { ms: 1_000_000 };
    const limiter = new RateLimiter(get().store.db, get().store.dialect, { now: () => clock.ms });
    const times = await greedyTakes(
      limiter,
      clock,
      `test:${name}:${Math.random()}`,
      limit,
      3 * declared.requests,
    );
    // Never over the allowance in any window the platform counts, even with the planned network jitter.
    expect(mostInWindow(times, declared.intervalMs + WINDOW_JITTER_MS), name).toBeLessThanOrEqual(
      declared.requests,
    );
    // And not timid: over the three windows' worth of takes, at least 90% of the allowance's rate.
    const rate = (times.length - 1) / (times.at(-1)! - times[0]!);
    expect(rate / (declared.requests / declared.intervalMs), name).toBeGreaterThanOrEqual(0.9);
  }

  it('connector buckets (bucketForWindow) stay within each platform window at 90%+ of its allowance', async () => {
    for (const [name, declared] of PLATFORMS) await check(name, declared, bucketForWindow(declared));
  });

  it('social buckets: Instagram (200 an hour, burst 20) and TikTok (600 a minute, burst 50)', async () => {
    const instagram = rateBucketOf({ platform: 'instagram', platformUserId: '1784', connectionId: 'c1' });
    const tiktok = rateBucketOf({ platform: 'tiktok', platformUserId: 'u1', connectionId: 'c2' });
    expect(instagram.key).toBe('social:instagram:1784');
    expect(tiktok.key).toBe('connection:c2');
    await check('instagram', INSTAGRAM_RATE_LIMIT, instagram.limit);
    await check('tiktok', TIKTOK_RATE_LIMIT, tiktok.limit);
  });
});
