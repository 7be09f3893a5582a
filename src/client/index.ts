/**
 * @module `datasync/client`: a typed client for the DataSync HTTP API, generated from its OpenAPI document
 * (openapi-typescript types in schema.ts, openapi-fetch at run time). Paths, parameters, bodies and responses are
 * checked by the compiler:
 *
 * ```ts
 * const api = createDataSyncClient({ baseUrl: 'http://localhost:4000', apiKey: process.env.DATASYNC_API_KEY });
 * const { data, error } = await api.GET('/api/v1/connections/{id}', { params: { path: { id } } });
 * ```
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export interface DataSyncClientOptions {
  /** Where the server is, e.g. `http://localhost:4000`. */
  baseUrl: string;
  /** `dsk_…`: sent as `Authorization: Bearer`. */
  apiKey?: string;
  /** Organization id or slug, for people in several organizations (sent as `X-DataSync-Org`). */
  organization?: string;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export type DataSyncClient = Client<paths>;

export function createDataSyncClient(options: DataSyncClientOptions): DataSyncClient {
  return createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    headers: {
      ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      ...(options.organization ? { 'x-datasync-org': options.organization } : {}),
      ...options.headers,
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
