/**
 * @module The Synup API v4 client: `Authorization: API <key>`, base `https://api.synup.com` (paths under
 * `/api/v4/`) unless the connection sets `baseUrl`. Reads are GETs returning GraphQL-style connections; writes
 * are `POST …/<verb>` with `{"input":{…}}`. Answers carry `success`; `success: false` is an error.
 */
import { ConnectorError } from '../sdk/errors.js';
import { httpCall, objectBody, type HttpCall } from '../sdk/http.js';
import { pacedCall, type RequestPacer } from '../sdk/pacing.js';
import { synupErrorOf } from './synup-errors.js';

export const SYNUP_API = 'https://api.synup.com';

export interface SynupClientOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs?: number;
  /** Paces every request (modelled: 10 requests per second per API key). */
  pacer?: RequestPacer;
}

export interface SynupConnection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export class SynupClient {
  constructor(readonly options: SynupClientOptions) {}

  async call(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { query?: [string, string][]; input?: unknown; signal?: AbortSignal } = {},
  ): Promise<Record<string, unknown>> {
    const qs = extra.query?.length ? `?${new URLSearchParams(extra.query).toString()}` : '';
    const answer = await pacedCall(
      () =>
        httpCall({
          method,
          url: `${this.options.baseUrl}/api/v4${path}${qs}`,
          headers: { authorization: `API ${this.options.apiKey}` },
          body: extra.input === undefined ? undefined : { input: extra.input },
          ...(extra.signal ? { signal: extra.signal } : {}),
          ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
        }),
      {
        pacer: this.options.pacer,
        signal: extra.signal,
        // Synup answers 429 RATE_LIMITED with Retry-After in seconds.
        rateLimitWait: (a) => (a.status === 429 ? (synupErrorOf(a, what).retryAfterMs ?? 1000) : undefined),
      },
    );
    if (answer.status < 200 || answer.status >= 300) throw synupErrorOf(answer, what);
    const body = objectBody(answer, `Synup ${what}`);
    if (body.success !== true) throw synupErrorOf({ ...answer, status: 400 }, what);
    return body;
  }
}

/** A connection from `body[key]`, checked. */
export function connectionOf<T>(body: Record<string, unknown>, key: string): SynupConnection<T> {
  const c = body[key] as SynupConnection<T> | undefined;
  if (!c || !Array.isArray(c.edges) || typeof c.pageInfo?.hasNextPage !== 'boolean')
    throw new ConnectorError('server', `Synup ${key}: malformed connection`);
  if (c.pageInfo.hasNextPage && (typeof c.pageInfo.endCursor !== 'string' || c.pageInfo.endCursor === ''))
    throw new ConnectorError('server', `Synup ${key}: hasNextPage without endCursor`);
  return c;
}
