/**
 * @module The Synup simulator. Synup's public API v4 (developer.synup.com: "Getting Started", locations
 * endpoints) documents locations, not posts; the post resource and its webhooks are modelled in the same style
 * and documented in docs/simulators/synup-posts.md, which is the contract this simulator implements.
 *
 * From Synup's docs: base path /api/v4/, `Authorization: API <key>`, GraphQL-style connections
 * (first/after/pageInfo), writes as POST …/<verb> with {"input":{…}}, ids as base64 of "Type:{n}".
 * Modelled (our choices): error body `{"success":false,"errors":[{code,message}]}`; 10 requests/s per API key,
 * 429 RATE_LIMITED with Retry-After seconds; webhooks signed with `x-synup-signature` = hex HMAC-SHA256 of the
 * raw body.
 */
import type { FastifyRequest } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { synupError, synupErrors } from './synup-errors.js';
import { SynupPosts } from './synup-posts.js';
import { registerSynupRoutes } from './synup-routes.js';
import { SYNUP_API_KEY, SYNUP_WEBHOOK_SECRET, seedSynup } from './synup-seed.js';
import type { SynupAccount, SynupPost } from './synup-state.js';
import {
  SynupWebhooks,
  SYNUP_EVENT_TYPES,
  type SynupEventType,
  type SynupWebhook,
} from './synup-webhooks.js';

export const SYNUP_RATE_LIMIT: RateLimitPolicy = { limit: 10, windowMs: 1000 };

export interface SynupSimulatorOptions extends SimulatorOptions {
  apiKey?: string;
  webhookSecret?: string;
}

export interface SynupSimulator extends SimulatorHandle {
  account: SynupAccount;
  /** Registers a webhook as the API does, with the simulator's known secret. */
  registerWebhook(url: string, events?: SynupEventType[]): SynupWebhook;
  /**
   * Platform-side events: the scheduler, a rejected post, a note from a person, an edit in Synup's dashboard
   * (bound by the API's rules), and an edit by Synup's staff (not bound: it can change a published post).
   */
  ops: {
    edit(postId: string, patch: { content?: string; scheduledAt?: string | null }): SynupPost;
    publishDue(): SynupPost[];
    fail(postId: string, reason: string): SynupPost;
    addNote(postId: string, body: string, author?: string): SynupPost;
    staffEdit(postId: string, patch: { content?: string; scheduledAt?: string }): SynupPost;
  };
}

export async function startSynupSimulator(options: SynupSimulatorOptions = {}): Promise<SynupSimulator> {
  const clock = options.clock ?? systemClock;
  const apiKey = options.apiKey ?? SYNUP_API_KEY;
  const secret = options.webhookSecret ?? SYNUP_WEBHOOK_SECRET;
  const account = seedSynup(options.seedRecords ?? 12, clock.now());
  const sender = new WebhookSender();
  const webhooks = new SynupWebhooks(secret, clock, sender);
  const posts = new SynupPosts(account, clock, webhooks);
  const limiter =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? SYNUP_RATE_LIMIT, clock);

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const header = request.headers.authorization ?? '';
    if (!/^API\s+\S/.test(header))
      return { reject: synupError(401, 'UNAUTHORIZED', 'Missing API key: send "Authorization: API <key>"') };
    if (header.replace(/^API\s+/, '') !== apiKey)
      return { reject: synupError(401, 'UNAUTHORIZED', 'Invalid API key') };
    return { principal: apiKey };
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: synupErrors,
    authenticate,
    limit(_request, principal) {
      const decision = limiter?.take(principal);
      return decision && !decision.allowed
        ? { reject: synupErrors.rateLimited(decision.retryAfterMs) }
        : undefined;
    },
    resetRateLimits: () => limiter?.reset(),
    routes: (app) => registerSynupRoutes(app, account, posts, webhooks),
    sideChannel(app) {
      app.post('/__sim/synup/publish-due', async () => ({ published: posts.publishDue().map((p) => p.id) }));
      app.post<{ Body: { postId?: string; reason?: string } }>(
        '/__sim/synup/fail',
        async (request, reply) => {
          try {
            return posts.fail(
              String(request.body?.postId),
              request.body?.reason ?? 'Rejected by the network',
            );
          } catch (error) {
            return reply.status(400).send({ error: error instanceof Error ? error.message : String(error) });
          }
        },
      );
    },
  });

  return {
    platform: 'synup',
    url: server.url,
    credentials: { apiKey, webhookSecret: secret, locationId: account.locations[0]!.id },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    account,
    registerWebhook: (url, events = [...SYNUP_EVENT_TYPES]) => webhooks.register(url, events),
    ops: {
      edit: (postId, patch) => posts.update({ id: postId, ...patch }),
      publishDue: () => posts.publishDue(),
      fail: (postId, reason) => posts.fail(postId, reason),
      addNote: (postId, body, author = 'synup-user') => posts.addNote({ postId, body }, author),
      staffEdit: (postId, patch) => posts.update({ id: postId, ...patch }, true),
    },
    async close() {
      await server.close();
      await sender.idle();
    },
  };
}
