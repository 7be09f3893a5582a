/**
 * @module The HubSpot CRM v3 client (developers.hubspot.com/docs/api/crm): `Authorization: Bearer <token>`
 * (private app token or OAuth access token), base URL `https://api.hubapi.com` unless the connection sets
 * `baseUrl`. A 207 (batch partly failed) is a success here: its `errors` are read per record by the caller.
 */
import { httpCall, type HttpAnswer, type HttpCall } from '../sdk/http.js';
import { DEFAULT_BUCKET, pacedCall, type RequestPacer } from '../sdk/pacing.js';
import { ConnectorError } from '../sdk/errors.js';
import type { TokenKeeper } from '../sdk/oauth.js';
import type { OAuthTokens } from '../sdk/types.js';
import { hubspotErrorOf } from './hubspot-errors.js';

export const HUBSPOT_API = 'https://api.hubapi.com';

export interface HubSpotClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  /** Paces every request: the `default` bucket (100 per 10 s) and, for CRM searches, `search` (5 per second). */
  pacer?: RequestPacer;
}

export interface HubSpotObjectJson {
  id: string;
  properties: Record<string, string | null>;
  createdAt?: string;
  updatedAt?: string;
  archived?: boolean;
  archivedAt?: string;
}

export interface HubSpotBatchError {
  status?: string;
  category?: string;
  message?: string;
  context?: { ids?: string[] };
}

/** `POST /crm/v3/objects/{type}/search` and the other CRM search endpoints. */
const SEARCH_PATH = /\/search$/;

export class HubSpotClient {
  constructor(
    readonly options: HubSpotClientOptions,
    /** OAuth connections: the current access token, refreshed once when HubSpot refuses it. */
    private readonly keeper?: TokenKeeper,
  ) {}

  private get token(): string {
    return this.keeper?.accessToken ?? this.options.token;
  }

  /** Exchanges the refresh token (developers.hubspot.com/docs/api/oauth/tokens): form-encoded, no bearer. */
  async refreshTokens(
    tokens: OAuthTokens,
    app: { clientId: string; clientSecret: string },
  ): Promise<OAuthTokens> {
    await this.options.pacer?.take(DEFAULT_BUCKET);
    const answer = await httpCall({
      method: 'POST',
      url: `${this.options.baseUrl}/oauth/v1/token`,
      form: {
        grant_type: 'refresh_token',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        refresh_token: tokens.refreshToken ?? '',
      },
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
    });
    if (answer.status < 200 || answer.status >= 300) throw hubspotErrorOf(answer, 'refresh token');
    const body = answer.body as { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown };
    if (typeof body?.access_token !== 'string')
      throw new ConnectorError('server', 'HubSpot refresh token: malformed response');
    return {
      accessToken: body.access_token,
      refreshToken: typeof body.refresh_token === 'string' ? body.refresh_token : tokens.refreshToken,
      ...(typeof body.expires_in === 'number'
        ? { expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString() }
        : {}),
    } as OAuthTokens;
  }

  async call(
    method: HttpCall['method'],
    path: string,
    what: string,
    extra: { query?: [string, string][]; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<HttpAnswer> {
    const qs = extra.query?.length ? `?${new URLSearchParams(extra.query).toString()}` : '';
    for (;;) {
      const token = this.token;
      const answer = await pacedCall(
        () =>
          httpCall({
            method,
            url: `${this.options.baseUrl}${path}${qs}`,
            headers: { authorization: `Bearer ${token}` },
            body: extra.body,
            ...(extra.signal ? { signal: extra.signal } : {}),
            ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
          }),
        {
          pacer: this.options.pacer,
          // CRM search endpoints have their own, lower limit beside the general one.
          bucket: SEARCH_PATH.test(path) ? 'search' : DEFAULT_BUCKET,
          signal: extra.signal,
          rateLimitWait: (a) => {
            const error = a.status === 429 ? hubspotErrorOf(a, what) : undefined;
            return error?.kind === 'rate_limited' ? (error.retryAfterMs ?? 1000) : undefined;
          },
        },
      );
      if (answer.status >= 200 && answer.status < 300) return answer;
      // An expired OAuth token: refresh once (shared by concurrent calls) and send the same call again.
      if (answer.status === 401 && this.keeper && (await this.keeper.renew(token))) continue;
      throw hubspotErrorOf(answer, what);
    }
  }
}

/** `results` of a list, search or batch answer, checked. */
export function resultsOf(answer: HttpAnswer, what: string): HubSpotObjectJson[] {
  const body = answer.body as { results?: unknown } | undefined;
  if (!body || typeof body !== 'object' || !Array.isArray(body.results))
    throw new ConnectorError('server', `HubSpot ${what}: malformed response`, { status: answer.status });
  for (const r of body.results)
    if (!r || typeof r !== 'object' || typeof (r as { id?: unknown }).id !== 'string')
      throw new ConnectorError('server', `HubSpot ${what}: malformed result`);
  return body.results as HubSpotObjectJson[];
}

/** `paging.next.after`, or undefined on the last page. */
export function nextAfter(answer: HttpAnswer, what: string): string | undefined {
  const paging = (answer.body as { paging?: { next?: { after?: unknown } } }).paging;
  if (paging?.next === undefined) return undefined;
  const after = paging.next.after;
  if ((typeof after !== 'string' && typeof after !== 'number') || after === '')
    throw new ConnectorError('server', `HubSpot ${what}: malformed paging`);
  return String(after);
}

export function batchErrorsOf(answer: HttpAnswer): HubSpotBatchError[] {
  const errors = (answer.body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errors) ? (errors as HubSpotBatchError[]) : [];
}
