/**
 * @module Notion's error object (developers.notion.com/reference/status-codes):
 * `{"object":"error","status":N,"code":"…","message":"…","request_id":"…"}` with the documented codes and
 * example messages. The 429 message is the one Notion sends ("You have been rate limited…").
 */
import { randomUUID } from 'node:crypto';
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export type NotionErrorCode =
  | 'invalid_json'
  | 'invalid_request_url'
  | 'invalid_request'
  | 'invalid_grant'
  | 'validation_error'
  | 'missing_version'
  | 'unauthorized'
  | 'restricted_resource'
  | 'object_not_found'
  | 'conflict_error'
  | 'rate_limited'
  | 'internal_server_error'
  | 'service_unavailable'
  | 'gateway_timeout';

export function notionError(status: number, code: NotionErrorCode, message: string): PlatformErrorReply {
  return { status, body: { object: 'error', status, code, message, request_id: randomUUID() } };
}

export const validationError = (message: string) => notionError(400, 'validation_error', message);

export const notionErrors: PlatformErrors = {
  generic(status, message) {
    const code: NotionErrorCode =
      status === 503
        ? 'service_unavailable'
        : status === 504
          ? 'gateway_timeout'
          : status >= 500
            ? 'internal_server_error'
            : status === 404
              ? 'object_not_found'
              : status === 409
                ? 'conflict_error'
                : status === 401
                  ? 'unauthorized'
                  : status === 403
                    ? 'restricted_resource'
                    : 'invalid_request';
    return notionError(status, code, message);
  },
  rateLimited(retryAfterMs) {
    const reply = notionError(
      429,
      'rate_limited',
      'You have been rate limited. Please try again in a few minutes.',
    );
    return { ...reply, headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } };
  },
  invalidJson() {
    return notionError(400, 'invalid_json', 'Error parsing JSON body.');
  },
  routeNotFound() {
    return notionError(400, 'invalid_request_url', 'Invalid request URL.');
  },
};
