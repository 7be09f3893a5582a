/**
 * @module Notion's error object as ConnectorErrors (developers.notion.com/reference/status-codes):
 * `{"object":"error","status","code","message"}`. The code decides the kind; a 429 `rate_limited` carries
 * `Retry-After` in seconds.
 */
import { ConnectorError, kindForStatus, parseRetryAfter, type ConnectorErrorKind } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

const KIND_BY_CODE: Record<string, ConnectorErrorKind> = {
  invalid_json: 'validation',
  invalid_request_url: 'validation',
  invalid_request: 'validation',
  validation_error: 'validation',
  missing_version: 'validation',
  invalid_grant: 'auth',
  unauthorized: 'auth',
  restricted_resource: 'auth',
  object_not_found: 'not_found',
  conflict_error: 'conflict',
  rate_limited: 'rate_limited',
  internal_server_error: 'server',
  service_unavailable: 'server',
  database_connection_unavailable: 'server',
  gateway_timeout: 'server',
};

/** Without a Retry-After, Notion's advice is to back off: one second is the smallest honest wait. */
export const NOTION_DEFAULT_RETRY_MS = 1_000;

export function notionErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const body = answer.body as { code?: unknown; message?: unknown } | undefined;
  const code = body && typeof body === 'object' && typeof body.code === 'string' ? body.code : undefined;
  const message =
    body && typeof body === 'object' && typeof body.message === 'string' ? body.message : undefined;
  const kind =
    (code && Object.hasOwn(KIND_BY_CODE, code) ? KIND_BY_CODE[code] : undefined) ??
    kindForStatus(answer.status);
  const retryAfterMs =
    kind === 'rate_limited'
      ? (parseRetryAfter(answer.headers['retry-after']) ?? NOTION_DEFAULT_RETRY_MS)
      : undefined;
  return new ConnectorError(
    kind,
    `Notion ${what}: ${answer.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`,
    {
      status: answer.status,
      ...(code ? { platformCode: code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}
