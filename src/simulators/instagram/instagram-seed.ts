/**
 * @module Seeded Instagram accounts, the same on every run: `accounts` professional accounts (ids 17841400000000001…,
 * usernames sim_creator_1…), each with `perAccount` media an hour apart ending an hour before "now", and one fixed
 * long-lived token per account issued two days ago (so it can be refreshed at once) and valid 58 more days.
 */
import { InstagramState, LONG_LIVED_MS, type MediaType } from './instagram-state.js';

export const INSTAGRAM_APP_SECRET = 'ig_app_secret_simulator_datasync_0000';
export const INSTAGRAM_APP_ID = '990000000000001';
const DAY = 24 * 60 * 60 * 1000;
const TYPES: MediaType[] = ['IMAGE', 'VIDEO', 'CAROUSEL_ALBUM'];

export const instagramUserId = (n: number) => String(17_841_400_000_000_000n + BigInt(n));
export const instagramToken = (n: number) =>
  `IGAAsim${String(n).padStart(6, '0')}datasyncSimulatorLongLivedToken`;

export function seedInstagram(accounts: number, perAccount: number, nowMs: number): InstagramState {
  const state = new InstagramState();
  for (let a = 1; a <= accounts; a++) {
    const id = instagramUserId(a);
    state.users.insert({
      id,
      username: `sim_creator_${a}`,
      name: `Sim Creator ${a}`,
      followers_count: 1000 * a,
      follows_count: 100 + a,
    });
    const token = state.issueToken(id, nowMs - 2 * DAY, true, instagramToken(a));
    token.expiresMs = nowMs - 2 * DAY + LONG_LIVED_MS;
    for (let m = 1; m <= perAccount; m++) {
      const mediaId = state.newMediaId();
      state.media.insert({
        id: mediaId,
        ownerId: id,
        caption: `Post ${m} by sim_creator_${a}`,
        media_type: TYPES[m % TYPES.length]!,
        media_product_type: m % 3 === 1 ? 'REELS' : 'FEED',
        timestampMs: nowMs - (perAccount - m + 1) * 60 * 60 * 1000,
        like_count: (m * 7 + a) % 500,
        comments_count: (m * 3) % 50,
        shortcode: `C${mediaId.slice(-9)}`,
        reach: m * 40 + a,
        views: m * 60 + a,
        shares: m % 11,
        saved: m % 13,
      });
    }
  }
  return state;
}
