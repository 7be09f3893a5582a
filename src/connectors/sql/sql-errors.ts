/**
 * @module Driver errors as ConnectorErrors. Postgres reports a SQLSTATE in `code`, better-sqlite3 an extended
 * result code (`SQLITE_CONSTRAINT_UNIQUE`…); Node reports socket failures (`ECONNREFUSED`…). The kind decides
 * what the runtime does: constraint and type errors are the record's fault (`validation`, `conflict` for a
 * duplicate key), a refused login is `auth`, an unreachable or restarting server is `network`/`server` (retried).
 */
import { ConnectorError, isConnectorError, type ConnectorErrorKind } from '../sdk/errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);

export function sqlErrorKind(code: string | undefined, message: string): ConnectorErrorKind {
  if (code === undefined) {
    return /timeout|terminated|connect/i.test(message) ? 'network' : 'server';
  }
  if (NETWORK_CODES.has(code)) return 'network';
  if (code.startsWith('SQLITE_')) {
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'conflict';
    if (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG')
      return 'validation';
    if (code.startsWith('SQLITE_CANTOPEN')) return 'not_found';
    if (code === 'SQLITE_AUTH' || code === 'SQLITE_PERM' || code.startsWith('SQLITE_READONLY')) return 'auth';
    if (code === 'SQLITE_ERROR' && /no such (table|column)/i.test(message)) return 'validation';
    return 'server';
  }
  if (code === '23505') return 'conflict';
  if (code === '42P01' || code === '3D000' || code === '3F000') return 'not_found';
  if (code.startsWith('28') || code === '42501') return 'auth';
  // 22: data exceptions (bad value for the type), 23: integrity constraints, 42: a column that does not exist.
  if (code.startsWith('22') || code.startsWith('23') || code.startsWith('42')) return 'validation';
  if (code.startsWith('08') || code === '57P01' || code === '57P03') return 'network';
  return 'server';
}

export function sqlErrorOf(error: unknown, what: string): ConnectorError {
  if (isConnectorError(error)) return error;
  const code =
    error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
      ? (error as { code: string }).code
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new ConnectorError(sqlErrorKind(code, message), `sql ${what}: ${message}`, {
    ...(code ? { platformCode: code } : {}),
    cause: error,
  });
}
