/**
 * @module The Broadstreet API client: `access_token` as a query parameter on every call (the docs: "All API calls
 * take an access token as a parameter"), base `https://api.broadstreetads.com` unless the connection sets
 * `baseUrl`; paths carry their generation (`/api/0/…` nested, `/api/1/…` flat). Calls are paced to the
 * connection's rate (evenly spaced, never more than the rate within a second, shared by every object of the
 * connection) and a 429 is waited out (Retry-After) a few times before it is reported, so a long import rides
 * the limit instead of failing on it. Inside a run the runtime's pacer comes on top: every call also takes a token
 * of the connection's shared bucket, so concurrent runs and workers on one token keep to one budget.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectorError } from '../sdk/errors.js';
import { httpCall, type HttpAnswer, type HttpCall } from '../sdk/http.js';
import { pacedCall, type RequestPacer } from '../sdk/pacing.js';
import { broadstreetErrorOf } from './broadstreet-errors.js';

export const BROADSTREET_API = 'https://api.broadstreetads.com';
const MAX_429_WAITS = 8;
/** How much later than one second the call `rate` calls back may have been sent: arrivals jitter. */
const JITTER_MS = 25;

export interface BroadstreetClientOptions {
  baseUrl: string;
  accessToken: string;
  /** Calls per second this client starts at most. */
  requestsPerSecond: number;
  timeoutMs?: number;
  /** The connection's shared buckets (the runtime's), taken on top of this client's own spacing. */
  pacer?: RequestPacer;
}

export class BroadstreetClient {
  /** Send times of the last second's calls (at most `requestsPerSecond` of them). */
  private readonly sent: number[] = [];
  private blockedUntil = 0;
  private gate: Promise<void> = Promise.resolve();
  /** HTTP calls made, 429s included (the import benchmark reads it). */
  requests = 0;

  constructor(readonly options: BroadstreetClientOptions) {}

  /**
   * Waits for this call's turn: evenly spaced, never more than the rate within any second (with a margin for
   * latency jitter, since the platform counts arrivals), and not before a 429's Retry-After. Callers take turns
   * in arrival order.
   */
  private pace(signal?: AbortSignal): Promise<void> {
    const turn = this.gate.then(async () => {
      const rate = this.options.requestsPerSecond;
      const perWindow = Math.max(1, Math.floor(rate));
      const now = Date.now();
      let at = Math.max(now, this.blockedUntil, (this.sent[this.sent.length - 1] ?? 0) + 1000 / rate);
      if (this.sent.length >= perWindow)
        at = Math.max(at, this.sent[this.sent.length - perWindow]! + 1000 + JITTER_MS);
      if (at > now) await sleep(at - now, undefined, signal ? { signal } : undefined);
      this.sent.push(Date.now());
      if (this.sent.length > perWindow) this.sent.shift();
    });
    this.gate = turn.catch(() => undefined);
    return turn;
  }

  /** One call; a non-2xx answer is returned as it is (callers decide, e.g. a taken name is renamed). */
  async raw(
    method: HttpCall['method'],
    path: string,
    extra: { query?: Record<string, string>; body?: Record<string, unknown>; signal?: AbortSignal } = {},
  ): Promise<HttpAnswer> {
    const qs = new URLSearchParams({ ...extra.query, access_token: this.options.accessToken });
    const send = async () => {
      await this.pace(extra.signal);
      this.requests++;
      return httpCall({
        method,
        url: `${this.options.baseUrl}${path}?${qs.toString()}`,
        ...(extra.body ? { body: extra.body } : {}),
        ...(extra.signal ? { signal: extra.signal } : {}),
        ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
      });
    };
    /** A 429's wait, which also holds this client's own spacing back. */
    const rateLimitWait = (answer: HttpAnswer) => {
      if (answer.status !== 429) return undefined;
      const wait = broadstreetErrorOf(answer, path).retryAfterMs ?? 1000;
      this.blockedUntil = Math.max(this.blockedUntil, Date.now() + wait);
      return wait;
    };
    const { pacer } = this.options;
    // With the runtime's pacer, pacedCall waits out and resends 429s inside the run's budget.
    if (pacer) return pacedCall(send, { pacer, signal: extra.signal, rateLimitWait });
    for (let waits = 0; ; waits++) {
      const answer = await send();
      if (rateLimitWait(answer) === undefined || waits >= MAX_429_WAITS) return answer;
    }
  }

  /** One call that must succeed; any other answer becomes a ConnectorError of its kind. */
  async call(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { query?: Record<string, string>; body?: Record<string, unknown>; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const answer = await this.raw(method, path, extra);
    if (answer.status < 200 || answer.status >= 300) throw broadstreetErrorOf(answer, what);
    return answer.body;
  }
}

/** `body[key]` as a list of objects (Broadstreet wraps lists: `{"zones":[…]}`). */
export function listOf(body: unknown, key: string | null, what: string): Record<string, unknown>[] {
  const list = key === null ? body : (body as Record<string, unknown> | undefined)?.[key];
  if (!Array.isArray(list) || list.some((x) => x === null || typeof x !== 'object'))
    throw new ConnectorError('server', `Broadstreet ${what}: malformed list`);
  return list as Record<string, unknown>[];
}

/** `body[key]` as one object (`{"advertiser":{…}}`). */
export function itemOf(body: unknown, key: string | null, what: string): Record<string, unknown> {
  const item = key === null ? body : (body as Record<string, unknown> | undefined)?.[key];
  if (item === null || typeof item !== 'object' || Array.isArray(item))
    throw new ConnectorError('server', `Broadstreet ${what}: malformed object`);
  return item as Record<string, unknown>;
}
