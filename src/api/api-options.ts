/**
 * @module What the HTTP API can be tuned with: limits, session lifetime and the pluggable connection checker.
 * Production uses the defaults; tests pass their own (a tight limit to test it, a loose one to fuzz).
 */
import type { AppContext } from '../app/context.js';
import type { Runtime } from '../runtime/runtime.js';
import { defaultWebhookVerifiers } from '../hooks/schemes.js';
import type { WebhookVerifierRegistry } from '../hooks/verifier.js';
import { DataSyncError } from '../lib/errors.js';
import type { Queue } from '../runtime/queue/queue.js';
import type { RuntimeEvents } from '../runtime/events.js';
import { builtInConnectors, type ConnectorRegistry } from '../connectors/registry.js';
import { FailureLimiter } from './auth/failure-limiter.js';
import { unavailableConnectionChecker, type ConnectionChecker } from './connection-checker.js';

export interface ApiOptions {
  connectionChecker: ConnectionChecker;
  sessionTtlMs: number;
  /** Sign-in attempts per client IP (by @fastify/rate-limit). */
  loginRateLimit: { max: number; timeWindowMs: number };
  /** Failed API key / session checks per client IP before it is refused. */
  authFailureLimit: { max: number; windowMs: number };
  /**
   * The process's runtime, for what the server hands to it (webhook processing, cron ticks, replays) and for
   * /metrics. Absent (an API-only test), those answer 503-style `not_implemented` and /metrics has no run figures.
   */
  runtime?: ServerRuntime | undefined;
  /** Inbound webhook schemes by connector name; default: the built-in ones (hooks/schemes.ts). */
  webhookVerifiers?: WebhookVerifierRegistry | undefined;
  /**
   * The runtime's queue, for routes that start or cancel runs (defaults to the runtime's). Without it those routes answer 501.
   */
  queue?: Queue | undefined;
  /** The worker's event stream when it runs in this process: live logs wake on it instead of polling. */
  events?: RuntimeEvents | undefined;
  /** How long POST /sync/start waits for its run before answering 504 (default 120 s). */
  syncStartTimeoutMs?: number | undefined;
  /** Connectors the schema routes open to describe a connection's objects (default: the built-in ones). */
  connectors?: ConnectorRegistry | undefined;
  /** Idle time between keep-alive comments on live log streams (default 15 s). */
  sseHeartbeatMs?: number | undefined;
}

/** The parts of the runtime the HTTP server uses. */
export type ServerRuntime = Pick<Runtime, 'queue' | 'events' | 'scheduler'>;

export function defaultApiOptions(overrides: Partial<ApiOptions> = {}): ApiOptions {
  const options: ApiOptions = {
    connectionChecker: unavailableConnectionChecker,
    sessionTtlMs: 7 * 24 * 3600 * 1000,
    loginRateLimit: { max: 10, timeWindowMs: 60_000 },
    authFailureLimit: { max: 20, windowMs: 60_000 },
    queue: undefined,
    ...overrides,
  };
  // A runtime given whole serves the routes that only need its queue or its events.
  options.queue ??= options.runtime?.queue;
  options.connectors ??= builtInConnectors();
  options.webhookVerifiers ??= defaultWebhookVerifiers();
  options.events ??= options.runtime?.events;
  return options;
}

/** What every route handler can reach: the application and the API's own state. */
export interface ApiContext {
  app: AppContext;
  options: ApiOptions;
  authFailures: FailureLimiter;
  /** Aborted when the server starts closing: long-lived responses (live log streams) end so shutdown is prompt. */
  closing: AbortSignal;
}

export function createApiContext(
  app: AppContext,
  options: ApiOptions,
  closing: AbortSignal = new AbortController().signal,
): ApiContext {
  return { app, options, authFailures: new FailureLimiter(options.authFailureLimit), closing };
}

/** The queue routes enqueue into; a typed 501 when this server was built without one. */
export function requireQueue(api: ApiContext): Queue {
  if (!api.options.queue) {
    throw new DataSyncError(
      'not_implemented',
      'this server has no runtime queue: start it with `datasync start`',
    );
  }
  return api.options.queue;
}
