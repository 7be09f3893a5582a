/**
 * @module The HTTP shell every platform simulator runs in: Fastify on loopback (port 0 allowed), the raw body of
 * every request kept for signature-style assertions, then in order: request log → armed faults → the platform's
 * auth check → its rate limit → bad-JSON check → the platform's routes. Errors thrown as `SimHttpError` go out in
 * the platform's shape; anything else becomes the platform's 500.
 *
 * A side channel under `/__sim/` (never logged, never faulted, no auth) lets a test or an operator arm faults,
 * read the request log, move a manual clock and reset rate limits over HTTP; the same controls are on the
 * returned handle for in-process tests.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { FaultInjector, parseFaultSpec, type ArmedFault } from './fault-injector.js';
import { isSimHttpError, type PlatformErrorReply, type PlatformErrors } from './platform-error.js';
import { RequestLog, type LoggedRequest } from './request-log.js';
import { isManualClock, type SimClock } from './sim-clock.js';

export const SIDE_CHANNEL_PREFIX = '/__sim';

/** The result of a platform's auth check: who is calling, or the platform's refusal. */
export type AuthOutcome = { principal: string } | { reject: PlatformErrorReply };

/** The result of a platform's rate-limit check for one request. */
export interface LimitOutcome {
  reject?: PlatformErrorReply;
  /** Headers the platform sends on every answer (e.g. HubSpot's X-HubSpot-RateLimit-*). */
  headers?: Record<string, string>;
}

export interface SimServerOptions {
  port?: number;
  host?: string;
  clock: SimClock;
  errors: PlatformErrors;
  authenticate(request: FastifyRequest): AuthOutcome;
  /** Paths (without query) that need no credentials, e.g. an OAuth token endpoint. */
  isPublic?(path: string): boolean;
  limit?(request: FastifyRequest, principal: string): LimitOutcome | undefined;
  resetRateLimits?(): void;
  routes(app: FastifyInstance): void;
  /** Extra platform controls under /__sim (e.g. "make an edit in the UI", "register a webhook"). */
  sideChannel?(app: FastifyInstance): void;
  bodyLimit?: number;
}

export interface SimServer {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  app: FastifyInstance;
  faults: FaultInjector;
  log: RequestLog;
  close(): Promise<void>;
}

const rawBodies = new WeakMap<FastifyRequest, string>();
const badJson = new WeakSet<FastifyRequest>();
const malformed = new WeakSet<FastifyRequest>();
const logEntries = new WeakMap<FastifyRequest, LoggedRequest>();
const principals = new WeakMap<FastifyRequest, string>();

/** The request body exactly as received (undefined when there was none). */
export function rawBodyOf(request: FastifyRequest): string | undefined {
  return rawBodies.get(request);
}

/** Who the platform's auth check said is calling. */
export function principalOf(request: FastifyRequest): string {
  return principals.get(request) ?? '';
}

