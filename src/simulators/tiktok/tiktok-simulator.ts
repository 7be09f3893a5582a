/**
 * @module The TikTok simulator: a fake of TikTok's Display API v2 (open.tiktokapis.com) and OAuth v2 for connector
 * tests, the polling benchmark and the offline demo.
 *
 * Docs followed: developers.tiktok.com/doc/tiktok-api-v2-introduction ("Authorization: Bearer", fields as a query
 * parameter, JSON bodies), tiktok-api-v2-video-list, tiktok-api-v2-video-query (≤ 20 ids), tiktok-api-v2-get-user-
 * info, tiktok-api-v2-error-handling, tiktok-api-v2-rate-limit (600 requests per endpoint on a one-minute sliding
 * window; "HTTP status 429 and error code rate_limit_exceeded"), oauth-user-access-token-management,
 * oauth-refresh-a-user-access-token, oauth-error-handling, webhooks-overview, webhooks-events,
 * webhooks-verification.
 *
 * Auth: `Authorization: Bearer act.…`; missing, unknown, revoked or expired → 401 access_token_invalid.
 * Rate limit: each of /v2/user/info/, /v2/video/list/, /v2/video/query/ has its own 600/min sliding window for the
 * app (choice: counted per client, as the docs state limits per API, not per user); the OAuth endpoints are not
 * limited; no Retry-After header (none documented).
 */
import type { FastifyRequest } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { accessTokenInvalid, tiktokErrors } from './tiktok-errors.js';
import { OAUTH_PATHS, registerTikTokOAuth } from './tiktok-oauth.js';
import { registerTikTokRoutes } from './tiktok-routes.js';
import {
  TIKTOK_CLIENT_KEY,
  TIKTOK_CLIENT_SECRET,
  seedTikTok,
  tiktokAccessToken,
  tiktokOpenId,
  tiktokRefreshToken,
} from './tiktok-seed.js';
import { ALL_SCOPES, type AuthCode, type Grant, type TikTokState, type TikTokVideo } from './tiktok-state.js';
import { TikTokWebhooks } from './tiktok-webhooks.js';

export const TIKTOK_RATE_LIMIT: RateLimitPolicy = { limit: 600, windowMs: 60_000 };
const LIMITED_PATHS = ['/v2/user/info/', '/v2/video/list/', '/v2/video/query/'];

export interface TikTokSimulatorOptions extends SimulatorOptions {
  /** Users to seed (default 2); `seedRecords` is videos per user (default 30). */
  accounts?: number;
  /** Access/refresh token lifetimes in seconds (defaults: 2 hours, 180 days). */
  accessTokenTtlS?: number;
  refreshTokenTtlS?: number;
  /** Pages one video short of max_count while more remain (documented as possible). */
  shortPages?: boolean;
  /** The app's webhook callback URL ("Developer Portal"). */
  callbackUrl?: string;
  /** Wall-clock interval at which the first user publishes a video (the demo). */
  postEveryMs?: number;
}

export interface TikTokSimulator extends SimulatorHandle {
  state: TikTokState;
  clientKey: string;
  clientSecret: string;
  accounts: { openId: string; accessToken: string; refreshToken: string }[];
  setCallbackUrl(url: string | undefined): void;
  /** Plays a user consenting in TikTok's authorization page; returns a code for /v2/oauth/token/. */
  authorize(openId: string, redirectUri: string, scopes?: string[]): AuthCode;
  ui: {
    publish(openId: string, video?: { title?: string }): TikTokVideo;
    setMetrics(
      videoId: string,
      metrics: Partial<Pick<TikTokVideo, 'like_count' | 'comment_count' | 'share_count' | 'view_count'>>,
    ): TikTokVideo;
    /** Makes an access token expire now (the next call with it is 401). */
    expireAccessToken(token: string): void;
    revokeUser(openId: string): void;
  };
  redeliver: TikTokWebhooks['redeliver'];
}

