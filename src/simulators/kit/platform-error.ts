/**
 * @module The one way a simulator answers with an error: a status, the platform's own JSON body and headers.
 * Route handlers throw `SimHttpError`; the server turns it into the response in one place.
 */

/** An error response in a platform's documented shape. */
export interface PlatformErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** How one platform spells its errors; the kit uses it for faults, unknown routes and bad JSON. */
export interface PlatformErrors {
  /** Any status with a message, in the platform's shape (faults use it for 5xx). */
  generic(status: number, message: string): PlatformErrorReply;
  /** The platform's 429, with whatever header/body it documents. */
  rateLimited(retryAfterMs: number): PlatformErrorReply;
  invalidJson(): PlatformErrorReply;
  routeNotFound(method: string, path: string): PlatformErrorReply;
}

export class SimHttpError extends Error {
  override readonly name = 'SimHttpError';
  readonly reply: PlatformErrorReply;

  constructor(reply: PlatformErrorReply) {
    super(`simulated platform error ${reply.status}`);
    this.reply = reply;
  }
}

export function isSimHttpError(value: unknown): value is SimHttpError {
  return value instanceof SimHttpError;
}