export function sendPlatformError(reply: FastifyReply, error: PlatformErrorReply): FastifyReply {
  if (error.headers) void reply.headers(error.headers);
  return reply.status(error.status).type('application/json').send(JSON.stringify(error.body));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function isSideChannel(url: string): boolean {
  return url === SIDE_CHANNEL_PREFIX || url.startsWith(`${SIDE_CHANNEL_PREFIX}/`);
}

export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const faults = new FaultInjector();
  const log = new RequestLog();
  const hanging = new Set<() => void>();
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 5 * 1024 * 1024,
    forceCloseConnections: true,
  });

  // Keep every body as text first: platforms sign raw bytes, and bad JSON must get the platform's own error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    rawBodies.set(request, text);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      badJson.add(request);
      done(null, undefined);
    }
  });
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (request, body, done) => {
      rawBodies.set(request, body as string);
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    rawBodies.set(request, body as string);
    done(null, body);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (isSideChannel(request.url)) return;
    const path = pathOf(request.url);
    const entry = log.record({
      at: options.clock.now(),
      method: request.method,
      url: request.url,
      path,
      headers: { ...request.headers },
    });
    logEntries.set(request, entry);
    const fault = faults.take(request.method, path);
    if (!fault) return;
    entry.fault = fault.kind;
    await applyFault(fault, request, reply);
  });

  async function applyFault(fault: ArmedFault, request: FastifyRequest, reply: FastifyReply) {
    switch (fault.kind) {
      case 'status': {
        const status = fault.status ?? 503;
        return sendPlatformError(reply, options.errors.generic(status, `simulated failure (${status})`));
      }
      case 'rate_limit':
        return sendPlatformError(reply, options.errors.rateLimited(fault.retryAfterMs ?? 1000));
      case 'malformed':
        malformed.add(request);
        return;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms ?? 0));
        return;
      case 'hang':
        // Never answer; the connection is torn down when the simulator closes.
        reply.hijack();
        await new Promise<void>((resolve) => hanging.add(resolve));
        return;
      case 'reset':
        reply.hijack();
        request.raw.socket.destroy();
        return;
    }
  }

  app.addHook('preHandler', async (request, reply) => {
    if (isSideChannel(request.url)) return;
    const path = pathOf(request.url);
    let principal = 'anonymous';
    if (!options.isPublic?.(path)) {
      const auth = options.authenticate(request);
      if ('reject' in auth) return sendPlatformError(reply, auth.reject);
      principal = auth.principal;
    }
    principals.set(request, principal);
    const limited = options.limit?.(request, principal);
    if (limited?.headers) void reply.headers(limited.headers);
    if (limited?.reject) return sendPlatformError(reply, limited.reject);
    if (badJson.has(request)) return sendPlatformError(reply, options.errors.invalidJson());
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const entry = logEntries.get(request);
    if (entry) entry.rawBody = rawBodies.get(request);
    if (malformed.has(request) && typeof payload === 'string') {
      void reply.status(200).type('application/json');
      return payload.slice(0, Math.max(1, Math.floor(payload.length / 2)));
    }
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    const entry = logEntries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  app.addHook('preClose', async () => {
    for (const release of hanging) release();
    hanging.clear();
  });

  app.setErrorHandler((error, request, reply) => {
    if (isSimHttpError(error)) return sendPlatformError(reply, error.reply);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500)
      return sendPlatformError(reply, options.errors.generic(status, (error as Error).message));
    return sendPlatformError(
      reply,
      options.errors.generic(500, `internal error on ${request.method} ${request.url}`),
    );
  });

  app.setNotFoundHandler((request, reply) => {
    if (isSideChannel(request.url)) return reply.status(404).send({ error: 'no such side-channel route' });
    return sendPlatformError(reply, options.errors.routeNotFound(request.method, pathOf(request.url)));
  });

  registerSideChannel(app, faults, log, options);
  options.routes(app);

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return { url: `http://${host}:${port}`, app, faults, log, close: () => app.close() };
}

function registerSideChannel(
  app: FastifyInstance,
  faults: FaultInjector,
  log: RequestLog,
  options: SimServerOptions,
): void {
  const bad = (reply: FastifyReply, error: unknown) =>
    reply.status(400).send({ error: error instanceof Error ? error.message : String(error) });

  app.get(`${SIDE_CHANNEL_PREFIX}/health`, async () => ({ status: 'ok' }));
  app.get(`${SIDE_CHANNEL_PREFIX}/faults`, async () => ({ faults: faults.pending() }));
  app.post(`${SIDE_CHANNEL_PREFIX}/faults`, async (request, reply) => {
    try {
      const input = request.body;
      const specs = (Array.isArray(input) ? input : [input]).map(parseFaultSpec);
      return reply.status(201).send({ armed: specs.map((s) => faults.add(s)) });
    } catch (error) {
      return bad(reply, error);
    }
  });
  app.delete(`${SIDE_CHANNEL_PREFIX}/faults`, async (_request, reply) => {
    faults.clear();
    return reply.status(204).send();
  });
  app.get(`${SIDE_CHANNEL_PREFIX}/requests`, async () => ({ requests: log.entries() }));
  app.delete(`${SIDE_CHANNEL_PREFIX}/requests`, async (_request, reply) => {
    log.clear();
    return reply.status(204).send();
  });
  app.get(`${SIDE_CHANNEL_PREFIX}/clock`, async () => ({ now: new Date(options.clock.now()).toISOString() }));
  app.post(`${SIDE_CHANNEL_PREFIX}/clock`, async (request, reply) => {
    const clock = options.clock;
    if (!isManualClock(clock))
      return reply.status(409).send({ error: 'this simulator runs on the wall clock' });
    const body = (request.body ?? {}) as { advanceMs?: unknown; now?: unknown };
    try {
      if (typeof body.advanceMs === 'number') clock.advance(body.advanceMs);
      else if (typeof body.now === 'string' && !Number.isNaN(Date.parse(body.now)))
        clock.set(Date.parse(body.now));
      else throw new RangeError('send {"advanceMs": <ms>} or {"now": "<ISO time>"}');
    } catch (error) {
      return bad(reply, error);
    }
    return { now: new Date(clock.now()).toISOString() };
  });
  app.post(`${SIDE_CHANNEL_PREFIX}/rate-limits/reset`, async (_request, reply) => {
    options.resetRateLimits?.();
    return reply.status(204).send();
  });
  options.sideChannel?.(app);
}
