/**
 * @module TikTok API v2 error bodies as ConnectorErrors. API answers carry `{"error":{"code","message","log_id"}}`
 * (code `ok` on success): access_token_invalid, scope_not_authorized, scope_permission_missed → auth;
 * rate_limit_exceeded (429, no Retry-After: the window is a one-minute sliding one, so the caller picks the wait,
 * see social/sync-account.ts `throttleWaitMs`) → rate_limited; invalid_params → validation;
 * internal_error and 5xx → server. OAuth answers carry `{"error","error_description","log_id"}` instead:
 * invalid_grant / invalid_client → auth (a refresh that cannot succeed), others → validation.
 */
import { ConnectorError, kindForStatus, parseRetryAfter, type ConnectorErrorKind } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

const KIND_BY_CODE: Record<string, ConnectorErrorKind> = {
  access_token_invalid: 'auth',
  scope_not_authorized: 'auth',
  scope_permission_missed: 'auth',
  rate_limit_exceeded: 'rate_limited',
  invalid_params: 'validation',
  internal_error: 'server',
};

const OAUTH_KIND: Record<string, ConnectorErrorKind> = {
  invalid_grant: 'auth',
  invalid_client: 'auth',
  access_denied: 'auth',
};

export function tiktokErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const body = answer.body as
    | {
        error?: { code?: unknown; message?: unknown; log_id?: unknown } | string;
        error_description?: unknown;
      }
    | undefined;
  let code: string | undefined;
  let message: string | undefined;
  let logId: string | undefined;
  let kind: ConnectorErrorKind | undefined;
  if (typeof body?.error === 'string') {
    code = body.error;
    message = typeof body.error_description === 'string' ? body.error_description : undefined;
    kind = OAUTH_KIND[code] ?? 'validation';
  } else if (body?.error && typeof body.error === 'object') {
    code = typeof body.error.code === 'string' ? body.error.code : undefined;
    message = typeof body.error.message === 'string' ? body.error.message : undefined;
    logId = typeof body.error.log_id === 'string' ? body.error.log_id : undefined;
    kind = code && Object.hasOwn(KIND_BY_CODE, code) ? KIND_BY_CODE[code] : undefined;
  }
  if (answer.status === 429) kind = 'rate_limited';
  if (answer.status >= 500) kind = 'server';
  kind ??= kindForStatus(answer.status);
  return new ConnectorError(
    kind,
    `TikTok ${what}: ${answer.status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}${logId ? ` (log_id ${logId})` : ''}`,
    {
      status: answer.status,
      ...(code ? { platformCode: code } : {}),
      ...(kind === 'rate_limited' && parseRetryAfter(answer.headers['retry-after']) !== undefined
        ? { retryAfterMs: parseRetryAfter(answer.headers['retry-after'])! }
        : {}),
    },
  );
}
