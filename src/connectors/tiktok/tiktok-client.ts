/**
 * @module The TikTok API v2 client (open.tiktokapis.com unless the connection sets `baseUrl`),
 * `Authorization: Bearer act.…`. Videos: `POST /v2/video/list/?fields=…` with `{"cursor","max_count" ≤ 20}`,
 * newest first, continuing while `has_more` (a page may hold fewer than max_count even then). Tokens: the OAuth v2
 * token endpoint, form-encoded, for the authorization-code exchange and the refresh grant (refresh tokens rotate).
 */
import { request } from 'undici';
import { ConnectorError } from '../sdk/errors.js';
import { DEFAULT_TIMEOUT_MS, httpCall, objectBody, type HttpAnswer } from '../sdk/http.js';
import type {
  SocialClient,
  SocialPost,
  SocialPostPage,
  SocialProfile,
  SocialTokens,
} from '../social-post.js';
import { tiktokErrorOf } from './tiktok-errors.js';

export const TIKTOK_API = 'https://open.tiktokapis.com';
export const TIKTOK_MAX_COUNT = 20;
export const TIKTOK_VIDEO_FIELDS =
  'id,title,video_description,create_time,share_url,like_count,comment_count,share_count,view_count';

export interface TikTokApp {
  baseUrl: string;
  clientKey?: string | undefined;
  clientSecret?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface TikTokClientOptions extends TikTokApp {
  accessToken: string;
  refreshToken?: string | undefined;
}

interface VideoJson {
  id?: unknown;
  title?: unknown;
  video_description?: unknown;
  create_time?: unknown;
  share_url?: unknown;
  like_count?: unknown;
  comment_count?: unknown;
  share_count?: unknown;
  view_count?: unknown;
}

export function tiktokPost(v: VideoJson): SocialPost {
  if (typeof v.id !== 'string' || typeof v.create_time !== 'number')
    throw new ConnectorError('server', 'TikTok video without id or create_time');
  const caption =
    typeof v.video_description === 'string' && v.video_description
      ? v.video_description
      : typeof v.title === 'string'
        ? v.title
        : '';
  return {
    externalId: v.id,
    caption,
    mediaType: 'VIDEO',
    permalink: typeof v.share_url === 'string' ? v.share_url : null,
    publishedAt: new Date(v.create_time * 1000).toISOString(),
    likes: Number(v.like_count ?? 0),
    comments: Number(v.comment_count ?? 0),
    views: typeof v.view_count === 'number' ? v.view_count : null,
    shares: typeof v.share_count === 'number' ? v.share_count : null,
  };
}

/** `POST /v2/oauth/token/`, form-encoded as the docs require (JSON is refused with invalid_request). */
export async function tiktokTokenCall(
  app: TikTokApp,
  form: Record<string, string>,
  what: string,
  signal?: AbortSignal,
): Promise<SocialTokens & { openId: string }> {
  if (!app.clientKey || !app.clientSecret)
    throw new ConnectorError('validation', 'tiktok connection needs credentials.clientKey and clientSecret');
  const timeout = app.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let answer: HttpAnswer;
  try {
    const response = await request(`${app.baseUrl}/v2/oauth/token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_key: app.clientKey,
        client_secret: app.clientSecret,
        ...form,
      }).toString(),
      signal,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await response.body.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // an unreadable error body stays text
    }
    const headers: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(response.headers))
      headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    answer = { status: response.statusCode, headers, body };
  } catch (error) {
    if (signal?.aborted) throw signal.reason ?? error;
    throw new ConnectorError('network', `TikTok ${what} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const body = answer.body as Record<string, unknown> | undefined;
  if (answer.status < 200 || answer.status >= 300 || typeof body?.error === 'string')
    throw tiktokErrorOf(answer, what);
  if (
    typeof body?.access_token !== 'string' ||
    typeof body.expires_in !== 'number' ||
    typeof body.open_id !== 'string'
  )
    throw new ConnectorError('server', `TikTok ${what}: malformed token answer`);
  return {
    accessToken: body.access_token,
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString(),
    openId: body.open_id,
  };
}

export class TikTokClient implements SocialClient {
  constructor(readonly options: TikTokClientOptions) {}

  private async call(
    method: 'GET' | 'POST',
    path: string,
    fields: string,
    what: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const answer = await httpCall({
      method,
      url: `${this.options.baseUrl}${path}?fields=${encodeURIComponent(fields)}`,
      headers: { authorization: `Bearer ${this.options.accessToken}` },
      body,
      ...(signal ? { signal } : {}),
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
    });
    const error = (answer.body as { error?: { code?: unknown } } | undefined)?.error;
    if (answer.status < 200 || answer.status >= 300 || (error && error.code !== 'ok'))
      throw tiktokErrorOf(answer, what);
    const data = objectBody(answer, `TikTok ${what}`).data;
    if (!data || typeof data !== 'object') throw new ConnectorError('server', `TikTok ${what}: no data`);
    return data as Record<string, unknown>;
  }

  async profile(signal?: AbortSignal): Promise<SocialProfile> {
    const data = await this.call(
      'GET',
      '/v2/user/info/',
      'open_id,display_name',
      'read user',
      undefined,
      signal,
    );
    const user = data.user as { open_id?: unknown; display_name?: unknown } | undefined;
    if (typeof user?.open_id !== 'string') throw new ConnectorError('server', 'TikTok read user: no open_id');
    return {
      userId: user.open_id,
      username: typeof user.display_name === 'string' ? user.display_name : user.open_id,
    };
  }

  async postsPage(cursor: string | null, signal?: AbortSignal): Promise<SocialPostPage> {
    const body: Record<string, number> = { max_count: TIKTOK_MAX_COUNT };
    if (cursor) body.cursor = Number(cursor);
    const data = await this.call('POST', '/v2/video/list/', TIKTOK_VIDEO_FIELDS, 'list videos', body, signal);
    if (!Array.isArray(data.videos)) throw new ConnectorError('server', 'TikTok list videos: no videos');
    const videos = (data.videos as VideoJson[]).map(tiktokPost);
    const more = data.has_more === true && typeof data.cursor === 'number';
    return { posts: videos, next: more ? String(data.cursor) : null };
  }

  async readPosts(ids: readonly string[], signal?: AbortSignal): Promise<SocialPost[]> {
    const posts: SocialPost[] = [];
    for (let i = 0; i < ids.length; i += TIKTOK_MAX_COUNT) {
      const data = await this.call(
        'POST',
        '/v2/video/query/',
        TIKTOK_VIDEO_FIELDS,
        'query videos',
        { filters: { video_ids: ids.slice(i, i + TIKTOK_MAX_COUNT) } },
        signal,
      );
      if (Array.isArray(data.videos)) posts.push(...(data.videos as VideoJson[]).map(tiktokPost));
    }
    return posts;
  }

  async refresh(signal?: AbortSignal): Promise<SocialTokens> {
    if (!this.options.refreshToken)
      throw new ConnectorError('auth', 'TikTok refresh token: this account has no refresh token');
    const { openId: _openId, ...tokens } = await tiktokTokenCall(
      this.options,
      { grant_type: 'refresh_token', refresh_token: this.options.refreshToken },
      'refresh token',
      signal,
    );
    return tokens;
  }
}