export async function createTikTokSimulator(options: TikTokSimulatorOptions = {}): Promise<TikTokSimulator> {
  const clock = options.clock ?? systemClock;
  const accounts = options.accounts ?? 2;
  const state = seedTikTok(accounts, options.seedRecords ?? 30, clock.now(), {
    accessTtlS: options.accessTokenTtlS,
    refreshTtlS: options.refreshTokenTtlS,
  });
  const sender = new WebhookSender();
  const webhooks = new TikTokWebhooks(TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET, clock, sender);
  webhooks.callbackUrl = options.callbackUrl;
  const limiter =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? TIKTOK_RATE_LIMIT, clock);
  const grants = new WeakMap<FastifyRequest, Grant>();

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const header = request.headers.authorization ?? '';
    const token = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '').trim() : '';
    const grant = token ? state.accessTokens.get(token) : undefined;
    if (!grant || grant.expiresMs <= clock.now()) return { reject: accessTokenInvalid() };
    grants.set(request, grant);
    return { principal: grant.openId };
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: tiktokErrors,
    authenticate,
    isPublic: (path) => OAUTH_PATHS.includes(path),
    limit(request) {
      const path = request.url.split('?')[0]!;
      if (!limiter || !LIMITED_PATHS.includes(path)) return undefined;
      const decision = limiter.take(`${TIKTOK_CLIENT_KEY} ${path}`);
      return decision.allowed ? undefined : { reject: tiktokErrors.rateLimited(decision.retryAfterMs) };
    },
    resetRateLimits: () => limiter?.reset(),
    routes(app) {
      registerTikTokRoutes(app, {
        state,
        shortPages: options.shortPages ?? false,
        grantOf: (request) => {
          const grant = grants.get(request);
          if (!grant) throw new Error('route reached without an authenticated token');
          return grant;
        },
      });
      registerTikTokOAuth(app, state, clock, webhooks);
    },
    sideChannel(app) {
      app.post<{ Body: { url?: string } }>('/__sim/tiktok/callback-url', async (request) => {
        webhooks.callbackUrl = request.body?.url;
        return { callbackUrl: webhooks.callbackUrl ?? null };
      });
      app.post<{ Body: { openId?: string; title?: string } }>(
        '/__sim/tiktok/publish',
        async (request, reply) => {
          try {
            return ui.publish(request.body?.openId ?? tiktokOpenId(1), { title: request.body?.title });
          } catch (error) {
            return reply.status(400).send({ error: error instanceof Error ? error.message : String(error) });
          }
        },
      );
    },
  });

  const ui: TikTokSimulator['ui'] = {
    publish(openId, video = {}) {
      if (!state.users.get(openId)) throw new RangeError(`no TikTok user ${openId}`);
      const id = state.newVideoId();
      const v: TikTokVideo = {
        id,
        openId,
        createMs: state.nextCreateMs(openId, clock.now()),
        title: video.title ?? 'New video',
        video_description: video.title ?? 'New video',
        duration: 15,
        height: 1920,
        width: 1080,
        like_count: 0,
        comment_count: 0,
        share_count: 0,
        view_count: 0,
      };
      state.videos.insert(v);
      webhooks.emit('video.publish.completed', openId, { share_id: webhooks.shareId(id) });
      return v;
    },
    setMetrics(videoId, metrics) {
      const v = state.videos.get(videoId);
      if (!v) throw new RangeError(`no video ${videoId}`);
      const next = { ...v, ...metrics };
      state.videos.replace(videoId, next);
      return next;
    },
    expireAccessToken(token) {
      const grant = state.accessTokens.get(token);
      if (grant) grant.expiresMs = clock.now();
    },
    revokeUser(openId) {
      state.revokeUser(openId);
      webhooks.emit('authorization.removed', openId, { reason: 1 });
    },
  };

  const timer =
    options.postEveryMs && accounts > 0
      ? setInterval(() => ui.publish(tiktokOpenId(1)), options.postEveryMs)
      : undefined;
  timer?.unref();

  const list = Array.from({ length: accounts }, (_, i) => ({
    openId: tiktokOpenId(i + 1),
    accessToken: tiktokAccessToken(i + 1),
    refreshToken: tiktokRefreshToken(i + 1),
  }));
  return {
    platform: 'tiktok',
    url: server.url,
    credentials: {
      clientKey: TIKTOK_CLIENT_KEY,
      clientSecret: TIKTOK_CLIENT_SECRET,
      accessToken: list[0]?.accessToken ?? '',
      refreshToken: list[0]?.refreshToken ?? '',
      openId: list[0]?.openId ?? '',
    },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    state,
    clientKey: TIKTOK_CLIENT_KEY,
    clientSecret: TIKTOK_CLIENT_SECRET,
    accounts: list,
    setCallbackUrl(url) {
      webhooks.callbackUrl = url;
    },
    authorize: (openId, redirectUri, scopes = [...ALL_SCOPES]) =>
      state.createCode(openId, scopes, redirectUri, clock.now()),
    ui,
    redeliver: (delivery) => webhooks.redeliver(delivery),
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
      await sender.idle();
    },
  };
}
