/**
 * @module The HubSpot simulator: a fake of the HubSpot CRM v3 API faithful to its public docs.
 *
 * Docs followed: developers.hubspot.com/docs/api/{crm/understanding-the-crm, crm/contacts, crm/companies,
 * crm/deals, crm/search, usage-details, webhooks, webhooks/validating-requests}, the developer changelog
 * (search rate limit), HubSpot/hubspot-api-nodejs src/utils/signature.ts (v3 signature, 300000 ms tolerance).
 *
 * Auth: `Authorization: Bearer <private app token>`; missing or wrong → 401 category INVALID_AUTHENTICATION.
 * Rate limits: 100 requests per rolling 10 s per token (the documented burst limit for private apps on
 * Free/Starter; configurable) with `X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds` on every
 * non-search answer; search endpoints 5 requests/s per token (docs: "five requests per second"; the 2020
 * changelog said four). Beyond: 429 with the documented RATE_LIMIT body; no Retry-After is documented, so none
 * is sent (clients back off on the policy window).
 */
import type { FastifyRequest } from 'fastify';
import type { PlatformErrorReply } from '../kit/platform-error.js';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { hubspotError, hubspotErrors, hubspotRateLimited } from './hubspot-errors.js';
import { HubSpotObjects } from './hubspot-objects.js';
import { registerHubSpotRoutes } from './hubspot-routes.js';
import {
  HUBSPOT_APP_ID,
  HUBSPOT_CLIENT_SECRET,
  HUBSPOT_PORTAL_ID,
  HUBSPOT_TOKEN,
  seedHubSpot,
} from './hubspot-seed.js';
import { createCrm, type Crm, type CrmObject } from './hubspot-state.js';
import { HubSpotOAuth } from './hubspot-oauth.js';
import { HubSpotWebhooks } from './hubspot-webhooks.js';

export const HUBSPOT_RATE_LIMIT: RateLimitPolicy = { limit: 100, windowMs: 10_000 };
export const HUBSPOT_SEARCH_RATE_LIMIT: RateLimitPolicy = { limit: 5, windowMs: 1000 };

export interface HubSpotSimulatorOptions extends SimulatorOptions {
  token?: string;
  clientSecret?: string;
  searchRateLimit?: RateLimitPolicy | false;
  /** Lifetime of OAuth access tokens issued by `/oauth/v1/token` (default 30 minutes). */
  accessTokenTtlMs?: number;
}

export interface HubSpotSimulator extends SimulatorHandle {
  crm: Crm;
  /** OAuth: issue access tokens that expire, refresh them at `/oauth/v1/token`, revoke the refresh token. */
  oauth: HubSpotOAuth;
  /** Points the app's webhooks at `targetUrl` with these subscriptions (e.g. "contact.propertyChange"). */
  configureWebhooks(
    targetUrl: string,
    eventTypes: (string | { eventType: string; propertyName?: string })[],
  ): void;
  /** Plays a person editing in the HubSpot UI. */
  ui: {
    create(type: string, properties: Record<string, string>): CrmObject;
    update(type: string, id: string, properties: Record<string, string>): CrmObject;
    archive(type: string, id: string): void;
  };
}

