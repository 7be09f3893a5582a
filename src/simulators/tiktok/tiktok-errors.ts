/**
 * @module TikTok API v2 error bodies (developers.tiktok.com/doc/tiktok-api-v2-error-handling): every answer carries
 * `error: {code, message, log_id}`; success is `code: "ok"`. Documented codes and statuses: access_token_invalid
 * 401, internal_error 500, invalid_file_upload 400, invalid_params 400, rate_limit_exceeded 429,
 * scope_not_authorized 401, scope_permission_missed 401. Messages are the documented descriptions.
 * OAuth endpoints use a different shape (developers.tiktok.com/doc/oauth-error-handling):
 * `{"error":"invalid_grant","error_description":"…","log_id":"…"}`; their HTTP status is not documented, so 400 is
 * chosen (401 for invalid_client), as RFC 6749 §5.2 says.
 */
import { randomBytes } from 'node:crypto';
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export type TikTokErrorCode =
  | 'ok'
  | 'access_token_invalid'
  | 'internal_error'
  | 'invalid_file_upload'
  | 'invalid_params'
  | 'rate_limit_exceeded'
  | 'scope_not_authorized'
  | 'scope_permission_missed';

export type OAuthErrorCode =
  | 'access_denied'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_request'
  | 'invalid_scope'
  | 'unauthorized_client'
  | 'unsupported_grant_type';

/** Log ids like TikTok's: a UTC timestamp (yyyyMMddHHmmss) followed by random hex. */
export function logId(nowMs = Date.now()): string {
  const stamp = new Date(nowMs).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

const STATUS: Record<Exclude<TikTokErrorCode, 'ok'>, number> = {
  access_token_invalid: 401,
  internal_error: 500,
  invalid_file_upload: 400,
  invalid_params: 400,
  rate_limit_exceeded: 429,
  scope_not_authorized: 401,
  scope_permission_missed: 401,
};

export const okError = () => ({ code: 'ok', message: '', log_id: logId() });

export function tiktokError(
  code: Exclude<TikTokErrorCode, 'ok'>,
  message: string,
  status?: number,
): PlatformErrorReply {
  return { status: status ?? STATUS[code], body: { error: { code, message, log_id: logId() } } };
}

export const accessTokenInvalid = () =>
  tiktokError('access_token_invalid', 'The access token is invalid or not found in the request.');
export const invalidParams = (message: string) => tiktokError('invalid_params', message);

export function oauthError(error: OAuthErrorCode, description: string): PlatformErrorReply {
  return {
    status: error === 'invalid_client' ? 401 : 400,
    body: { error, error_description: description, log_id: logId() },
  };
}

export const tiktokErrors: PlatformErrors = {
  generic(status, message) {
    return tiktokError(status >= 500 ? 'internal_error' : 'invalid_params', message, status);
  },
  // No Retry-After is documented; the window is a one-minute sliding window.
  rateLimited: () =>
    tiktokError('rate_limit_exceeded', 'The API rate limit was exceeded. Please try again later.'),
  invalidJson: () => invalidParams('The request body is not valid JSON.'),
  routeNotFound: (method, path) => tiktokError('invalid_params', `Unknown API ${method} ${path}`, 404),
};
