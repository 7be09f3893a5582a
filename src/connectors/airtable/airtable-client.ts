/**
 * @module The Airtable Web API client (airtable.com/developers/web/api): `Authorization: Bearer <token>`, base
 * URL `https://api.airtable.com` unless the connection sets `baseUrl`. Only transport: paths, query strings,
 * errors; the record semantics live in airtable-objects.ts.
 */
import { ConnectorError } from '../sdk/errors.js';
import { httpCall, objectBody, type HttpAnswer, type HttpCall } from '../sdk/http.js';
import { pacedCall, type RequestPacer } from '../sdk/pacing.js';
import { airtableErrorOf } from './airtable-errors.js';

/** The wait a rate-limit answer asks for (Airtable: 429, and 30 s unless Retry-After says otherwise). */
function rateLimitWait(answer: HttpAnswer, what: string): number | undefined {
  if (answer.status !== 429) return undefined;
  return airtableErrorOf(answer, what).retryAfterMs ?? 30_000;
}

export const AIRTABLE_API = 'https://api.airtable.com';

export interface AirtableClientOptions {
  baseUrl: string;
  token: string;
  baseId: string;
  timeoutMs?: number;
  /** Paces every request (Airtable: 5 requests per second per base; a 429 costs 30 s). */
  pacer?: RequestPacer;
}

export type Query = [string, string][];

export interface AirtableRecordJson {
  id: string;
  createdTime?: string;
  fields: Record<string, unknown>;
}

export class AirtableClient {
  constructor(readonly options: AirtableClientOptions) {}

  /** One call; non-2xx answers throw the classified ConnectorError. */
  async call(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<Record<string, unknown>> {
    return (await this.answer(method, path, what, extra)).body;
  }

  /** `call` with the answer's Date header (the server's clock, for modified-since cursors). */
  async answer(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<{ body: Record<string, unknown>; serverDateMs?: number }> {
    const qs = extra.query?.length ? `?${new URLSearchParams(extra.query).toString()}` : '';
    const answer = await pacedCall(
      () =>
        httpCall({
          method,
          url: `${this.options.baseUrl}${path}${qs}`,
          headers: { authorization: `Bearer ${this.options.token}` },
          body: extra.body,
          ...(extra.signal ? { signal: extra.signal } : {}),
          ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
        }),
      { pacer: this.options.pacer, signal: extra.signal, rateLimitWait: (a) => rateLimitWait(a, what) },
    );
    if (answer.status < 200 || answer.status >= 300) throw airtableErrorOf(answer, what);
    const date = answer.headers.date ? Date.parse(answer.headers.date) : NaN;
    return {
      body: objectBody(answer, `Airtable ${what}`),
      ...(Number.isNaN(date) ? {} : { serverDateMs: date }),
    };
  }

  tablePath(table: string): string {
    return `/v0/${encodeURIComponent(this.options.baseId)}/${encodeURIComponent(table)}`;
  }

  /** One page of `GET /v0/{base}/{table}`: pageSize ≤ 100, `offset` from the previous page. */
  async listPage(
    table: string,
    params: { pageSize: number; offset?: string; filterByFormula?: string },
    signal?: AbortSignal,
  ): Promise<{ records: AirtableRecordJson[]; offset?: string; serverDateMs?: number }> {
    const query: Query = [['pageSize', String(Math.max(1, Math.min(100, params.pageSize)))]];
    if (params.offset) query.push(['offset', params.offset]);
    if (params.filterByFormula) query.push(['filterByFormula', params.filterByFormula]);
    const { body, serverDateMs } = await this.answer('GET', this.tablePath(table), 'list records', {
      query,
      ...(signal ? { signal } : {}),
    });
    return {
      records: recordsOf(body, 'list records'),
      ...offsetOf(body),
      ...(serverDateMs === undefined ? {} : { serverDateMs }),
    };
  }

  /** The base schema: `GET /v0/meta/bases/{baseId}/tables`. */
  async tables(signal?: AbortSignal): Promise<AirtableTableJson[]> {
    const body = await this.call(
      'GET',
      `/v0/meta/bases/${encodeURIComponent(this.options.baseId)}/tables`,
      'base schema',
      signal ? { signal } : {},
    );
    if (!Array.isArray(body.tables))
      throw new ConnectorError('server', 'Airtable base schema: malformed response');
    return body.tables as AirtableTableJson[];
  }
}

export interface AirtableTableJson {
  id: string;
  name: string;
  primaryFieldId?: string;
  fields: { id: string; name: string; type: string; options?: { choices?: { name: string }[] } }[];
}

export function recordsOf(body: Record<string, unknown>, what: string): AirtableRecordJson[] {
  const records = body.records;
  if (!Array.isArray(records))
    throw new ConnectorError('server', `Airtable ${what}: malformed response (no records array)`);
  for (const r of records)
    if (!r || typeof r !== 'object' || typeof (r as { id?: unknown }).id !== 'string')
      throw new ConnectorError('server', `Airtable ${what}: malformed record`);
  return records.map((r: AirtableRecordJson) => ({ ...r, fields: r.fields ?? {} }));
}

function offsetOf(body: Record<string, unknown>): { offset?: string } {
  if (body.offset === undefined) return {};
  if (typeof body.offset !== 'string' || body.offset === '')
    throw new ConnectorError('server', 'Airtable list records: malformed offset');
  return { offset: body.offset };
}

/** A string literal inside an Airtable formula. */
export function formulaString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
