/**
 * @module Broadstreet's error answers as ConnectorErrors. The public material documents the statuses only (403
 * "Auth denied", 404 unknown id, 422 validation, 500); the body is Rails-style `{"error":"…"}` plus
 * `{"errors":{"<field>":["…"]}}` on a 422 (docs/simulators/broadstreet.md). No rate limit is published: a 429 is
 * read with its Retry-After, else one second (the modelled limit is per second).
 */
import { ConnectorError, kindForStatus, parseRetryAfter } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

export const BROADSTREET_DEFAULT_RETRY_MS = 1_000;

interface ErrorBody {
  error?: unknown;
  errors?: unknown;
}

/** Field → messages of a 422, when the body names them. */
export function fieldErrors(answer: HttpAnswer): Record<string, string[]> {
  const errors = (answer.body as ErrorBody | undefined)?.errors;
  if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return {};
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(errors as Record<string, unknown>)) {
    if (Array.isArray(messages)) out[field] = messages.filter((m): m is string => typeof m === 'string');
  }
  return out;
}

/** A name already used under the same parent: the one validation failure an export resolves by renaming. */
export function isNameTaken(answer: HttpAnswer): boolean {
  return (
    answer.status === 422 && (fieldErrors(answer).name ?? []).some((m) => m.includes('already been taken'))
  );
}

export function broadstreetErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const body = answer.body as ErrorBody | string | undefined;
  const message =
    typeof body === 'object' && body !== null && typeof body.error === 'string'
      ? body.error
      : typeof body === 'string'
        ? body.slice(0, 200)
        : '';
  const kind = answer.status >= 500 ? 'server' : kindForStatus(answer.status);
  const retryAfterMs =
    kind === 'rate_limited'
      ? (parseRetryAfter(answer.headers['retry-after']) ?? BROADSTREET_DEFAULT_RETRY_MS)
      : undefined;
  return new ConnectorError(kind, `Broadstreet ${what}: ${answer.status}${message ? ` ${message}` : ''}`, {
    status: answer.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
