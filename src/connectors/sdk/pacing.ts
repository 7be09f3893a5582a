/**
 * @module Per-request pacing. A platform counts HTTP requests, not engine operations: a list page, a search, a
 * schema load, a token refresh and a connection test each cost one. So a connector's client sends every request
 * through `pacedCall`, which takes a token of the request's bucket first (the runtime's shared, database-backed
 * buckets: every run and worker on the connection draws from one budget) and, when the platform answers that we
 * went too fast, reports it, waits the platform's time and sends the same request again. A rate-limit answer is a
 * refusal (nothing was written), so sending again is safe for every method.
 *
 * Buckets are named by the connector (`default`, HubSpot's `search`, …) and declared with the platform's
 * documented rate on the connector factory (`rateLimit` for `default`, `buckets` for the others).
 *
 * Waiting ends at the run's deadline: the pacer then throws (the runtime's RateBudgetExhausted), the run
 * checkpoints and a continuation is queued. Without a pacer (tests, one-off calls) a 429 comes back as the
 * platform's answer, for the connector to report as `rate_limited`.
 */
import type { HttpAnswer } from './http.js';

export interface RequestPacer {
  /** Waits for a token of `bucket`; throws when the wait would pass the run's deadline or `signal` aborts. */
  take(bucket: string, signal?: AbortSignal): Promise<void>;
  /** The platform refused a request of `bucket` for its rate: no request of it goes out for `waitMs`. */
  refused(bucket: string, waitMs: number): Promise<void>;
}

/** The bucket every request uses unless the connector names another. */
export const DEFAULT_BUCKET = 'default';

/** Consecutive rate-limit answers to one request before it is reported instead (a platform stuck refusing). */
export const MAX_RATE_LIMITED_RESENDS = 50;

export interface PacedCall {
  pacer: RequestPacer | undefined;
  bucket?: string;
  signal?: AbortSignal;
  /** How long the platform asks us to wait when `answer` is a rate-limit refusal; undefined for any other answer. */
  rateLimitWait: (answer: HttpAnswer) => number | undefined;
}

/** Sends one request through the pacer: a token first, and the platform's wait then a resend on a 429. */
export async function pacedCall(send: () => Promise<HttpAnswer>, paced: PacedCall): Promise<HttpAnswer> {
  const { pacer, signal } = paced;
  const bucket = paced.bucket ?? DEFAULT_BUCKET;
  for (let resends = 0; ; resends++) {
    await pacer?.take(bucket, signal);
    const answer = await send();
    if (!pacer || resends >= MAX_RATE_LIMITED_RESENDS) return answer;
    const waitMs = paced.rateLimitWait(answer);
    if (waitMs === undefined) return answer;
    await pacer.refused(bucket, waitMs);
  }
}
