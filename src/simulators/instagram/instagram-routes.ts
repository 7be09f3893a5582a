/**
 * @module Instagram API with Instagram Login routes (host graph.instagram.com; an optional version segment such as
 * `/v22.0` is accepted and ignored): `GET /me`, `GET /{ig-user-id}`, `GET /{ig-user-id}/media`, `GET /{media-id}`,
 * `GET /{media-id}/insights?metric=…`, `GET /refresh_access_token?grant_type=ig_refresh_token`, and
 * `GET /access_token?grant_type=ig_exchange_token&client_secret=…` (short → long-lived).
 *
 * `fields=` selects fields (only `id` without it); an unknown field is `(#100) Tried accessing nonexisting field`.
 * Media pages are newest first with cursor pagination: `limit` (default 25), `after`/`before` cursors; the answer
 * is `{"data":[…],"paging":{"cursors":{"before","after"},"next"?,"previous"?}}`, `next` only when older media
 * exist, `previous` only when newer ones do; an empty page is `{"data":[]}`. Cursors name a position (timestamp and
 * id), so posts published between pages never shift a walk: every media is seen exactly once.
 * Choices (docs silent): `limit` above 100 is lowered to 100; a non-numeric or < 1 limit, a malformed cursor or a
 * bad grant_type is a code 100 error; refreshing a token younger than 24 h is a code 100 error.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { invalidParameter, nonexistingField, unknownObject } from './instagram-errors.js';
import { INSTAGRAM_APP_SECRET } from './instagram-seed.js';
import {
  LONG_LIVED_MS,
  REFRESH_MIN_AGE_MS,
  graphTime,
  type IgMedia,
  type IgToken,
  type IgUser,
  type InstagramState,
} from './instagram-state.js';

export const DEFAULT_MEDIA_LIMIT = 25;
export const MAX_MEDIA_LIMIT = 100;

const USER_FIELDS = [
  'id',
  'user_id',
  'username',
  'name',
  'account_type',
  'profile_picture_url',
  'followers_count',
  'follows_count',
  'media_count',
] as const;
const MEDIA_FIELDS = [
  'id',
  'caption',
  'comments_count',
  'is_comment_enabled',
  'like_count',
  'media_product_type',
  'media_type',
  'media_url',
  'owner',
  'permalink',
  'shortcode',
  'thumbnail_url',
  'timestamp',
  'username',
] as const;
export const INSIGHT_METRICS = [
  'reach',
  'views',
  'likes',
  'comments',
  'shares',
  'saved',
  'total_interactions',
];

const fail = (reply: ReturnType<typeof invalidParameter>) => new SimHttpError(reply);

function pick(
  all: Record<string, unknown>,
  fields: string | undefined,
  allowed: readonly string[],
  node: string,
) {
  const wanted = (fields ?? 'id')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const out: Record<string, unknown> = {};
  for (const f of wanted) {
    if (!allowed.includes(f)) throw fail(nonexistingField(f, node));
    if (all[f] !== undefined) out[f] = all[f];
  }
  if (!wanted.includes('id')) out.id = all.id;
  return out;
}

export interface InstagramRouteContext {
  state: InstagramState;
  clock: SimClock;
  /** The token the auth check accepted for this request. */
  tokenOf(request: FastifyRequest): IgToken;
}

