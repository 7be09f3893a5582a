/**
 * @module The one error type of DataSync: a closed set of codes, a message for people, an optional hint that
 * names the fix, and structured details. The HTTP layer and the CLI each turn it into their own shape in one place.
 */

export const ERROR_CODES = [
  // configuration and start-up
  'config_invalid',
  'data_dir_unwritable',
  'port_in_use',
  'database_unreachable',
  'secret_key_invalid',
  'migration_failed',
  // requests
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'managed_by_config',
  'payload_too_large',
  'rate_limited',
  'not_implemented',
  /** Waited for something (a run) that did not end in time; it may still. */
  'timeout',
  // platforms (connector error classes)
  'network',
  'auth',
  'quota',
  'remote_validation',
  'remote_conflict',
  'remote_not_found',
  // everything else: a bug
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface DataSyncErrorOptions {
  /** What the reader should do about it: shown after the message by the CLI. */
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class DataSyncError extends Error {
  override readonly name = 'DataSyncError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: DataSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  /** One line for a terminal: the problem, then the fix. */
  toOneLine(): string {
    return this.hint ? `${this.message}: ${this.hint}` : this.message;
  }
}

/**
 * A run stopped on purpose, to go on later from its checkpoint (a rate budget spent until `resumeAt`): not a
 * failure. The engine lets it through untouched, for the runtime to end the run `partial` with a continuation.
 */
export class RunInterruption extends Error {
  constructor(
    message: string,
    readonly resumeAt: Date,
  ) {
    super(message);
  }
}

/**
 * A run asked to stop at its next batch boundary (the process is shutting down): what was committed stays, and
 * the run goes on from its checkpoint as soon as a worker takes it again, with its attempt unspent.
 */
export class RunDrained extends RunInterruption {
  constructor() {
    super('stopped at a batch boundary for shutdown; resumes from its checkpoint', new Date());
  }
}

export function isDataSyncError(value: unknown): value is DataSyncError {
  return value instanceof DataSyncError;
}

/** Node system errors carry a string `code` such as EADDRINUSE; this reads it without `any`. */
export function systemErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
