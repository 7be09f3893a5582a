/**
 * @module Synup's error answers as ConnectorErrors (docs/simulators/synup-posts.md):
 * `{"success":false,"errors":[{"code","message"}]}` with UNAUTHORIZED, NOT_FOUND, VALIDATION_ERROR, INVALID_JSON,
 * INVALID_STATE, RATE_LIMITED (429 with Retry-After seconds), INTERNAL_ERROR, SERVICE_UNAVAILABLE.
 */
import { ConnectorError, kindForStatus, parseRetryAfter, type ConnectorErrorKind } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

const KIND_BY_CODE: Record<string, ConnectorErrorKind> = {
  UNAUTHORIZED: 'auth',
  FORBIDDEN: 'auth',
  NOT_FOUND: 'not_found',
  VALIDATION_ERROR: 'validation',
  INVALID_JSON: 'validation',
  INVALID_STATE: 'validation',
  RATE_LIMITED: 'rate_limited',
  INTERNAL_ERROR: 'server',
  SERVICE_UNAVAILABLE: 'server',
};

/** Without Retry-After: the limit is per second, so one second. */
export const SYNUP_DEFAULT_RETRY_MS = 1_000;

export function synupErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const errors = (answer.body as { errors?: unknown } | undefined)?.errors;
  const first = Array.isArray(errors)
    ? (errors[0] as { code?: unknown; message?: unknown } | undefined)
    : undefined;
  const code = typeof first?.code === 'string' ? first.code : undefined;
  let kind =
    (code && Object.hasOwn(KIND_BY_CODE, code) ? KIND_BY_CODE[code] : undefined) ??
    kindForStatus(answer.status);
  if (answer.status === 429) kind = 'rate_limited';
  if (answer.status >= 500) kind = 'server';
  const retryAfterMs =
    kind === 'rate_limited'
      ? (parseRetryAfter(answer.headers['retry-after']) ?? SYNUP_DEFAULT_RETRY_MS)
      : undefined;
  return new ConnectorError(
    kind,
    `Synup ${what}: ${answer.status}${code ? ` ${code}` : ''}${typeof first?.message === 'string' ? `: ${first.message}` : ''}`,
    {
      status: answer.status,
      ...(code ? { platformCode: code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}
