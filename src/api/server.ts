/**
 * @module The HTTP server: Fastify with our logger, one error shape, liveness and readiness probes. Route groups
 * register themselves here as the API grows.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { ping } from '../store/database.js';
import { pendingMigrations } from '../store/migrator.js';
import type { ApiOptions } from './api-options.js';
import { errorBody, handleError } from './http-errors.js';
import { receiverRoutes } from '../syndication/receiver.js';
import { registerApi } from './register-api.js';
import { hookRoutes } from '../hooks/hook-routes.js';
import { defaultWebhookVerifiers } from '../hooks/schemes.js';
import { opsRoutes } from './ops-routes.js';
import { createServerMetrics } from './server-metrics.js';
import { registerWebUi, serveIndexForPage } from './web-ui.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The whole HTTP server; `api` tunes /api/v1 (tests pass their own limits and connection checker). */
export async function buildServer(ctx: AppContext, api: Partial<ApiOptions> = {}): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    // One line per request is noise at our volumes; failures are logged by the error handler instead.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: ctx.config.trustProxy,
    return503OnClosing: true,
    // Errors Fastify raises before routing (bad URL encoding, overlong path parameters) get our error shape too.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) => {
    if (serveIndexForPage(request, reply)) return;
    void reply
      .status(404)
      .send(errorBody('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });

  // Liveness: the process answers. Never touches the database, so a slow database does not get us restarted.
  app.get('/healthz', async () => ({ status: 'ok' }));

  // Readiness: the database answers and the schema is current.
  app.get('/readyz', async (_request, reply) => {
    const reachable = await ping(ctx.store);
    const pending = reachable
      ? await pendingMigrations(ctx.store.db as never, ctx.store.dialect).catch(() => ['?'])
      : [];
    if (!reachable || pending.length > 0) {
      return reply.status(503).send({
        status: 'unavailable',
        database: reachable ? 'reachable' : 'unreachable',
        pendingMigrations: pending,
      });
    }
    return { status: 'ready', database: ctx.store.dialect };
  });

  await registerApi(app, ctx, api);
  await app.register(receiverRoutes, { repos: ctx.repos });
  const metrics = createServerMetrics(ctx.store, api.runtime);
  app.addHook('onClose', async () => metrics.detach());
  await app.register(hookRoutes, {
    ctx,
    runtime: api.runtime,
    verifiers: api.webhookVerifiers ?? defaultWebhookVerifiers(),
    metrics,
  });
  await app.register(opsRoutes, { ctx, runtime: api.runtime, metrics });
  await registerWebUi(app);
  return app;
}
