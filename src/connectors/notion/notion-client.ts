/**
 * @module The Notion API client (developers.notion.com/reference): `Authorization: Bearer <token>` and the
 * required `Notion-Version` header (2022-06-28 by default; 2025-09-03 switches to data sources). Base URL
 * `https://api.notion.com` unless the connection sets `baseUrl`.
 */
import { httpCall, objectBody, type HttpCall } from '../sdk/http.js';
import { pacedCall, type RequestPacer } from '../sdk/pacing.js';
import { notionErrorOf } from './notion-errors.js';

export const NOTION_API = 'https://api.notion.com';
export const NOTION_DEFAULT_VERSION = '2022-06-28';
export type NotionApiVersion = '2022-06-28' | '2025-09-03';

export interface NotionClientOptions {
  baseUrl: string;
  token: string;
  version: NotionApiVersion;
  timeoutMs?: number;
  /** Paces every request (Notion: an average of 3 requests per second per integration). */
  pacer?: RequestPacer;
}

export class NotionClient {
  constructor(readonly options: NotionClientOptions) {}

  /** One call; non-2xx answers throw the classified ConnectorError. */
  async call(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { body?: unknown; signal?: AbortSignal } = {},
  ): Promise<Record<string, unknown>> {
    const answer = await pacedCall(
      () =>
        httpCall({
          method,
          url: `${this.options.baseUrl}${path}`,
          headers: { authorization: `Bearer ${this.options.token}`, 'notion-version': this.options.version },
          body: extra.body,
          ...(extra.signal ? { signal: extra.signal } : {}),
          ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
        }),
      {
        pacer: this.options.pacer,
        signal: extra.signal,
        // Notion answers 429 `rate_limited` with Retry-After in seconds.
        rateLimitWait: (a) => (a.status === 429 ? (notionErrorOf(a, what).retryAfterMs ?? 1000) : undefined),
      },
    );
    if (answer.status < 200 || answer.status >= 300) throw notionErrorOf(answer, what);
    return objectBody(answer, `Notion ${what}`);
  }

  /** Database (2022-06-28) or data source (2025-09-03) paths for one configured id. */
  containerPath(id: string): string {
    return this.options.version === '2025-09-03'
      ? `/v1/data_sources/${encodeURIComponent(id)}`
      : `/v1/databases/${encodeURIComponent(id)}`;
  }

  parentOf(id: string): Record<string, string> {
    return this.options.version === '2025-09-03' ? { data_source_id: id } : { database_id: id };
  }
}
