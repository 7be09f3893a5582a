/**
 * @module CSRF protection for cookie sessions (double submit, bound to the session): the token is a one-way hash
 * of the session token, handed to the page in a readable cookie and in login / me responses, and must come back in
 * the `X-CSRF-Token` header on every state-changing request. Another site can make the browser send the cookie but
 * can neither read it nor compute the token. API keys are not sent by browsers on their own, so they need none.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_COOKIE = 'datasync_csrf';
export const SESSION_COOKIE = 'datasync_session';

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`csrf:${sessionToken}`).digest('base64url');
}

export function csrfMatches(sessionToken: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export function isSafeMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
}
