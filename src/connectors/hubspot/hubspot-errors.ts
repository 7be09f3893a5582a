/**
 * @module HubSpot's error answers as ConnectorErrors. Bodies: `{"status":"error","message","correlationId",
 * "category"}`; a 429 has `"errorType":"RATE_LIMIT"` and a `policyName` (TEN_SECONDLY_ROLLING, SECONDLY, DAILY).
 * No Retry-After is documented: the wait is the policy's window unless the header is present.
 */
import { ConnectorError, kindForStatus, parseRetryAfter, type ConnectorErrorKind } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

const KIND_BY_CATEGORY: Record<string, ConnectorErrorKind> = {
  VALIDATION_ERROR: 'validation',
  INVALID_AUTHENTICATION: 'auth',
  EXPIRED_AUTHENTICATION: 'auth',
  MISSING_SCOPES: 'auth',
  OBJECT_NOT_FOUND: 'not_found',
  CONFLICT: 'conflict',
  RATE_LIMITS: 'rate_limited',
  INTERNAL_ERROR: 'server',
};

const WAIT_BY_POLICY: Record<string, number> = {
  TEN_SECONDLY_ROLLING: 10_000,
  SECONDLY: 1_000,
  DAILY: 60 * 60 * 1000,
};

export function hubspotErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const body = (answer.body && typeof answer.body === 'object' ? answer.body : {}) as {
    category?: unknown;
    message?: unknown;
    errorType?: unknown;
    policyName?: unknown;
  };
  const category = typeof body.category === 'string' ? body.category : undefined;
  let kind =
    (category && Object.hasOwn(KIND_BY_CATEGORY, category) ? KIND_BY_CATEGORY[category] : undefined) ??
    kindForStatus(answer.status);
  if (answer.status === 429 || body.errorType === 'RATE_LIMIT') kind = 'rate_limited';
  if (answer.status >= 500) kind = 'server';
  const policy = typeof body.policyName === 'string' ? body.policyName : undefined;
  const retryAfterMs =
    kind === 'rate_limited'
      ? (parseRetryAfter(answer.headers['retry-after']) ??
        (policy && Object.hasOwn(WAIT_BY_POLICY, policy) ? WAIT_BY_POLICY[policy] : undefined) ??
        10_000)
      : undefined;
  const code = category ?? (typeof body.errorType === 'string' ? body.errorType : undefined);
  return new ConnectorError(
    kind,
    `HubSpot ${what}: ${answer.status}${code ? ` ${code}` : ''}${typeof body.message === 'string' ? `: ${body.message}` : ''}`,
    {
      status: answer.status,
      ...(code ? { platformCode: code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}