export async function startHubSpotSimulator(
  options: HubSpotSimulatorOptions = {},
): Promise<HubSpotSimulator> {
  const clock = options.clock ?? systemClock;
  const token = options.token ?? HUBSPOT_TOKEN;
  const clientSecret = options.clientSecret ?? HUBSPOT_CLIENT_SECRET;
  const crm = createCrm();
  seedHubSpot(crm, options.seedRecords ?? 25, clock.now());
  const sender = new WebhookSender();
  const webhooks = new HubSpotWebhooks(clientSecret, clock, sender);
  const objects = new HubSpotObjects(crm, clock, webhooks);
  const general =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? HUBSPOT_RATE_LIMIT, clock);
  const searchLimiter =
    options.searchRateLimit === false
      ? undefined
      : new RateLimiter(options.searchRateLimit ?? HUBSPOT_SEARCH_RATE_LIMIT, clock);
  let baseUrl = '';
  const oauth = new HubSpotOAuth(clientSecret, clock, options.accessTokenTtlMs);

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const header = request.headers.authorization;
    if (!header)
      return {
        reject: hubspotError(
          401,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
        ),
      };
    const bearer = header.replace(/^Bearer\s+/i, '');
    const oauthState = /^Bearer\s+/i.test(header) ? oauth.state(bearer) : 'unknown';
    if (oauthState === 'valid') return { principal: bearer };
    if (oauthState === 'expired')
      return {
        reject: hubspotError(
          401,
          'EXPIRED_AUTHENTICATION',
          'The OAuth token used to make this call expired 1 second(s) ago.',
        ),
      };
    if (!/^Bearer\s+/i.test(header) || bearer !== token)
      return {
        reject: hubspotError(
          401,
          'INVALID_AUTHENTICATION',
          'The access token provided is invalid or has expired.',
        ),
      };
    return { principal: token };
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: hubspotErrors,
    authenticate,
    isPublic: (path) => path === '/oauth/v1/token',
    limit(request, principal): { reject?: PlatformErrorReply; headers?: Record<string, string> } | undefined {
      const isSearch = /^\/crm\/v3\/objects\/[^/]+\/search/.test(request.url);
      if (isSearch && searchLimiter && !searchLimiter.take(principal).allowed)
        return { reject: hubspotRateLimited('SECONDLY') };
      if (!general) return undefined;
      const decision = general.take(principal);
      const headers = isSearch
        ? undefined
        : {
            'X-HubSpot-RateLimit-Max': String(general.policy.limit),
            'X-HubSpot-RateLimit-Remaining': String(decision.allowed ? decision.remaining : 0),
            'X-HubSpot-RateLimit-Interval-Milliseconds': String(general.policy.windowMs),
          };
      return decision.allowed ? { headers } : { headers, reject: hubspotRateLimited('TEN_SECONDLY_ROLLING') };
    },
    resetRateLimits() {
      general?.reset();
      searchLimiter?.reset();
    },
    routes: (app) => {
      registerHubSpotRoutes(app, crm, objects, () => baseUrl);
      app.post('/oauth/v1/token', async (request, reply) => {
        const answer = oauth.exchange((request.body ?? {}) as Record<string, unknown>);
        return reply.status(answer.status).send(answer.body);
      });
    },
    sideChannel(app) {
      app.post<{ Body: { targetUrl?: string; subscriptions?: string[] } }>(
        '/__sim/hubspot/webhooks',
        async (request, reply) => {
          const { targetUrl, subscriptions } = request.body ?? {};
          if (typeof targetUrl !== 'string' || !Array.isArray(subscriptions))
            return reply
              .status(400)
              .send({ error: 'send {"targetUrl": "…", "subscriptions": ["contact.creation", …]}' });
          webhooks.configure(targetUrl, subscriptions);
          return reply.status(204).send();
        },
      );
    },
  });
  baseUrl = server.url;

  const typeOf = (name: string) => {
    const type = crm.types[name];
    if (!type) throw new Error(`unknown object type ${name}`);
    return type;
  };
  const objectOf = (type: string, id: string) => {
    const o = typeOf(type).store.get(id);
    if (!o) throw new Error(`no ${type} ${id}`);
    return o;
  };

  return {
    platform: 'hubspot',
    url: server.url,
    credentials: {
      token,
      clientSecret,
      appId: String(HUBSPOT_APP_ID),
      portalId: String(HUBSPOT_PORTAL_ID),
    },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    crm,
    oauth,
    configureWebhooks: (targetUrl, eventTypes) => webhooks.configure(targetUrl, eventTypes),
    ui: {
      create: (type, properties) => objects.create(typeOf(type), [properties], 'CRM_UI')[0]!,
      update: (type, id, properties) =>
        objects.update(typeOf(type), [{ object: objectOf(type, id), properties }], 'CRM_UI')[0]!,
      archive: (type, id) => objects.archive(typeOf(type), [objectOf(type, id)], 'CRM_UI'),
    },
    async close() {
      await server.close();
      await sender.idle();
    },
  };
}
