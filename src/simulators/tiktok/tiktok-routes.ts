/**
 * @module TikTok API v2 routes used by a sync (developers.tiktok.com/doc/tiktok-api-v2-*):
 * - `GET /v2/user/info/?fields=…` → `{"data":{"user":{…}},"error":{"code":"ok",…}}`;
 * - `POST /v2/video/list/?fields=…` body `{"cursor"?: <ms>, "max_count"?: 1–20 (default 10)}` → newest first,
 *   `{"data":{"videos":[…],"cursor":<ms>,"has_more":bool},"error":{…}}`; the next page is the request with the
 *   returned cursor (videos created strictly before it);
 * - `POST /v2/video/query/?fields=…` body `{"filters":{"video_ids":[1–20 ids]}}` → the caller's videos among them.
 * Only requested fields are returned. Scopes: video.list for the video endpoints (401 scope_not_authorized); user
 * fields need user.info.basic / .profile / .stats (401 scope_permission_missed).
 * Choices (docs silent): a missing `fields`, an unknown field, `max_count` outside 1–20, a non-integer cursor or more
 * than 20 ids are 400 invalid_params; with `shortPages` on, pages hold one video fewer than asked while has_more is
 * true (documented: "it is possible that the endpoint returns less than max_count… even if has_more is true").
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import { invalidParams, okError, tiktokError } from './tiktok-errors.js';
import type { Grant, TikTokState, TikTokUser, TikTokVideo } from './tiktok-state.js';

export const DEFAULT_MAX_COUNT = 10;
export const MAX_COUNT = 20;
export const MAX_QUERY_IDS = 20;

export const VIDEO_FIELDS = [
  'id',
  'create_time',
  'cover_image_url',
  'share_url',
  'video_description',
  'duration',
  'height',
  'width',
  'title',
  'embed_html',
  'embed_link',
  'like_count',
  'comment_count',
  'share_count',
  'view_count',
] as const;

const USER_FIELD_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic',
  union_id: 'user.info.basic',
  avatar_url: 'user.info.basic',
  avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic',
  display_name: 'user.info.basic',
  bio_description: 'user.info.profile',
  profile_deep_link: 'user.info.profile',
  is_verified: 'user.info.profile',
  username: 'user.info.profile',
  follower_count: 'user.info.stats',
  following_count: 'user.info.stats',
  likes_count: 'user.info.stats',
  video_count: 'user.info.stats',
};

const fail = (reply: ReturnType<typeof invalidParams>) => new SimHttpError(reply);

function fieldsOf(request: FastifyRequest, allowed: readonly string[]): string[] {
  const raw = (request.query as Record<string, string | undefined>).fields;
  if (!raw) throw fail(invalidParams('The fields query parameter is required.'));
  const fields = raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of fields) if (!allowed.includes(f)) throw fail(invalidParams(`Invalid field: ${f}`));
  return fields;
}

export function videoJson(v: TikTokVideo, fields: string[]): Record<string, unknown> {
  const share = `https://www.tiktok.com/@sim/video/${v.id}`;
  const all: Record<string, unknown> = {
    id: v.id,
    create_time: Math.floor(v.createMs / 1000),
    cover_image_url: `https://p16-sign.tiktokcdn.example/${v.id}~tplv-noop.image`,
    share_url: share,
    video_description: v.video_description,
    duration: v.duration,
    height: v.height,
    width: v.width,
    title: v.title,
    embed_html: `<blockquote class="tiktok-embed" cite="${share}" data-video-id="${v.id}"></blockquote>`,
    embed_link: `https://www.tiktok.com/embed/v2/${v.id}`,
    like_count: v.like_count,
    comment_count: v.comment_count,
    share_count: v.share_count,
    view_count: v.view_count,
  };
  return Object.fromEntries(fields.map((f) => [f, all[f]]));
}

export interface TikTokRouteContext {
  state: TikTokState;
  grantOf(request: FastifyRequest): Grant;
  shortPages: boolean;
}

export function registerTikTokRoutes(app: FastifyInstance, ctx: TikTokRouteContext): void {
  const { state } = ctx;
  const requireScope = (grant: Grant, scope: string) => {
    if (!grant.scopes.includes(scope))
      throw fail(
        tiktokError(
          'scope_not_authorized',
          `The user did not authorize the scope required for completing this request (${scope}).`,
        ),
      );
  };
  const body = (request: FastifyRequest): Record<string, unknown> => {
    const b = request.body ?? {};
    if (typeof b !== 'object' || Array.isArray(b))
      throw fail(invalidParams('The request body must be a JSON object.'));
    return b as Record<string, unknown>;
  };

  app.get('/v2/user/info/', async (request) => {
    const grant = ctx.grantOf(request);
    const fields = fieldsOf(request, Object.keys(USER_FIELD_SCOPES));
    const missing = fields.filter((f) => !grant.scopes.includes(USER_FIELD_SCOPES[f]!));
    if (missing.length)
      throw fail(
        tiktokError(
          'scope_permission_missed',
          `Access token is invalid, some fields need additional scopes: ${missing.join(', ')}.`,
        ),
      );
    const u = state.users.get(grant.openId) as TikTokUser;
    const all: Record<string, unknown> = {
      ...u,
      avatar_url: `https://p16-sign.tiktokcdn.example/${u.open_id}~c5_168x168.jpeg`,
      avatar_url_100: `https://p16-sign.tiktokcdn.example/${u.open_id}~c5_100x100.jpeg`,
      avatar_large_url: `https://p16-sign.tiktokcdn.example/${u.open_id}~c5_1080x1080.jpeg`,
      profile_deep_link: `https://vm.tiktok.com/${u.username}`,
      video_count: state.videosOf(u.open_id).length,
    };
    return { data: { user: Object.fromEntries(fields.map((f) => [f, all[f]])) }, error: okError() };
  });

  app.post('/v2/video/list/', async (request) => {
    const grant = ctx.grantOf(request);
    requireScope(grant, 'video.list');
    const fields = fieldsOf(request, VIDEO_FIELDS);
    const b = body(request);
    const maxCount = b.max_count === undefined ? DEFAULT_MAX_COUNT : b.max_count;
    if (typeof maxCount !== 'number' || !Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_COUNT)
      throw fail(invalidParams(`max_count must be an integer between 1 and ${MAX_COUNT}.`));
    if (
      b.cursor !== undefined &&
      (typeof b.cursor !== 'number' || !Number.isInteger(b.cursor) || b.cursor < 0)
    )
      throw fail(invalidParams('cursor must be a non-negative integer (a UTC timestamp in milliseconds).'));
    const cursor = b.cursor as number | undefined;
    // A cursor of 0 is what clients send for "from the start" (the v1 docs' example).
    const rest = state.videosOf(grant.openId).filter((v) => !cursor || v.createMs < cursor);
    const size = ctx.shortPages && rest.length > maxCount ? Math.max(1, maxCount - 1) : maxCount;
    const page = rest.slice(0, size);
    const last = page[page.length - 1];
    return {
      data: {
        videos: page.map((v) => videoJson(v, fields)),
        cursor: last ? last.createMs : (cursor ?? 0),
        has_more: rest.length > page.length,
      },
      error: okError(),
    };
  });

  app.post('/v2/video/query/', async (request) => {
    const grant = ctx.grantOf(request);
    requireScope(grant, 'video.list');
    const fields = fieldsOf(request, VIDEO_FIELDS);
    const ids = (body(request).filters as { video_ids?: unknown } | undefined)?.video_ids;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > MAX_QUERY_IDS ||
      ids.some((i) => typeof i !== 'string')
    )
      throw fail(
        invalidParams(`filters.video_ids must be a list of 1 to ${MAX_QUERY_IDS} video id strings.`),
      );
    const videos = (ids as string[])
      .map((id) => state.videos.get(id))
      .filter((v): v is TikTokVideo => v !== undefined && v.openId === grant.openId);
    return { data: { videos: videos.map((v) => videoJson(v, fields)) }, error: okError() };
  });
}
