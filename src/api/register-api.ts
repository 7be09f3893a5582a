/**
 * @module Mounts /api/v1 on the server: security headers (helmet), cookies, the sign-in rate limiter, JSON as the
 * only accepted body type, every declared route, the OpenAPI document and the docs page.
 */
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app/context.js';
import { DataSyncError } from '../lib/errors.js';
import { createApiContext, defaultApiOptions, type ApiContext, type ApiOptions } from './api-options.js';
import { renderDocsPage } from './docs-page.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerRoutes } from './register-routes.js';
import { API_ROUTES } from './routes/index.js';

export async function registerApi(
  app: FastifyInstance,
  ctx: AppContext,
  overrides: Partial<ApiOptions> = {},
): Promise<ApiContext> {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  const api = createApiContext(ctx, defaultApiOptions(overrides), closing.signal);
  await app.register(helmet, {
    // The docs page has inline styles and no scripts.
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], scriptSrc: ["'self'"] },
    },
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new DataSyncError('rate_limited', `too many requests: retry in ${context.after}`, {
        details: { retryAfter: context.after, max: context.max },
      }),
  });
  // Only JSON bodies: a browser cannot send JSON cross-site without a CORS preflight, which we never grant.
  app.removeContentTypeParser('text/plain');

  registerRoutes(app, api, API_ROUTES);

  const document = buildOpenApiDocument(API_ROUTES);
  const page = renderDocsPage(document);
  app.get('/api/v1/openapi.json', async () => document);
  app.get('/api/v1/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  return api;
}
