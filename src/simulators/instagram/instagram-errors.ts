/**
 * @module Graph API error bodies (developers.facebook.com/docs/graph-api/guides/error-handling):
 * `{"error":{"message","type","code","error_subcode"?,"is_transient"?,"fbtrace_id"}}`. Codes used here: 190 invalid
 * or expired token (subcode 463 = expired), 2500 no token, 100 invalid parameter / nonexisting field (subcode 33 =
 * unknown object), 1/2 unknown/temporary, and the throttling codes 4, 17, 32, 613 (platform) and 80002 (Business Use
 * Case, "There have been too many calls to this Instagram account…", listed in Meta's reference error tables).
 * Choice (the docs show no status for these): every error is HTTP 400 except 5xx faults, which keep their status.
 */
import { randomBytes } from 'node:crypto';
import type { PlatformErrorReply, PlatformErrors } from '../kit/platform-error.js';

export type ThrottleCode = 4 | 17 | 32 | 613 | 80002;

const THROTTLE_MESSAGES: Record<ThrottleCode, string> = {
  4: '(#4) Application request limit reached',
  17: '(#17) User request limit reached',
  32: '(#32) Page request limit reached',
  613: '(#613) Calls to this api have exceeded the rate limit.',
  80002:
    '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again. For more info, please refer to https://developers.facebook.com/docs/graph-api/overview/rate-limiting.',
};

/** Short random ids like Meta's ("AbCdEfGh123"), different on every answer. */
export const fbtraceId = () => randomBytes(9).toString('base64url');

export function graphError(
  status: number,
  code: number,
  message: string,
  extra: { type?: string; error_subcode?: number; is_transient?: boolean } = {},
): PlatformErrorReply {
  const { type = 'OAuthException', ...rest } = extra;
  return { status, body: { error: { message, type, code, ...rest, fbtrace_id: fbtraceId() } } };
}

export const invalidToken = () =>
  graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
export const missingToken = () =>
  graphError(400, 2500, 'An active access token must be used to query information about the current user.');
export const expiredToken = (expiredMs: number, nowMs: number) =>
  graphError(
    400,
    190,
    `Error validating access token: Session has expired on ${new Date(expiredMs).toUTCString()}. The current time is ${new Date(nowMs).toUTCString()}.`,
    { error_subcode: 463 },
  );
export const invalidParameter = (message: string) => graphError(400, 100, message);
export const unknownObject = (id: string) =>
  graphError(
    400,
    100,
    `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    { type: 'GraphMethodException', error_subcode: 33 },
  );
export const nonexistingField = (field: string, node: string) =>
  graphError(400, 100, `(#100) Tried accessing nonexisting field (${field}) on node type (${node})`);

export function throttled(code: ThrottleCode): PlatformErrorReply {
  return graphError(400, code, THROTTLE_MESSAGES[code], { is_transient: true });
}

export function instagramErrors(throttleCode: ThrottleCode): PlatformErrors {
  return {
    generic(status, message) {
      if (status >= 500) return graphError(status, status === 503 ? 2 : 1, message, { is_transient: true });
      return graphError(status, 100, message);
    },
    // Meta throttles with an error body and no Retry-After; usage headers say when access returns.
    rateLimited: () => throttled(throttleCode),
    invalidJson: () => invalidParameter('(#100) The request body could not be parsed'),
    routeNotFound: (method, path) =>
      graphError(400, 100, `Unsupported ${method.toLowerCase()} request. Unknown path ${path}`, {
        type: 'GraphMethodException',
      }),
  };
}
