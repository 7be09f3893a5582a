/**
 * @module Seeded TikTok data, the same on every run: `accounts` users (open ids sim-open-id-000001…), each with
 * `perAccount` public videos an hour apart, and one fixed access/refresh token pair per user with every scope the
 * Display API uses. The app's client key and secret are fixed too.
 */
import { ALL_SCOPES, TikTokState } from './tiktok-state.js';

export const TIKTOK_CLIENT_KEY = 'sbawsimclientkey0001';
export const TIKTOK_CLIENT_SECRET = 'tiktok_client_secret_simulator_datasync_0000';

const pad = (n: number) => String(n).padStart(6, '0');
export const tiktokOpenId = (n: number) => `sim-open-id-${pad(n)}`;
export const tiktokAccessToken = (n: number) => `act.sim${pad(n)}datasyncSimulatorAccessToken`;
export const tiktokRefreshToken = (n: number) => `rft.sim${pad(n)}datasyncSimulatorRefreshToken`;

export function seedTikTok(
  accounts: number,
  perAccount: number,
  nowMs: number,
  ttl: { accessTtlS?: number; refreshTtlS?: number } = {},
): TikTokState {
  const state = new TikTokState(ttl.accessTtlS, ttl.refreshTtlS);
  for (let a = 1; a <= accounts; a++) {
    const openId = tiktokOpenId(a);
    state.users.insert({
      id: openId,
      open_id: openId,
      union_id: `sim-union-id-${pad(a)}`,
      display_name: `Sim Creator ${a}`,
      username: `sim.creator.${a}`,
      bio_description: `Simulated TikTok creator ${a}`,
      is_verified: a === 1,
      follower_count: 2000 * a,
      following_count: 50 + a,
      likes_count: 10_000 * a,
    });
    state.issue(openId, [...ALL_SCOPES], nowMs, {
      access: tiktokAccessToken(a),
      refresh: tiktokRefreshToken(a),
    });
    for (let v = 1; v <= perAccount; v++)
      state.videos.insert({
        id: state.newVideoId(),
        openId,
        createMs: nowMs - (perAccount - v + 1) * 60 * 60 * 1000,
        title: `Video ${v} by sim.creator.${a}`,
        video_description: `Video ${v} #datasync`,
        duration: 10 + (v % 50),
        height: 1920,
        width: 1080,
        like_count: (v * 13 + a) % 1000,
        comment_count: (v * 5) % 100,
        share_count: v % 17,
        view_count: v * 250 + a,
      });
  }
  return state;
}
