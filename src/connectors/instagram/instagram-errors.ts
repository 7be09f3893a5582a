/**
 * @module Graph API error bodies as ConnectorErrors: `{"error":{"message","type","code","error_subcode"?,
 * "fbtrace_id"}}`, HTTP 400 for nearly everything. Codes: 190 (invalid/expired token) and 2500 (no token) → auth;
 * 4, 17, 32, 613 and 80002 (throttling: an error body, never a 429) → rate_limited, waiting the
 * `estimated_time_to_regain_access` minutes of X-Business-Use-Case-Usage when given; 1, 2 and 5xx → server;
 * 100 subcode 33 (unknown object) → not_found; other 100s → validation.
 */
import { ConnectorError, kindForStatus, type ConnectorErrorKind } from '../sdk/errors.js';
import type { HttpAnswer } from '../sdk/http.js';

export const THROTTLE_CODES = new Set([4, 17, 32, 613, 80002]);
/** Without a usage header the throttle window is unknown: Meta's docs suggest waiting minutes, not seconds. */
export const INSTAGRAM_DEFAULT_RETRY_MS = 5 * 60_000;

interface GraphError {
  message?: unknown;
  type?: unknown;
  code?: unknown;
  error_subcode?: unknown;
  fbtrace_id?: unknown;
}

function regainMs(headers: HttpAnswer['headers']): number | undefined {
  const raw = headers['x-business-use-case-usage'];
  if (!raw) return undefined;
  try {
    const usage = JSON.parse(raw) as Record<string, { estimated_time_to_regain_access?: unknown }[]>;
    const minutes = Object.values(usage)
      .flat()
      .map((u) => Number(u.estimated_time_to_regain_access))
      .filter((m) => Number.isFinite(m) && m > 0);
    return minutes.length ? Math.max(...minutes) * 60_000 : undefined;
  } catch {
    return undefined;
  }
}

export function instagramErrorOf(answer: HttpAnswer, what: string): ConnectorError {
  const error = (answer.body as { error?: GraphError } | undefined)?.error;
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
  let kind: ConnectorErrorKind;
  if (code === 190 || code === 2500 || code === 10 || code === 200) kind = 'auth';
  else if (code !== undefined && THROTTLE_CODES.has(code)) kind = 'rate_limited';
  else if (code === 1 || code === 2 || answer.status >= 500) kind = 'server';
  else if (code === 100 && subcode === 33) kind = 'not_found';
  else if (code === 100) kind = 'validation';
  else kind = kindForStatus(answer.status);
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${answer.status}`;
  const trace = typeof error?.fbtrace_id === 'string' ? ` (fbtrace_id ${error.fbtrace_id})` : '';
  return new ConnectorError(kind, `Instagram ${what}: ${message}${trace}`, {
    status: answer.status,
    ...(code !== undefined ? { platformCode: String(code) } : {}),
    ...(kind === 'rate_limited'
      ? { retryAfterMs: regainMs(answer.headers) ?? INSTAGRAM_DEFAULT_RETRY_MS }
      : {}),
  });
}
