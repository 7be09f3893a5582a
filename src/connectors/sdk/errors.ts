/**
 * @module How a connector reports a failed platform call: one typed error whose `kind` decides what the runtime
 * does next (network and server: retry with backoff; rate_limited: wait for `retryAfterMs`; auth: refresh the
 * token once, then stop and mark the connection unhealthy; validation, conflict, not_found: no retry, reported
 * per record).
 */

export const CONNECTOR_ERROR_KINDS = [
  'network',
  'server',
  'rate_limited',
  'auth',
  'validation',
  'conflict',
  'not_found',
] as const;

export type ConnectorErrorKind = (typeof CONNECTOR_ERROR_KINDS)[number];

export interface ConnectorErrorOptions {
  /** HTTP status, when the platform answered. */
  status?: number;
  /** From Retry-After or the platform's documented wait. */
  retryAfterMs?: number;
  /** The platform's own error code (e.g. Notion `validation_error`, Airtable `INVALID_REQUEST_UNKNOWN`). */
  platformCode?: string;
  /**
   * False when the request never reached the platform (the connection could not be opened, or an earlier write
   * of the same batch failed first): a write that was not sent was not applied. See write-outcome.ts.
   */
  sent?: boolean;
  cause?: unknown;
}

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError';
  readonly kind: ConnectorErrorKind;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly platformCode: string | undefined;
  readonly sent: boolean;

  constructor(kind: ConnectorErrorKind, message: string, options: ConnectorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.platformCode = options.platformCode;
    this.sent = options.sent ?? true;
  }

  /** Network blips, 5xx and 429 are worth another attempt; the rest will fail the same way again. */
  get retryable(): boolean {
    return this.kind === 'network' || this.kind === 'server' || this.kind === 'rate_limited';
  }
}

/** Classifies an HTTP status the way most platforms mean it; connectors refine with the platform's error body. */
export function kindForStatus(status: number): ConnectorErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404 || status === 410) return 'not_found';
  if (status === 409 || status === 412) return 'conflict';
  if (status >= 500) return 'server';
  return 'validation';
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function isConnectorError(value: unknown): value is ConnectorError {
  return value instanceof ConnectorError;
}
