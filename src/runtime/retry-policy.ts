/**
 * @module What to do after a job failed, by error class (pure; see retry-policy.test.ts):
 * - network, 5xx, timeouts, unknown errors: retry with exponential backoff and full jitter until the attempts run out
 *   (then dead-letter);
 * - 429: retry after the platform's Retry-After (or the backoff when it gave none);
 * - auth: refresh the token once and retry; a second auth failure stops and marks the connection unhealthy;
 * - validation, conflict, not found: no retry (the same call fails the same way), reported on the run.
 */
import { isConnectorError } from '../connectors/sdk/errors.js';
import { errorMessage, isDataSyncError } from '../lib/errors.js';

export type RetryDecision =
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'refresh_auth'; reason: string }
  | { action: 'fail'; reason: string; markUnhealthy: boolean }
  | { action: 'dead'; reason: string };

export interface RetryPolicyOptions {
  /** First backoff ceiling. Default 1 s. */
  baseMs?: number;
  /** Largest backoff ceiling. Default 5 min. */
  maxMs?: number;
  random?: () => number;
}

export interface RetryState {
  /** The attempt that failed (1-based). */
  attempt: number;
  maxAttempts: number;
  /** The one token refresh was already spent on this run. */
  authRefreshed: boolean;
}

/** Full jitter: uniform in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, options: RetryPolicyOptions = {}): number {
  const base = options.baseMs ?? 1000;
  const max = options.maxMs ?? 300_000;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

export function decideRetry(
  error: unknown,
  state: RetryState,
  options: RetryPolicyOptions = {},
): RetryDecision {
  const reason = describe(error);
  const retry = (delayMs: number): RetryDecision =>
    state.attempt >= state.maxAttempts
      ? { action: 'dead', reason: `${reason} (gave up after ${state.attempt} attempts)` }
      : { action: 'retry', delayMs, reason };
  if (isConnectorError(error)) {
    switch (error.kind) {
      case 'network':
      case 'server':
        return retry(backoffMs(state.attempt, options));
      case 'rate_limited':
        return retry(error.retryAfterMs ?? backoffMs(state.attempt, options));
      case 'auth':
        return state.authRefreshed
          ? { action: 'fail', reason, markUnhealthy: true }
          : { action: 'refresh_auth', reason };
      case 'validation':
      case 'conflict':
      case 'not_found':
        return { action: 'fail', reason, markUnhealthy: false };
    }
  }
  if (isDataSyncError(error)) {
    if (
      ['validation_failed', 'bad_request', 'not_found', 'forbidden', 'remote_validation'].includes(error.code)
    ) {
      return { action: 'fail', reason, markUnhealthy: false };
    }
    if (error.code === 'auth' || error.code === 'unauthorized') {
      return state.authRefreshed
        ? { action: 'fail', reason, markUnhealthy: true }
        : { action: 'refresh_auth', reason };
    }
  }
  return retry(backoffMs(state.attempt, options));
}

function describe(error: unknown): string {
  if (isConnectorError(error))
    return `${error.kind}${error.status ? ` ${error.status}` : ''}: ${error.message}`;
  if (isDataSyncError(error)) return `${error.code}: ${error.message}`;
  return errorMessage(error);
}
