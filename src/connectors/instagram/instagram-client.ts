/**
 * @module The Instagram API with Instagram Login client (graph.instagram.com unless the connection sets
 * `baseUrl`): the token travels as `Authorization: Bearer` (never in a URL, so it cannot leak into a log line).
 * Media listing is `GET /{ig-user-id}/media?fields=…&limit=…&after=…`, newest first with cursor paging; a long-lived
 * token is refreshed with `GET /refresh_access_token?grant_type=ig_refresh_token`.
 */
import { ConnectorError } from '../sdk/errors.js';
import { httpCall, objectBody } from '../sdk/http.js';
import type {
  SocialClient,
  SocialPost,
  SocialPostPage,
  SocialProfile,
  SocialTokens,
} from '../social-post.js';
import { instagramErrorOf } from './instagram-errors.js';

export const INSTAGRAM_API = 'https://graph.instagram.com';
/** The documented default page size is 25; larger pages mean fewer calls against a per-account hourly budget. */
export const INSTAGRAM_PAGE_LIMIT = 50;
export const INSTAGRAM_MEDIA_FIELDS = 'id,caption,media_type,permalink,timestamp,like_count,comments_count';

export interface InstagramClientOptions {
  baseUrl: string;
  accessToken: string;
  /** The account's id; `me` until the profile is known. */
  userId?: string;
  timeoutMs?: number;
  pageLimit?: number;
}

interface IgMediaJson {
  id?: unknown;
  caption?: unknown;
  media_type?: unknown;
  permalink?: unknown;
  timestamp?: unknown;
  like_count?: unknown;
  comments_count?: unknown;
}

/** Graph time "2017-08-31T18:10:00+0000" → ISO-8601 UTC. */
export function graphTimeToIso(value: string): string {
  const ms = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(ms)) throw new ConnectorError('server', `Instagram: unreadable timestamp "${value}"`);
  return new Date(ms).toISOString();
}

export function instagramPost(m: IgMediaJson): SocialPost {
  if (typeof m.id !== 'string' || typeof m.timestamp !== 'string')
    throw new ConnectorError('server', 'Instagram media without id or timestamp');
  return {
    externalId: m.id,
    caption: typeof m.caption === 'string' ? m.caption : '',
    mediaType: typeof m.media_type === 'string' ? m.media_type : null,
    permalink: typeof m.permalink === 'string' ? m.permalink : null,
    publishedAt: graphTimeToIso(m.timestamp),
    likes: Number(m.like_count ?? 0),
    comments: Number(m.comments_count ?? 0),
    views: null,
    shares: null,
  };
}

export class InstagramClient implements SocialClient {
  constructor(readonly options: InstagramClientOptions) {}

  async get(
    path: string,
    query: Record<string, string>,
    what: string,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const qs = new URLSearchParams(query).toString();
    const answer = await httpCall({
      method: 'GET',
      url: `${this.options.baseUrl}${path}${qs ? `?${qs}` : ''}`,
      headers: { authorization: `Bearer ${this.options.accessToken}` },
      ...(signal ? { signal } : {}),
      ...(this.options.timeoutMs ? { timeoutMs: this.options.timeoutMs } : {}),
    });
    if (answer.status < 200 || answer.status >= 300 || (answer.body as { error?: unknown })?.error)
      throw instagramErrorOf(answer, what);
    return objectBody(answer, `Instagram ${what}`);
  }

  async profile(signal?: AbortSignal): Promise<SocialProfile> {
    const body = await this.get('/me', { fields: 'user_id,username' }, 'read profile', signal);
    const userId = typeof body.user_id === 'string' ? body.user_id : body.id;
    if (typeof userId !== 'string' || typeof body.username !== 'string')
      throw new ConnectorError('server', 'Instagram read profile: malformed answer');
    return { userId, username: body.username };
  }

  async postsPage(cursor: string | null, signal?: AbortSignal): Promise<SocialPostPage> {
    const query: Record<string, string> = {
      fields: INSTAGRAM_MEDIA_FIELDS,
      limit: String(this.options.pageLimit ?? INSTAGRAM_PAGE_LIMIT),
    };
    if (cursor) query.after = cursor;
    const body = await this.get(`/${this.options.userId ?? 'me'}/media`, query, 'list media', signal);
    if (!Array.isArray(body.data)) throw new ConnectorError('server', 'Instagram list media: no data');
    const paging = body.paging as { cursors?: { after?: unknown }; next?: unknown } | undefined;
    // `next` is present only when older media exist; the `after` cursor alone says nothing about that.
    const after = typeof paging?.cursors?.after === 'string' ? paging.cursors.after : null;
    return {
      posts: (body.data as IgMediaJson[]).map(instagramPost),
      next: typeof paging?.next === 'string' && after ? after : null,
    };
  }

  async readPosts(ids: readonly string[], signal?: AbortSignal): Promise<SocialPost[]> {
    const posts: SocialPost[] = [];
    for (const id of ids) {
      try {
        posts.push(
          instagramPost(await this.get(`/${id}`, { fields: INSTAGRAM_MEDIA_FIELDS }, 'read media', signal)),
        );
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === 'not_found') continue;
        throw error;
      }
    }
    return posts;
  }

  async refresh(signal?: AbortSignal): Promise<SocialTokens> {
    const body = await this.get(
      '/refresh_access_token',
      { grant_type: 'ig_refresh_token' },
      'refresh token',
      signal,
    );
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number')
      throw new ConnectorError('server', 'Instagram refresh token: malformed answer');
    return {
      accessToken: body.access_token,
      expiresAt: new Date(Date.now() + body.expires_in * 1000).toISOString(),
    };
  }
}
