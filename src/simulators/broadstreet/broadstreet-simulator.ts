/**
 * @module The Broadstreet simulator: a fake of the Broadstreet ad server API for connector tests, the import
 * benchmark and the offline demo.
 *
 * Docs followed: github.com/broadstreetads/broadstreet-api-php/wiki/Read-Only-REST-Endpoints (v0 paths, base URL,
 * "All API calls take an access token as a parameter", e.g. `/api/0/networks?access_token=…`);
 * github.com/broadstreetads/broadstreet-api-php src/Broadstreet.php (v0 writes: POST /networks,
 * /networks/{n}/advertisers (name), /networks/{n}/advertisers/{a}/advertisements (name, type), PUT
 * …/advertisements/{id}; responses wrapped as `->body->advertiser`; 403 = "Auth Denied"); github.com/broadstreetads/
 * broadstreet-ruby lib/broadstreet/*.rb (v1 paths: api/1/advertisers?network_id=, api/1/zones?network_id=,
 * api/1/campaigns/{id}, POST api/1/networks/{n}/zones, api/1/advertisers/{a}/campaigns); the v1 swagger as
 * summarised in ../../../../shared/platforms/README.md (placements: GET ?campaign_id= bare array, POST
 * {campaign_id, advertisement_id, zone_id, restrictions}, DELETE by the three ids; advertisements
 * ?network_id=&advertiser_id=&zone_id=).
 *
 * Auth: `access_token` query parameter on every call (a form field named access_token is accepted too, since the
 * PHP client may post it); missing or wrong → 403 `{"error":"Auth denied: …"}`.
 * Where the docs are silent, choices: error bodies (see broadstreet-errors.ts); rate limit 10 requests/s per
 * token (the issue's figure; no published limit), 429 with Retry-After; names unique within their parent,
 * case-insensitive; deletes cascade; no pagination (none is documented); multipart bodies are not parsed.
 */
import type { FastifyRequest } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { authDenied, broadstreetErrors } from './broadstreet-errors.js';
import { registerBroadstreetRoutes } from './broadstreet-routes.js';
import { BROADSTREET_TOKEN, seedBroadstreet } from './broadstreet-seed.js';
import type { BroadstreetAccount } from './broadstreet-state.js';

export const BROADSTREET_RATE_LIMIT: RateLimitPolicy = { limit: 10, windowMs: 1000 };
/** Seeded entity count when none is asked for: small enough to start instantly, all six types present. */
export const BROADSTREET_DEFAULT_SEED = 60;

export interface BroadstreetSimulatorOptions extends SimulatorOptions {
  token?: string;
}

export interface BroadstreetSimulator extends SimulatorHandle {
  /** The account behind the API: tests read and change it directly ("someone edited it in the Broadstreet UI"). */
  account: BroadstreetAccount;
}

export async function createBroadstreetSimulator(
  options: BroadstreetSimulatorOptions = {},
): Promise<BroadstreetSimulator> {
  const clock = options.clock ?? systemClock;
  const token = options.token ?? BROADSTREET_TOKEN;
  const account = seedBroadstreet(options.seedRecords ?? BROADSTREET_DEFAULT_SEED, clock.now());
  const limiter =
    options.rateLimit === false
      ? undefined
      : new RateLimiter(options.rateLimit ?? BROADSTREET_RATE_LIMIT, clock);

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const given = query.access_token ?? (typeof body === 'object' ? body.access_token : undefined);
    return given === token ? { principal: token } : { reject: authDenied() };
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: broadstreetErrors,
    authenticate,
    limit(_request, principal) {
      const decision = limiter?.take(principal);
      return decision && !decision.allowed
        ? { reject: broadstreetErrors.rateLimited(decision.retryAfterMs) }
        : undefined;
    },
    resetRateLimits: () => limiter?.reset(),
    routes: (app) => registerBroadstreetRoutes(app, account),
    sideChannel(app) {
      app.get('/__sim/broadstreet/counts', async () => account.counts());
    },
  });

  return {
    platform: 'broadstreet',
    url: server.url,
    credentials: { accessToken: token, apiBase: `${server.url}/api/0`, apiBaseV1: `${server.url}/api/1` },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: new WebhookSender(),
    account,
    close: () => server.close(),
  };
}