export function registerInstagramRoutes(app: FastifyInstance, ctx: InstagramRouteContext): void {
  const { state, clock } = ctx;

  const userJson = (u: IgUser) => ({
    id: u.id,
    user_id: u.id,
    username: u.username,
    name: u.name,
    account_type: 'MEDIA_CREATOR',
    profile_picture_url: `https://scontent.cdninstagram.example/${u.id}/profile.jpg`,
    followers_count: u.followers_count,
    follows_count: u.follows_count,
    media_count: state.mediaOf(u.id).length,
  });
  const mediaJson = (m: IgMedia) => {
    const owner = state.users.get(m.ownerId)!;
    return {
      id: m.id,
      caption: m.caption,
      comments_count: m.comments_count,
      is_comment_enabled: true,
      like_count: m.like_count,
      media_product_type: m.media_product_type,
      media_type: m.media_type,
      media_url: `https://scontent.cdninstagram.example/${m.id}.${m.media_type === 'VIDEO' ? 'mp4' : 'jpg'}`,
      owner: { id: owner.id },
      permalink: `https://www.instagram.com/p/${m.shortcode}/`,
      shortcode: m.shortcode,
      thumbnail_url:
        m.media_type === 'VIDEO' ? `https://scontent.cdninstagram.example/${m.id}_thumb.jpg` : undefined,
      timestamp: graphTime(m.timestampMs),
      username: owner.username,
    };
  };

  const cursorOf = (m: IgMedia) => Buffer.from(`${m.timestampMs}:${m.id}`).toString('base64url');
  const parseCursor = (value: string, name: string) => {
    const [t, id] = Buffer.from(value, 'base64url').toString('utf8').split(':');
    if (!t || !id || !/^\d+$/.test(t) || !/^\d+$/.test(id))
      throw fail(invalidParameter(`(#100) The parameter ${name} is not a valid cursor`));
    return { t: Number(t), id };
  };
  // Newest-first order: a is "before" b when it is newer (or same time, larger id).
  const newer = (m: IgMedia, c: { t: number; id: string }) =>
    m.timestampMs > c.t || (m.timestampMs === c.t && m.id > c.id);
  const older = (m: IgMedia, c: { t: number; id: string }) =>
    m.timestampMs < c.t || (m.timestampMs === c.t && m.id < c.id);

  function mediaPage(request: FastifyRequest, user: IgUser, prefix: string) {
    const q = request.query as Record<string, string | undefined>;
    let limit = DEFAULT_MEDIA_LIMIT;
    if (q.limit !== undefined) {
      if (!/^\d+$/.test(q.limit) || Number(q.limit) < 1)
        throw fail(invalidParameter('(#100) The parameter limit must be a positive integer'));
      limit = Math.min(MAX_MEDIA_LIMIT, Number(q.limit));
    }
    const all = state.mediaOf(user.id);
    let page: IgMedia[];
    if (q.before !== undefined) {
      const c = parseCursor(q.before, 'before');
      const newerOnes = all.filter((m) => newer(m, c));
      page = newerOnes.slice(Math.max(0, newerOnes.length - limit));
    } else {
      const rest = q.after !== undefined ? all.filter((m) => older(m, parseCursor(q.after!, 'after'))) : all;
      page = rest.slice(0, limit);
    }
    const data = page.map((m) => pick(mediaJson(m), q.fields, MEDIA_FIELDS, 'Media'));
    if (!page.length) return { data };
    const first = page[0]!;
    const last = page[page.length - 1]!;
    const base = `http://${request.headers.host}${prefix}/${user.id}/media`;
    const link = (key: 'after' | 'before', cursor: string) => {
      const params = new URLSearchParams({ access_token: ctx.tokenOf(request).token, limit: String(limit) });
      if (q.fields) params.set('fields', q.fields);
      params.set(key, cursor);
      return `${base}?${params.toString()}`;
    };
    const hasOlder = all.some((m) => older(m, { t: last.timestampMs, id: last.id }));
    const hasNewer = all.some((m) => newer(m, { t: first.timestampMs, id: first.id }));
    return {
      data,
      paging: {
        cursors: { before: cursorOf(first), after: cursorOf(last) },
        ...(hasOlder ? { next: link('after', cursorOf(last)) } : {}),
        ...(hasNewer ? { previous: link('before', cursorOf(first)) } : {}),
      },
    };
  }

  function insights(request: FastifyRequest, m: IgMedia) {
    const metric = (request.query as Record<string, string | undefined>).metric;
    if (!metric) throw fail(invalidParameter('(#100) The parameter metric is required'));
    const values: Record<string, number> = {
      reach: m.reach,
      views: m.views,
      likes: m.like_count,
      comments: m.comments_count,
      shares: m.shares,
      saved: m.saved,
      total_interactions: m.like_count + m.comments_count + m.shares + m.saved,
    };
    return {
      data: metric.split(',').map((name) => {
        if (!INSIGHT_METRICS.includes(name))
          throw fail(
            invalidParameter(
              `(#100) metric[0] must be one of the following values: ${INSIGHT_METRICS.join(', ')}`,
            ),
          );
        return {
          name,
          period: 'lifetime',
          values: [{ value: values[name] }],
          title: name,
          description: `Lifetime ${name} of this media`,
          id: `${m.id}/insights/${name}/lifetime`,
        };
      }),
    };
  }

  // One catch-all GET so an optional version segment works with every path (find-my-way cannot mix a
  // "/:version/me" route with "/:id/media" at the same depth).
  app.get('/*', async (request) => {
    const path = request.url.split('?')[0]!;
    let parts = path.split('/').filter(Boolean);
    let prefix = '';
    if (parts[0] && /^v\d+\.\d+$/.test(parts[0])) {
      prefix = `/${parts[0]}`;
      parts = parts.slice(1);
    }
    const q = request.query as Record<string, string | undefined>;
    const token = ctx.tokenOf(request);
    const [head, edge, ...extra] = parts;
    if (!head || extra.length) throw fail(unknownObject(path));

    if (head === 'refresh_access_token' && !edge) {
      if (q.grant_type !== 'ig_refresh_token')
        throw fail(invalidParameter('(#100) grant_type must be ig_refresh_token'));
      if (!token.longLived)
        throw fail(invalidParameter('(#100) Only long-lived access tokens can be refreshed'));
      if (clock.now() - token.issuedMs < REFRESH_MIN_AGE_MS)
        throw fail(invalidParameter('(#100) The access token must be at least 24 hours old to be refreshed'));
      const next = state.issueToken(token.userId, clock.now(), true);
      return { access_token: next.token, token_type: 'bearer', expires_in: LONG_LIVED_MS / 1000 };
    }
    if (head === 'access_token' && !edge) {
      if (q.grant_type !== 'ig_exchange_token')
        throw fail(invalidParameter('(#100) grant_type must be ig_exchange_token'));
      if (q.client_secret !== INSTAGRAM_APP_SECRET)
        throw fail(invalidParameter('(#100) Error validating client secret.'));
      if (token.longLived) throw fail(invalidParameter('(#100) The access token is already long-lived'));
      const next = state.issueToken(token.userId, clock.now(), true);
      return { access_token: next.token, token_type: 'bearer', expires_in: LONG_LIVED_MS / 1000 };
    }

    const userId = head === 'me' ? token.userId : head;
    const user = userId === token.userId ? state.users.get(userId) : undefined;
    if (user) {
      if (!edge) return pick(userJson(user), q.fields, USER_FIELDS, 'User');
      if (edge === 'media') return mediaPage(request, user, prefix);
      throw fail(nonexistingField(edge, 'User'));
    }
    const media = state.media.get(head);
    if (media && media.ownerId === token.userId) {
      if (!edge) return pick(mediaJson(media), q.fields, MEDIA_FIELDS, 'Media');
      if (edge === 'insights') return insights(request, media);
      throw fail(nonexistingField(edge, 'Media'));
    }
    throw fail(unknownObject(head));
  });
}
