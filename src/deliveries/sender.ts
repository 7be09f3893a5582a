/**
 * @module Sends one signed delivery over HTTP and classifies the answer. 2xx is success; 5xx, 408, 429,
 * timeouts and network errors are worth retrying; any other 4xx means the receiver rejected the payload and
 * sending it again would fail the same way.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { errorMessage } from '../lib/errors.js';
import { parseRetryAfter } from '../connectors/sdk/errors.js';
import { signDelivery } from './signing.js';

export const RESPONSE_EXCERPT_CHARS = 500;

export interface SendInput {
  url: string;
  secret: string;
  body: string;
  /** Becomes webhook-id: the same across retries of one delivery, so receivers can dedupe. */
  deliveryId: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
  retryable: boolean;
  retryAfterMs: number | undefined;
}

export async function sendSigned(input: SendInput): Promise<SendResult> {
  const started = performance.now();
  const headers = signDelivery(input.secret, input.body, { id: input.deliveryId });
  const timeout = input.timeoutMs ?? 10_000;
  try {
    const response = await request(input.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'DataSync', ...headers },
      body: input.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    const text = await response.body.text();
    const status = response.statusCode;
    const ok = status >= 200 && status < 300;
    const retryAfter = response.headers['retry-after'];
    return {
      ok,
      statusCode: status,
      latencyMs: performance.now() - started,
      responseExcerpt: text.slice(0, RESPONSE_EXCERPT_CHARS) || null,
      error: ok ? null : `HTTP ${status}`,
      retryable: !ok && (status >= 500 || status === 408 || status === 429),
      retryAfterMs: parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter),
    };
  } catch (error) {
    return {
      ok: false,
      statusCode: null,
      latencyMs: performance.now() - started,
      responseExcerpt: null,
      error: errorMessage(error),
      retryable: !input.signal?.aborted,
      retryAfterMs: undefined,
    };
  }
}

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^(attempt-1))]. */
export function backoffDelay(
  attempt: number,
  options: { baseMs?: number; capMs?: number; random?: () => number } = {},
): number {
  const base = options.baseMs ?? 500;
  const cap = options.capMs ?? 30_000;
  return Math.floor((options.random ?? Math.random)() * Math.min(cap, base * 2 ** (attempt - 1)));
}
