/**
 * @module The webhook receiver, `POST /api/v1/hooks/:connectionId` (and `GET` for platforms with a subscription
 * handshake). Outside session auth: the platform's signature over the raw body is the authentication. In order:
 * look the connection up (unknown → 404), verify with its connector's scheme and secret (forged or stale → 401),
 * store the raw event and enqueue `webhook.process` in one transaction (a replayed event id → 409), answer 202.
 * No work happens in the request: the answer waits for one insert and one enqueue only.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import { errorBody } from '../api/http-errors.js';
import type { ServerRuntime } from '../api/api-options.js';
import type { ServerMetrics } from '../api/server-metrics.js';
import { ingestWebhookEvent } from '../runtime/triggers.js';
import { defaultPublicUrl } from '../syndication/site-url.js';
import type { HookRejection, HookRequest, WebhookVerifierRegistry } from './verifier.js';

export interface HookRoutesOptions {
  ctx: AppContext;
  runtime: ServerRuntime | undefined;
  verifiers: WebhookVerifierRegistry;
  metrics: ServerMetrics;
  /** Injectable for timestamp-tolerance tests. */
  now?: () => Date;
}

export const HOOK_BODY_LIMIT = 1024 * 1024;
const CONNECTION_ID = /^con_[0-9a-z]{26}$/;
/** Never stored with the event: they authenticate nobody here and may carry someone's secrets. */
const UNSTORED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

type HookParams = { Params: { connectionId: string } };

function flatHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

export async function hookRoutes(app: FastifyInstance, options: HookRoutesOptions): Promise<void> {
  const { ctx, verifiers, metrics } = options;
  const now = options.now ?? (() => new Date());
  // Signatures are over the exact bytes sent, whatever the content type: keep every body raw (this plugin only).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: HOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  async function resolve(request: FastifyRequest<HookParams>, reply: FastifyReply) {
    const { connectionId } = request.params;
    // One query for the connection and its credentials: every acknowledgement waits on this lookup.
    const found = CONNECTION_ID.test(connectionId)
      ? await ctx.repos.connections.forHook(connectionId)
      : undefined;
    const verifier = found && verifiers.get(found.connector);
    if (!found || !verifier) {
      await reply.status(404).send(errorBody('not_found', 'no connection accepts webhooks here'));
      return undefined;
    }
    const { credentials, ...connection } = found;
    return { connection, verifier, credentials };
  }

  function reject(
    request: FastifyRequest,
    reply: FastifyReply,
    connector: string,
    reason: HookRejection | 'no_secret' | 'replayed',
  ) {
    metrics.webhookRejected.inc({ connector, reason });
    request.log.warn(
      { connectionId: (request.params as { connectionId: string }).connectionId, connector, reason },
      'webhook rejected',
    );
    const replayed = reason === 'replayed';
    return reply
      .status(replayed ? 409 : 401)
      .send(
        errorBody(
          replayed ? 'conflict' : 'unauthorized',
          replayed ? 'this event was received before' : 'webhook verification failed',
          { reason },
        ),
      );
  }

  /**
   * The platform's unsigned subscription request (Notion's `{verification_token}`): the token is kept sealed for
   * an admin to reveal once and paste into the platform, and it verifies every later delivery. A connection that
   * already holds a different token keeps it and answers 409, so the hook URL alone cannot swap the key.
   */
  async function captureSubscriptionToken(
    request: FastifyRequest,
    reply: FastifyReply,
    connection: { id: string; orgId: string; connector: string },
    field: string,
    token: string,
  ) {
    const outcome = await ctx.repos.connections.captureVerificationToken(connection.id, field, token);
    if (!outcome)
      return reply.status(404).send(errorBody('not_found', 'no connection accepts webhooks here'));
    if (outcome === 'different') {
      metrics.webhookRejected.inc({ connector: connection.connector, reason: 'token_held' });
      request.log.warn({ connectionId: connection.id }, 'webhook verification token refused: one is held');
      return reply
        .status(409)
        .send(
          errorBody(
            'conflict',
            'this connection already holds a verification token; reset it (DELETE ' +
              `/api/v1/connections/${connection.id}/webhook-verification) to accept a new subscription's`,
          ),
        );
    }
    if (outcome === 'stored') {
      await ctx.repos.auditLog.append(connection.orgId, {
        actorType: 'system',
        actorId: null,
        action: 'connection.webhook_token_received',
        resourceType: 'connection',
        resourceId: connection.id,
        details: { connector: connection.connector, field },
      });
      request.log.info({ connectionId: connection.id }, 'webhook verification token received');
    }
    return reply.status(200).send({ received: true, verification: outcome });
  }

  app.post<HookParams>('/api/v1/hooks/:connectionId', async (request, reply) => {
    const found = await resolve(request, reply);
    if (!found) return reply;
    const { connection, verifier, credentials } = found;
    const headers = flatHeaders(request);
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const subscription = verifier.subscriptionToken;
    const token = subscription?.read({ method: request.method, url: request.url, rawBody, headers });
    if (subscription && token !== undefined) {
      return captureSubscriptionToken(request, reply, connection, subscription.field, token);
    }
    const secret = verifier.secretFields.map((f) => credentials[f]).find((v) => typeof v === 'string' && v);
    if (!secret) return reject(request, reply, connection.connector, 'no_secret');
    const hook: HookRequest = {
      method: request.method,
      // Over our own configured address, never the Host header the sender chose (HubSpot v3 signs the URL).
      url: `${defaultPublicUrl(ctx.config)}${request.url}`,
      rawBody,
      headers,
    };
    let verdict;
    try {
      verdict = verifier.verify(hook, secret, now());
    } catch {
      verdict = { ok: false as const, reason: 'malformed' as const };
    }
    if (!verdict.ok) return reject(request, reply, connection.connector, verdict.reason);
    if (!options.runtime) {
      return reply
        .status(501)
        .send(errorBody('not_implemented', 'no runtime in this process to process webhooks'));
    }
    const stored = Object.fromEntries(Object.entries(headers).filter(([k]) => !UNSTORED_HEADERS.has(k)));
    const ingested = await ingestWebhookEvent(ctx.store.db, options.runtime.queue, {
      orgId: connection.orgId,
      connectionId: connection.id,
      externalId: verdict.eventId,
      headers: stored,
      body: hook.rawBody,
    });
    if (ingested.duplicate) return reject(request, reply, connection.connector, 'replayed');
    metrics.webhookAccepted.inc({ connector: connection.connector });
    return reply.status(202).send({ received: true, eventId: ingested.eventId });
  });

  app.get<HookParams>('/api/v1/hooks/:connectionId', async (request, reply) => {
    const found = await resolve(request, reply);
    if (!found) return reply;
    if (!found.verifier.handshake) {
      return reply.status(405).send(errorBody('bad_request', 'this platform has no verification handshake'));
    }
    const query = Object.fromEntries(
      Object.entries(request.query as Record<string, unknown>).map(([k, v]) => [
        k,
        typeof v === 'string' ? v : undefined,
      ]),
    );
    const answer = found.verifier.handshake(query, found.credentials);
    if (answer.status !== 200) {
      metrics.webhookRejected.inc({ connector: found.connection.connector, reason: 'bad_handshake' });
      request.log.warn({ connectionId: found.connection.id }, 'webhook handshake refused');
    }
    return reply.status(answer.status).type('text/plain; charset=utf-8').send(answer.body);
  });
}
