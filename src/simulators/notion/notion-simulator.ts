/**
 * @module The Notion simulator: a fake of the Notion API faithful to its public docs.
 *
 * Docs followed: developers.notion.com/reference/{intro, authentication, versioning, request-limits,
 * status-codes, pagination, post-database-query, post-database-query-filter, query-a-data-source, page,
 * post-page, patch-page, retrieve-a-page, webhooks, webhooks-events-delivery}.
 *
 * Auth: `Authorization: Bearer <token>` (401 unauthorized "API token is invalid." when missing or wrong), then a
 * required `Notion-Version` header (400 missing_version when absent; 2022-06-28 and 2025-09-03 accepted, other
 * values 400 validation_error). Choice: auth is checked before the version header.
 * Rate limit: "an average of three requests per second … some bursts beyond the average rate are allowed" →
 * a sliding window of 9 requests per 3 s per integration token by default; beyond it 429 rate_limited with
 * `Retry-After: <integer seconds>`.
 */
import type { FastifyRequest } from 'fastify';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { notionError, notionErrors } from './notion-errors.js';
import { NotionPages } from './notion-pages.js';
import { registerNotionRoutes } from './notion-routes.js';
import { NOTION_DATABASE_ID, NOTION_DATA_SOURCE_ID, NOTION_TOKEN, seedNotion } from './notion-seed.js';
import type { NotionDatabase, NotionPage, NotionValue, NotionVersion } from './notion-state.js';
import { NotionWebhooks, type NotionSubscription } from './notion-webhooks.js';

export const NOTION_RATE_LIMIT: RateLimitPolicy = { limit: 9, windowMs: 3000 };
export const NOTION_VERSIONS: readonly NotionVersion[] = ['2022-06-28', '2025-09-03'];
const PERSON = { id: '7e7e7e7e-0000-4000-8000-000000000001', type: 'person' as const };

export interface NotionSimulatorOptions extends SimulatorOptions {
  token?: string;
}

export interface NotionSimulator extends SimulatorHandle {
  database: NotionDatabase;
  /** Registers a webhook subscription; the verification request is sent before this resolves. */
  subscribe(url: string): Promise<NotionSubscription>;
  /** Plays a person editing in Notion. */
  ui: {
    create(props: Record<string, NotionValue>): NotionPage;
    update(pageId: string, props: Record<string, NotionValue>): NotionPage;
    archive(pageId: string): NotionPage;
  };
}

export async function startNotionSimulator(options: NotionSimulatorOptions = {}): Promise<NotionSimulator> {
  const clock = options.clock ?? systemClock;
  const token = options.token ?? NOTION_TOKEN;
  const db = seedNotion(options.seedRecords ?? 25, clock.now());
  const sender = new WebhookSender();
  const webhooks = new NotionWebhooks(db, clock, sender);
  const pages = new NotionPages(db, clock, webhooks);
  const limiter =
    options.rateLimit === false ? undefined : new RateLimiter(options.rateLimit ?? NOTION_RATE_LIMIT, clock);

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const header = request.headers.authorization ?? '';
    if (header.replace(/^Bearer\s+/i, '') !== token || !/^Bearer\s+/i.test(header))
      return { reject: notionError(401, 'unauthorized', 'API token is invalid.') };
    const version = request.headers['notion-version'];
    if (version === undefined)
      return {
        reject: notionError(
          400,
          'missing_version',
          'Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.',
        ),
      };
    if (!NOTION_VERSIONS.includes(version as NotionVersion))
      return {
        reject: notionError(
          400,
          'validation_error',
          `Notion-Version header failed validation: Notion-Version header should be one of ${NOTION_VERSIONS.join(', ')}, instead was \`${String(version)}\`.`,
        ),
      };
    return { principal: token };
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: notionErrors,
    authenticate,
    limit(_request, principal) {
      const decision = limiter?.take(principal);
      return decision && !decision.allowed
        ? { reject: notionErrors.rateLimited(decision.retryAfterMs) }
        : undefined;
    },
    resetRateLimits: () => limiter?.reset(),
    routes: (app) =>
      registerNotionRoutes(app, db, pages, (request) => request.headers['notion-version'] as NotionVersion),
    sideChannel(app) {
      app.post<{ Body: { url?: string } }>('/__sim/notion/webhooks', async (request, reply) => {
        if (typeof request.body?.url !== 'string')
          return reply.status(400).send({ error: 'send {"url": "…"}' });
        const sub = await webhooks.subscribe(request.body.url);
        return reply.status(201).send({ id: sub.id, verification_token: sub.verificationToken });
      });
    },
  });

  return {
    platform: 'notion',
    url: server.url,
    credentials: {
      token,
      notionVersion: '2022-06-28',
      databaseId: NOTION_DATABASE_ID,
      dataSourceId: NOTION_DATA_SOURCE_ID,
    },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    database: db,
    subscribe: (url) => webhooks.subscribe(url),
    ui: {
      create: (props) => pages.create(props, PERSON),
      update: (pageId, props) => pages.update(pageId, { props }, PERSON),
      archive: (pageId) => pages.update(pageId, { archived: true }, PERSON),
    },
    async close() {
      await server.close();
      await sender.idle();
    },
  };
}
