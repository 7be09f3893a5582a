/**
 * @module Mounts declared routes on Fastify. Every request goes through the same steps, in this order, so a route
 * cannot skip one: authenticate (401/429) → CSRF for cookie sessions (403) → organization (400/404) →
 * permission (403) → parse params and query (400) and body (422) with the route's zod schemas → handler.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DataSyncError, type ErrorCode } from '../lib/errors.js';
import { withOrgScope } from '../store/org-scope.js';
import { createRepositories, type Repositories } from '../store/repositories/index.js';
import type { ApiContext } from './api-options.js';
import { orgQueryParam, resolveOrg, resolvePrincipal } from './auth/authenticate.js';
import { CSRF_HEADER, csrfMatches, isSafeMethod } from './auth/csrf.js';
import { PERMISSIONS, roleAllows } from './auth/permissions.js';
import { actorOf, type Principal, type RequestAuth } from './auth/principal.js';
import { DEFAULT_BODY_LIMIT, type ApiRoute, type AuditFn } from './define-route.js';

const MAX_ISSUES = 20;

// A route without query parameters still rejects unknown ones: strictness applies to every part of a request.
const undefinedQuery = z.strictObject({});

function parse<T extends z.ZodType>(schema: T, value: unknown, code: ErrorCode, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new DataSyncError(code, `invalid ${where}`, {
    details: {
      issues: result.error.issues.slice(0, MAX_ISSUES).map((issue) => ({
        path: issue.path.map(String).join('.'),
        code: issue.code,
        message: issue.message,
      })),
    },
  });
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
  );
}

function auditFor(repos: Repositories, auth: RequestAuth | undefined, request: FastifyRequest): AuditFn {
  return async (entry) => {
    if (!auth) throw new Error('audit called on a route without an organization');
    await repos.auditLog.append(auth.orgId, {
      actorType: auth.actor.type,
      actorId: auth.actor.id,
      ip: request.ip,
      ...entry,
    });
  };
}

async function authorize(
  route: ApiRoute,
  request: FastifyRequest,
  principal: Principal | undefined,
  api: ApiContext,
): Promise<RequestAuth | undefined> {
  if (!principal) {
    throw new DataSyncError('unauthorized', 'sign in, or send an API key as `Authorization: Bearer dsk_…`');
  }
  // A browser sends the session cookie on cross-site requests too: a state change must prove it came from our page.
  if (
    principal.kind === 'user' &&
    !isSafeMethod(request.method) &&
    !csrfMatches(principal.sessionToken, request.headers[CSRF_HEADER])
  ) {
    throw new DataSyncError('forbidden', `missing or wrong ${CSRF_HEADER} header`, {
      details: { reason: 'csrf' },
    });
  }
  const org = await resolveOrg(
    request,
    api,
    principal,
    route.access !== 'authenticated',
    route.orgQuery ? orgQueryParam(request) : undefined,
  );
  if (!org) return undefined;
  if (route.access !== 'authenticated' && route.access !== 'public' && !roleAllows(org.role, route.access)) {
    throw new DataSyncError('forbidden', `your role (${org.role}) cannot do this`, {
      details: { permission: route.access, requiredRole: PERMISSIONS[route.access], role: org.role },
    });
  }
  return { principal, orgId: org.orgId, role: org.role, actor: actorOf(principal) };
}

/** Mounts `routes` on `app`; see the module note for the order of checks. */
export function registerRoutes(app: FastifyInstance, api: ApiContext, routes: readonly ApiRoute[]): void {
  for (const route of routes) {
    const limit = route.rateLimit?.(api);
    app.route({
      method: route.method,
      url: route.path,
      bodyLimit: route.bodyLimit ?? DEFAULT_BODY_LIMIT,
      ...(limit ? { config: { rateLimit: { max: limit.max, timeWindow: limit.timeWindowMs } } } : {}),
      handler: async (request, reply) => {
        const principal = route.access === 'public' ? undefined : await resolvePrincipal(request, reply, api);
        const auth = route.access === 'public' ? undefined : await authorize(route, request, principal, api);
        const params = route.params ? parse(route.params, request.params, 'bad_request', 'path') : undefined;
        const query = route.query
          ? parse(route.query, request.query ?? {}, 'bad_request', 'query')
          : isEmpty(request.query)
            ? undefined
            : parse(undefinedQuery, request.query, 'bad_request', 'query');
        let body: unknown;
        if (route.body) {
          body = parse(route.body, request.body, route.invalidBody ?? 'validation_failed', 'request body');
        } else if (!isEmpty(request.body)) {
          throw new DataSyncError('validation_failed', 'this operation takes no request body');
        }
        const repos = api.app.repos;
        const input = {
          params,
          query,
          body,
          auth: auth as RequestAuth,
          principal,
          api,
          repos,
          request,
          reply,
          audit: auditFor(repos, auth, request),
          transaction: (fn) =>
            api.app.store.db.transaction().execute(async (trx) => {
              const txRepos = createRepositories(trx, api.app.box);
              return fn(txRepos, auditFor(txRepos, auth, request), trx);
            }),
        } as Parameters<ApiRoute['handler']>[0];
        // Every query of the handler runs under the organization's row-level security (Postgres, migration 0008).
        const result = auth
          ? await withOrgScope(auth.orgId, () => route.handler(input))
          : await route.handler(input);
        // A route that took over the connection (a live event stream) has answered already.
        if (reply.sent) return reply;
        void reply.status(result.status);
        return result.body === undefined ? reply.send() : reply.send(result.body);
      },
    });
  }
}
