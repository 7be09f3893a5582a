/**
 * @module The Instagram simulator: a fake of the Instagram API with Instagram Login (graph.instagram.com) for
 * connector tests, the polling benchmark and the offline demo.
 *
 * Docs followed: developers.facebook.com/documentation/instagram-platform/reference (host and nodes),
 * …/reference/instagram-user and /media (fields, `limit`, cursor paging), …/reference/instagram-media and /insights,
 * …/reference/refresh_access_token ("at least 24 hours old but has not expired… valid for 60 days"; response
 * `{access_token, token_type: "bearer", expires_in}`), …/reference/access_token (ig_exchange_token),
 * developers.facebook.com/docs/graph-api/guides/error-handling (error object, codes 190/463, 4, 17, 32, 613),
 * /docs/graph-api/overview/rate-limiting (X-App-Usage `{call_count,total_cputime,total_time}` percentages;
 * Instagram Platform requests fall under Business Use Case limits: X-Business-Use-Case-Usage
 * `{"<id>":[{type:"instagram",call_count,total_cputime,total_time,estimated_time_to_regain_access}]}`, throttled
 * calls "fail… until enough time has passed"), the BUC error table (80002 for Instagram), and
 * /docs/instagram-platform/webhooks (handshake and X-Hub-Signature-256).
 *
 * Auth: `access_token` query parameter or `Authorization: Bearer <token>`; none → code 2500, unknown → 190,
 * expired → 190 subcode 463 (all HTTP 400, a choice). Rate limit (choice of figures: the real ones depend on
 * impressions): 200 calls per rolling hour per Instagram account; every authenticated answer carries both usage
 * headers; over the limit every call fails with code 80002 (configurable: 4, 17, 32, 613) and no Retry-After,
 * `estimated_time_to_regain_access` (minutes) tells when to come back.
 */
import type { FastifyRequest } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import {
  expiredToken,
  instagramErrors,
  invalidToken,
  missingToken,
  throttled,
  type ThrottleCode,
} from './instagram-errors.js';
import { registerInstagramRoutes } from './instagram-routes.js';
import {
  INSTAGRAM_APP_ID,
  INSTAGRAM_APP_SECRET,
  instagramToken,
  instagramUserId,
  seedInstagram,
} from './instagram-seed.js';
import type { IgMedia, IgToken, InstagramState, MediaType } from './instagram-state.js';
import { InstagramWebhooks, type VerificationResult } from './instagram-webhooks.js';

export const INSTAGRAM_RATE_LIMIT: RateLimitPolicy = { limit: 200, windowMs: 60 * 60 * 1000 };

export interface InstagramSimulatorOptions extends SimulatorOptions {
  /** How many professional accounts to seed (default 2); `seedRecords` is media per account (default 30). */
  accounts?: number;
  /** The error code a throttled call gets (default 80002, the Business Use Case code for Instagram). */
  throttleCode?: ThrottleCode;
  /** Also send the (undocumented) `media` webhook field when a post is published. */
  mediaEvents?: boolean;
  /** Wall-clock interval at which the first account publishes a post (the demo's "posting every few minutes"). */
  postEveryMs?: number;
}

export interface InstagramSimulator extends SimulatorHandle {
  state: InstagramState;
  appSecret: string;
  /** One long-lived token per seeded account, by account number (1-based) order. */
  accounts: { igUserId: string; username: string; accessToken: string }[];
  /** Subscribes a callback URL: runs the GET handshake first (Meta's App Dashboard does this). */
  subscribe(callbackUrl: string, verifyToken: string): Promise<VerificationResult>;
  /** Plays the account owner and their audience. */
  ui: {
    publish(igUserId: string, post?: { caption?: string; media_type?: MediaType }): IgMedia;
    setMetrics(mediaId: string, metrics: Partial<Pick<IgMedia, 'like_count' | 'comments_count'>>): IgMedia;
    comment(mediaId: string, text: string): IgMedia;
    /** Issues a token for an account, e.g. a short-lived one, or one issued in the past. */
    issueToken(igUserId: string, options?: { longLived?: boolean; issuedAgoMs?: number }): IgToken;
    revokeToken(token: string): void;
  };
}

