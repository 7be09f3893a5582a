/**
 * @module Error bodies of the modelled Synup posts API (docs/simulators/synup-posts.md):
 * `{"success":false,"errors":[{"code":"…","message":"…"}]}`; 429 carries `Retry-After` in seconds.
 */
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export type SynupErrorCode =
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'VALIDATION_ERROR'
  | 'INVALID_JSON'
  | 'INVALID_STATE'
  | 'RATE_LIMITED'
  | 'INTERNAL_ERROR'
  | 'SERVICE_UNAVAILABLE';

export function synupError(status: number, code: SynupErrorCode, message: string): PlatformErrorReply {
  return { status, body: { success: false, errors: [{ code, message }] } };
}

export const synupErrors: PlatformErrors = {
  generic(status, message) {
    const code: SynupErrorCode =
      status === 503
        ? 'SERVICE_UNAVAILABLE'
        : status >= 500
          ? 'INTERNAL_ERROR'
          : status === 404
            ? 'NOT_FOUND'
            : status === 401
              ? 'UNAUTHORIZED'
              : 'VALIDATION_ERROR';
    return synupError(status, code, message);
  },
  rateLimited(retryAfterMs) {
    const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
    return {
      ...synupError(429, 'RATE_LIMITED', `Too many requests. Retry after ${seconds} seconds.`),
      headers: { 'Retry-After': String(seconds) },
    };
  },
  invalidJson: () => synupError(400, 'INVALID_JSON', 'The request body is not valid JSON'),
  routeNotFound: (method, path) => synupError(404, 'NOT_FOUND', `No route for ${method} ${path}`),
};
