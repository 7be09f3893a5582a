/**
 * @module What the HTTP API can be tuned with: limits, session lifetime and the pluggable connection checker.
 * Production uses the defaults; tests pass their own (a tight limit to test it, a loose one to fuzz).
 */
import type { AppContext } from '../app/context.js';
import { FailureLimiter } from './auth/failure-limiter.js';
import { unavailableConnectionChecker, type ConnectionChecker } from './connection-checker.js';
import type { Queue } from '../runtime/queue/queue.js';

export interface ApiOptions {
  connectionChecker: ConnectionChecker;
  sessionTtlMs: number;
  /** Sign-in attempts per client IP (by @fastify/rate-limit). */
  loginRateLimit: { max: number; timeWindowMs: number };
  /** Failed API key / session checks per client IP before it is refused. */
  authFailureLimit: { max: number; windowMs: number };
  /** The runtime's job queue, for routes that start runs; without it they answer 501. */
  queue: Queue | undefined;
}

export function defaultApiOptions(overrides: Partial<ApiOptions> = {}): ApiOptions {
  return {
    connectionChecker: unavailableConnectionChecker,
    sessionTtlMs: 7 * 24 * 3600 * 1000,
    loginRateLimit: { max: 10, timeWindowMs: 60_000 },
    authFailureLimit: { max: 20, windowMs: 60_000 },
    queue: undefined,
    ...overrides,
  };
}

/** What every route handler can reach: the application and the API's own state. */
export interface ApiContext {
  app: AppContext;
  options: ApiOptions;
  authFailures: FailureLimiter;
}

export function createApiContext(app: AppContext, options: ApiOptions): ApiContext {
  return { app, options, authFailures: new FailureLimiter(options.authFailureLimit) };
}
