/**
 * @module The one HTTP call every platform client makes: undici with connect/headers/body timeouts and the
 * caller's abort signal, JSON in and out. Transport failures and unreadable success bodies become
 * `ConnectorError`s here; a non-2xx answer is returned as it is, so each platform classifies its own error shape.
 */
import { request } from 'undici';
import { ConnectorError } from './errors.js';

export interface HttpCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON when defined. */
  body?: unknown;
  /** Sent as application/x-www-form-urlencoded instead (OAuth token endpoints). */
  form?: Record<string, string>;
  signal?: AbortSignal;
  /** Headers and body must each arrive within this (default 30 s). */
  timeoutMs?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  /** Parsed JSON; undefined for an empty body; the raw text when it is not JSON (errors only). */
  body: unknown;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Performs one call. Throws `network` for transport failures and timeouts, `server` for a malformed 2xx body. */
export async function httpCall(call: HttpCall): Promise<HttpAnswer> {
  const timeout = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let text: string;
  let status: number;
  const headers: Record<string, string | undefined> = {};
  try {
    const response = await request(call.url, {
      method: call.method,
      headers: {
        accept: 'application/json',
        ...(call.form
          ? { 'content-type': 'application/x-www-form-urlencoded' }
          : call.body === undefined
            ? {}
            : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      body: call.form
        ? new URLSearchParams(call.form).toString()
        : call.body === undefined
          ? undefined
          : JSON.stringify(call.body),
      signal: call.signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    status = response.statusCode;
    for (const [name, value] of Object.entries(response.headers))
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    text = await response.body.text();
  } catch (error) {
    if (call.signal?.aborted) throw call.signal.reason ?? error;
    const message = error instanceof Error ? error.message : String(error);
    throw new ConnectorError('network', `${call.method} ${redact(call.url)} failed: ${message}`, {
      cause: error,
      sent: !neverConnected(error),
    });
  }
  let body: unknown;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch (error) {
      if (status >= 200 && status < 300)
        throw new ConnectorError('server', `${call.method} ${redact(call.url)}: malformed JSON response`, {
          status,
          cause: error,
        });
      body = text;
    }
  }
  return { status, headers, body };
}

/** Codes of failures before a connection existed: the request cannot have reached the platform. */
const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function neverConnected(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECT_FAILURES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** URLs may carry tokens in query strings on some platforms: messages keep only origin and path. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'request';
  }
}

/** Trims a trailing slash so `${base}/path` joins cleanly. */
export function baseUrlOf(settings: Record<string, unknown>, fallback: string): string {
  const value =
    typeof settings.baseUrl === 'string' && settings.baseUrl.length > 0 ? settings.baseUrl : fallback;
  return value.replace(/\/+$/, '');
}

/** A 2xx body that must be an object; anything else is a malformed page. */
export function objectBody(answer: HttpAnswer, what: string): Record<string, unknown> {
  if (answer.body === null || typeof answer.body !== 'object' || Array.isArray(answer.body))
    throw new ConnectorError('server', `${what}: malformed response`, { status: answer.status });
  return answer.body as Record<string, unknown>;
}
