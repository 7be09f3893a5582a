/**
 * @module The one rule for "did a write that failed happen anyway?". A create whose outcome is unknown must be
 * looked for (recovery by `findCreated`, or held for a person) before it is sent again, or the record exists twice;
 * a create the platform refused must be decided afresh, or it is held for nothing. Every place that decides from an
 * error whether a write may have been applied asks `mayHaveBeenApplied`.
 *
 * The answer classes:
 * - no answer (connection reset, timeout, a 2xx whose body could not be read, a 5xx, a 3xx) → it may have happened.
 *   A 2xx with a broken body almost certainly did: the platform said yes and only the answer was lost in transit.
 *   A 3xx is no refusal either (a 303 answers a POST that was carried out).
 * - an answer that refuses (any 4xx: 400, 401/403, 404, 408, 409, 422, 429, or a per-record refusal inside a 2xx
 *   multi-status answer, which connectors report with a refusal kind) → nothing was written.
 * - a write that never went out (`sent: false`: the connection could not be opened, or an earlier write of the same
 *   batch failed first) → nothing was written.
 *
 * Updates and deletes are idempotent (sending one again is harmless), so for them the rule only says whether the
 * base may already have moved; the engine keeps their in-flight marks either way.
 */
import { ConnectorError, type ConnectorErrorKind } from './errors.js';
import type { WriteResult } from './types.js';

/** Kinds that only an answer from the platform can carry: it looked at the write and said no. */
const REFUSALS: ReadonlySet<ConnectorErrorKind> = new Set([
  'rate_limited',
  'auth',
  'validation',
  'conflict',
  'not_found',
]);

/** Whether the platform may have applied a write that ended with `error` (see the module comment). */
export function mayHaveBeenApplied(error: unknown): boolean {
  // Not a platform error (an abort, a bug after the call went out): nothing says the write did not happen.
  if (!(error instanceof ConnectorError)) return true;
  if (!error.sent) return false;
  const status = error.status;
  if (status !== undefined) {
    if (status >= 400 && status < 500) return false;
    if (status >= 300) return true;
  }
  return !REFUSALS.has(error.kind);
}

/** The error for a write that was never sent because `cause` ended its batch first. */
export function notSent(cause: ConnectorError): ConnectorError {
  return new ConnectorError(cause.kind, `not sent: ${cause.message}`, {
    ...(cause.status !== undefined ? { status: cause.status } : {}),
    ...(cause.retryAfterMs !== undefined ? { retryAfterMs: cause.retryAfterMs } : {}),
    ...(cause.platformCode !== undefined ? { platformCode: cause.platformCode } : {}),
    sent: false,
    cause,
  });
}

/** A failure that belongs to one record (the platform refused that record), not to the whole call. */
export function isRecordLevel(error: unknown): error is ConnectorError {
  return (
    error instanceof ConnectorError &&
    (error.kind === 'validation' || error.kind === 'conflict' || error.kind === 'not_found')
  );
}

export interface ChunkedWrite<T> {
  /** Platform calls of at most this many inputs. */
  size: number;
  /** One platform call for a chunk; returns one result per input, in order. */
  send: (chunk: T[]) => Promise<WriteResult[]>;
  /** Which failures of a call are a record's own (default isRecordLevel): a chunk failing so is sent one by one. */
  recordLevel?: (error: unknown) => error is ConnectorError;
  /** The result for a single input refused with a record-level error (default: that failure). */
  refused?: (input: T, error: ConnectorError) => WriteResult;
}

/**
 * Sends `inputs` in chunks. A chunk that fails for one of its records is sent again one input at a time, so the
 * others still go through. A whole-call failure (network, 5xx, 429, auth) throws while nothing was written yet, so
 * the engine can tell a batch that wrote nothing; once writes went through it ends the batch per record instead:
 * the inputs of the failed call get its error (their outcome is what mayHaveBeenApplied says), the ones after it
 * get `notSent`, and the writes that happened are kept (a throw would have the engine look for, or resend, them).
 */
export async function writeInChunks<T>(inputs: readonly T[], write: ChunkedWrite<T>): Promise<WriteResult[]> {
  const recordLevel = write.recordLevel ?? isRecordLevel;
  const refused =
    write.refused ?? ((_input: T, error: ConnectorError): WriteResult => ({ ok: false, error }));
  const results: WriteResult[] = [];
  const stop = (error: unknown, failed: number): WriteResult[] => {
    if (!results.some((r) => r.ok) || !(error instanceof ConnectorError)) throw error;
    for (let i = 0; i < failed; i++) results.push({ ok: false, error });
    const rest = notSent(error);
    while (results.length < inputs.length) results.push({ ok: false, error: rest });
    return results;
  };
  for (let start = 0; start < inputs.length; start += write.size) {
    const chunk = inputs.slice(start, start + write.size);
    try {
      results.push(...(await write.send(chunk)));
      continue;
    } catch (error) {
      if (!recordLevel(error)) return stop(error, chunk.length);
      if (chunk.length === 1) {
        results.push(refused(chunk[0]!, error));
        continue;
      }
    }
    for (const input of chunk) {
      try {
        results.push(...(await write.send([input])));
      } catch (error) {
        if (!recordLevel(error)) return stop(error, 1);
        results.push(refused(input, error));
      }
    }
  }
  return results;
}