export async function createInstagramSimulator(
  options: InstagramSimulatorOptions = {},
): Promise<InstagramSimulator> {
  const clock = options.clock ?? systemClock;
  const accounts = options.accounts ?? 2;
  const state = seedInstagram(accounts, options.seedRecords ?? 30, clock.now());
  const sender = new WebhookSender();
  const webhooks = new InstagramWebhooks(INSTAGRAM_APP_SECRET, clock, sender, options.mediaEvents ?? false);
  const throttleCode = options.throttleCode ?? 80002;
  const errors = instagramErrors(throttleCode);
  const policy = options.rateLimit === false ? undefined : (options.rateLimit ?? INSTAGRAM_RATE_LIMIT);
  const limiter = policy ? new RateLimiter(policy, clock) : undefined;
  const tokens = new WeakMap<FastifyRequest, IgToken>();

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const query = (request.query ?? {}) as Record<string, string | undefined>;
    const header = request.headers.authorization;
    const given =
      query.access_token ?? (header && /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, '') : '');
    if (!given) return { reject: missingToken() };
    const token = state.tokens.get(given);
    if (!token) return { reject: invalidToken() };
    if (clock.now() >= token.expiresMs) return { reject: expiredToken(token.expiresMs, clock.now()) };
    tokens.set(request, token);
    return { principal: token.userId };
  };

  const usageHeaders = (principal: string, usedPct: number, regainMs: number) => ({
    'X-App-Usage': JSON.stringify({ call_count: usedPct, total_cputime: 0, total_time: 0 }),
    'X-Business-Use-Case-Usage': JSON.stringify({
      [principal]: [
        {
          type: 'instagram',
          call_count: usedPct,
          total_cputime: 0,
          total_time: 0,
          estimated_time_to_regain_access: Math.ceil(regainMs / 60_000),
        },
      ],
    }),
  });

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors,
    authenticate,
    limit(_request, principal) {
      if (!limiter || !policy) return undefined;
      const decision = limiter.take(principal);
      if (!decision.allowed)
        return {
          reject: throttled(throttleCode),
          headers: usageHeaders(principal, 100, decision.retryAfterMs),
        };
      const used = Math.round(((policy.limit - decision.remaining) / policy.limit) * 100);
      return { headers: usageHeaders(principal, used, 0) };
    },
    resetRateLimits: () => limiter?.reset(),
    routes: (app) =>
      registerInstagramRoutes(app, {
        state,
        clock,
        tokenOf: (request) => {
          const token = tokens.get(request);
          if (!token) throw new Error('route reached without an authenticated token');
          return token;
        },
      }),
    sideChannel(app) {
      app.post<{ Body: { callbackUrl?: string; verifyToken?: string } }>(
        '/__sim/instagram/subscriptions',
        async (request, reply) => {
          const { callbackUrl, verifyToken } = request.body ?? {};
          if (typeof callbackUrl !== 'string' || typeof verifyToken !== 'string')
            return reply.status(400).send({ error: 'send {"callbackUrl": "…", "verifyToken": "…"}' });
          return webhooks.subscribe(callbackUrl, verifyToken);
        },
      );
      app.post<{ Body: { igUserId?: string; caption?: string } }>(
        '/__sim/instagram/publish',
        async (request, reply) => {
          try {
            return ui.publish(request.body?.igUserId ?? instagramUserId(1), {
              caption: request.body?.caption,
            });
          } catch (error) {
            return reply.status(400).send({ error: error instanceof Error ? error.message : String(error) });
          }
        },
      );
    },
  });

  const mediaOrThrow = (id: string) => {
    const m = state.media.get(id);
    if (!m) throw new RangeError(`no media ${id}`);
    return m;
  };
  const ui: InstagramSimulator['ui'] = {
    publish(igUserId, post = {}) {
      const user = state.users.get(igUserId);
      if (!user) throw new RangeError(`no Instagram account ${igUserId}`);
      const id = state.newMediaId();
      const media: IgMedia = {
        id,
        ownerId: igUserId,
        caption: post.caption ?? `New post by ${user.username}`,
        media_type: post.media_type ?? 'IMAGE',
        media_product_type: 'FEED',
        timestampMs: state.nextTimestamp(igUserId, clock.now()),
        like_count: 0,
        comments_count: 0,
        shortcode: `C${id.slice(-9)}`,
        reach: 0,
        views: 0,
        shares: 0,
        saved: 0,
      };
      state.media.insert(media);
      if (webhooks.mediaEvents)
        webhooks.emit(igUserId, 'media', { media_id: id, media_product_type: media.media_product_type });
      return media;
    },
    setMetrics(mediaId, metrics) {
      const next = { ...mediaOrThrow(mediaId), ...metrics };
      state.media.replace(mediaId, next);
      return next;
    },
    comment(mediaId, text) {
      const media = mediaOrThrow(mediaId);
      const next = { ...media, comments_count: media.comments_count + 1 };
      state.media.replace(mediaId, next);
      webhooks.emit(media.ownerId, 'comments', {
        from: { id: '17841499999999999', username: 'a_fan' },
        media: { id: mediaId, media_product_type: media.media_product_type },
        id: String(Date.now()),
        text,
      });
      return next;
    },
    issueToken(igUserId, opts = {}) {
      if (!state.users.get(igUserId)) throw new RangeError(`no Instagram account ${igUserId}`);
      return state.issueToken(igUserId, clock.now() - (opts.issuedAgoMs ?? 0), opts.longLived ?? true);
    },
    revokeToken(token) {
      state.tokens.delete(token);
    },
  };

  const timer =
    options.postEveryMs && accounts > 0
      ? setInterval(() => ui.publish(instagramUserId(1)), options.postEveryMs)
      : undefined;
  timer?.unref();

  const list = Array.from({ length: accounts }, (_, i) => ({
    igUserId: instagramUserId(i + 1),
    username: `sim_creator_${i + 1}`,
    accessToken: instagramToken(i + 1),
  }));
  return {
    platform: 'instagram',
    url: server.url,
    credentials: {
      accessToken: list[0]?.accessToken ?? '',
      igUserId: list[0]?.igUserId ?? '',
      appId: INSTAGRAM_APP_ID,
      appSecret: INSTAGRAM_APP_SECRET,
    },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    state,
    appSecret: INSTAGRAM_APP_SECRET,
    accounts: list,
    subscribe: (callbackUrl, verifyToken) => webhooks.subscribe(callbackUrl, verifyToken),
    ui,
    async close() {
      if (timer) clearInterval(timer);
      await server.close();
      await sender.idle();
    },
  };
}
