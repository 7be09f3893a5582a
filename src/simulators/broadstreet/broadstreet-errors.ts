/**
 * @module Broadstreet's error bodies. The public material (the PHP client, the read-only endpoint wiki) documents
 * only the statuses a client sees: 403 "Auth denied" for a bad or missing access_token, 404 for an unknown id,
 * 422 for validation failures, 500. It shows no body, so the shape is our choice (Rails-style, as the API is a
 * Rails app): `{"error":"<message>"}` always, plus `{"errors":{"<field>":["<message>"]}}` on a 422.
 * The 429 is ours too (no documented limit): `{"error":"Rate limit exceeded"}` with `Retry-After: <seconds>`.
 */
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export function broadstreetError(
  status: number,
  message: string,
  errors?: Record<string, string[]>,
): PlatformErrorReply {
  return { status, body: errors ? { error: message, errors } : { error: message } };
}

/** A 422 naming the field that failed, e.g. `validationError('name', 'has already been taken')`. */
export function validationError(field: string, problem: string): PlatformErrorReply {
  return broadstreetError(422, `Validation failed: ${field} ${problem}`, { [field]: [problem] });
}

export const notFound = (kind: string, id: string | number) =>
  broadstreetError(404, `Couldn't find ${kind} with 'id'=${id}`);

export const authDenied = () => broadstreetError(403, 'Auth denied: invalid or missing access_token');

export const broadstreetErrors: PlatformErrors = {
  generic(status, message) {
    return broadstreetError(status, message);
  },
  rateLimited(retryAfterMs) {
    return {
      ...broadstreetError(429, 'Rate limit exceeded'),
      headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    };
  },
  invalidJson() {
    return broadstreetError(400, 'The request body could not be parsed');
  },
  routeNotFound(method, path) {
    return broadstreetError(404, `No route matches [${method}] "${path}"`);
  },
};
