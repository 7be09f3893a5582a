/**
 * @module Airtable's error bodies. Documented (airtable.com/developers/web/api/errors): JSON with `error` and
 * `message`, 401/403/404/413/422/429/5xx. Choices where the docs show no body:
 * - 404 for an unknown route/base/table: `{"error":"NOT_FOUND"}` (the string form clients report);
 * - 429: `{"errors":[{"error":"RATE_LIMIT_REACHED","message":"Rate limit exceeded. Please try again later"}]}`
 *   (message from the errors page, envelope as reported by clients; no Retry-After header is documented).
 */
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export function airtableError(status: number, type: string, message: string): PlatformErrorReply {
  return { status, body: { error: { type, message } } };
}

export const airtableErrors: PlatformErrors = {
  generic(status, message) {
    if (status === 404) return { status, body: { error: 'NOT_FOUND' } };
    const type =
      status >= 500 ? 'SERVER_ERROR' : status === 401 ? 'AUTHENTICATION_REQUIRED' : 'INVALID_REQUEST_UNKNOWN';
    return airtableError(status, type, message);
  },
  rateLimited() {
    return {
      status: 429,
      body: {
        errors: [{ error: 'RATE_LIMIT_REACHED', message: 'Rate limit exceeded. Please try again later' }],
      },
    };
  },
  invalidJson() {
    return airtableError(400, 'INVALID_REQUEST_BODY', 'The request body could not be parsed as JSON');
  },
  routeNotFound() {
    return { status: 404, body: { error: 'NOT_FOUND' } };
  },
};

export const invalidRequest = (message: string) => airtableError(422, 'INVALID_REQUEST_UNKNOWN', message);
