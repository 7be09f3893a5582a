/**
 * @module The one place where errors become HTTP responses: `{"error":{"code","message","details"}}` with the
 * right status. Anything that is not a known error is a bug: logged in full, answered with a bare 500.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DataSyncError, systemErrorCode, type ErrorCode } from '../lib/errors.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  managed_by_config: 409,
  payload_too_large: 413,
  rate_limited: 429,
  not_implemented: 501,
  database_unreachable: 503,
  timeout: 504,
};

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details: Record<string, unknown> = {}): ErrorBody {
  return { error: { code, message, details } };
}

export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof DataSyncError) {
    const status = STATUS[error.code] ?? 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(status).send(errorBody(error.code, error.message, error.details));
    return;
  }
  if (isUniqueViolation(error)) {
    // A second row with the same natural key (name, key, email): the database is the judge, even under races.
    void reply.status(409).send(errorBody('conflict', 'a resource with the same name or key already exists'));
    return;
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // Fastify's own client errors: malformed JSON, body too large, unsupported media type…
    const code = status === 413 ? 'payload_too_large' : status === 429 ? 'rate_limited' : 'bad_request';
    void reply
      .status(status)
      .send(errorBody(code, fastifyError.message ?? 'bad request', { fastifyCode: fastifyError.code }));
    return;
  }
  request.log.error({ err: error }, 'unhandled error');
  void reply.status(500).send(errorBody('internal', 'internal error'));
}

/** SQLite and Postgres spell "unique constraint violated" differently; both mean 409. */
function isUniqueViolation(error: unknown): boolean {
  const code = systemErrorCode(error);
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
