/**
 * @module Operations endpoints outside session auth, each with its own bearer secret:
 * - `POST /api/v1/cron/tick` (`GET` too, as Vercel Cron calls it) with `Authorization: Bearer $CRON_SECRET`:
 *   enqueues every due schedule through the scheduler's compare-and-set (so a tick from outside and the in-process
 *   scheduler never enqueue the same tick twice) and returns; the work runs on a worker. Without CRON_SECRET the
 *   endpoint does not exist (404).
 * - `GET /metrics`: Prometheus text. Open unless METRICS_TOKEN is set, then it needs that bearer token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app/context.js';
import type { ServerRuntime } from './api-options.js';
import { errorBody } from './http-errors.js';
import type { ServerMetrics } from './server-metrics.js';

export interface OpsRoutesOptions {
  ctx: AppContext;
  runtime: ServerRuntime | undefined;
  metrics: ServerMetrics;
}

/** `Authorization: Bearer <secret>`, compared in constant time (digests, so lengths leak nothing either). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(secret)) && given.length > 0;
}

function unauthorized(reply: FastifyReply) {
  return reply
    .status(401)
    .header('www-authenticate', 'Bearer')
    .send(errorBody('unauthorized', 'a valid bearer token is required'));
}

export async function opsRoutes(app: FastifyInstance, options: OpsRoutesOptions): Promise<void> {
  const { ctx, runtime, metrics } = options;

  const tick = async (request: FastifyRequest, reply: FastifyReply) => {
    const secret = ctx.config.cronSecret;
    if (!secret) {
      return reply.status(404).send(errorBody('not_found', 'cron tick is disabled (CRON_SECRET is not set)'));
    }
    if (!bearerMatches(request.headers.authorization, secret)) {
      request.log.warn({ ip: request.ip }, 'cron tick refused');
      return unauthorized(reply);
    }
    if (!runtime) {
      return reply.status(501).send(errorBody('not_implemented', 'no runtime in this process'));
    }
    const enqueued = await runtime.scheduler.tick();
    return reply.status(202).send({ enqueued: enqueued.length, schedules: enqueued });
  };
  app.post('/api/v1/cron/tick', tick);
  app.get('/api/v1/cron/tick', tick);

  app.get('/metrics', async (request, reply) => {
    const token = ctx.config.metricsToken;
    if (token && !bearerMatches(request.headers.authorization, token)) return unauthorized(reply);
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
