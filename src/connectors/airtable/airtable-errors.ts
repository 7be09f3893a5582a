/**
 * @module Airtable's error answers as ConnectorErrors. Bodies (airtable.com/developers/web/api/errors):
 * `{"error":{"type","message"}}`, `{"error":"NOT_FOUND"}`, or for 429 `{"errors":[{"error","message"}]}`.
 * A 429 means "wait 30 seconds" (no Retry-After is documented; one is honoured when present).
 */
import { ConnectorError, kindForStatus, parseRetryAfter } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

/** Airtable's documented penalty after a 429. */
export const AIRTABLE_RATE_LIMIT_WAIT_MS = 30_000;

export function airtableErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const body = answer.body as Record<string, unknown> | string | undefined;
  let type: string | undefined;
  let message: string | undefined;
  if (body && typeof body === 'object') {
    const error = body.error;
    if (typeof error === 'string') type = error;
    else if (error && typeof error === 'object') {
      const e = error as { type?: unknown; message?: unknown };
      if (typeof e.type === 'string') type = e.type;
      if (typeof e.message === 'string') message = e.message;
    } else if (Array.isArray(body.errors) && body.errors[0] && typeof body.errors[0] === 'object') {
      const e = body.errors[0] as { error?: unknown; message?: unknown };
      if (typeof e.error === 'string') type = e.error;
      if (typeof e.message === 'string') message = e.message;
    }
  }
  let kind = kindForStatus(answer.status);
  // A 403 for a base or table the token cannot see reads as "not found" in Airtable's own words.
  if (answer.status === 403 && type === 'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND') kind = 'auth';
  if (type === 'MODEL_ID_NOT_FOUND' || type === 'NOT_FOUND' || type === 'TABLE_NOT_FOUND') kind = 'not_found';
  // An expired listing iterator is no fault of the request: listing again from the start succeeds.
  if (type === 'LIST_RECORDS_ITERATOR_NOT_AVAILABLE') kind = 'server';
  const retryAfterMs =
    kind === 'rate_limited'
      ? (parseRetryAfter(answer.headers['retry-after']) ?? AIRTABLE_RATE_LIMIT_WAIT_MS)
      : undefined;
  return new ConnectorError(
    kind,
    `Airtable ${what}: ${answer.status}${type ? ` ${type}` : ''}${message ? `: ${message}` : ''}`,
    {
      status: answer.status,
      ...(type ? { platformCode: type } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}
