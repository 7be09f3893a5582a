/**
 * @module `/api/v1/social-accounts`, `/api/v1/social-sync-logs` and `/api/v1/social-settings`: Instagram and TikTok
 * accounts kept in sync by polling and webhooks (src/social/). Tokens are write-only (sealed at rest, never
 * answered). A manual sync runs in the request (one account, bounded budget); polling runs on a worker.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import { connectSocialAccount, tiktokAuthorizeUrl } from '../../social/connect-account.js';
import { SOCIAL_PLATFORMS } from '../../social/social-clients.js';
import { socialSyncDeps } from '../../social/social-deps.js';
import { POLL_MINUTES } from '../../social/social-schedule.js';
import { syncSocialAccount } from '../../social/sync-account.js';
import type { SocialAccount } from '../../store/repositories/social-accounts.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const TRIGGERS = ['cron', 'webhook', 'manual'] as const;
const STATUSES = ['success', 'partial', 'error'] as const;
/** One manual sync of one account: generous, yet shorter than any proxy's request timeout. */
const MANUAL_SYNC_BUDGET_MS = 25_000;

const PlatformSchema = z.enum(SOCIAL_PLATFORMS);
const boolString = z.enum(['true', 'false']).transform((v) => v === 'true');

const SocialAccountSchema = z
  .strictObject({
    id: z.string(),
    connectionId: z.string(),
    platform: PlatformSchema,
    platformUserId: z.string(),
    username: z.string(),
    autoSync: z.boolean(),
    isActive: z.boolean(),
    problem: z.string().nullable().meta({ description: 'why ticks skip it (e.g. a failed token refresh)' }),
    tokenExpiresAt: TimestampSchema.nullable(),
    lastSyncAt: TimestampSchema.nullable(),
    lastAutoSyncAt: TimestampSchema.nullable().meta({ description: 'last cron or webhook sync' }),
    lastSyncStatus: z.enum(STATUSES).nullable(),
    lastSyncError: z.string().nullable(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'SocialAccount' });

const SyncResultSchema = z
  .strictObject({
    accountId: z.string(),
    status: z.enum(STATUSES),
    postsFound: z.number().int(),
    postsSynced: z.number().int(),
    error: z.string().nullable(),
    durationMs: z.number().int(),
  })
  .meta({ id: 'SocialSyncResult' });

const SocialSyncLogSchema = z
  .strictObject({
    id: z.string(),
    accountId: z.string(),
    username: z.string(),
    platform: PlatformSchema,
    trigger: z.enum(TRIGGERS),
    status: z.enum(STATUSES),
    postsFound: z.number().int(),
    postsSynced: z.number().int(),
    errorMessage: z.string().nullable(),
    durationMs: z.number().int(),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema,
  })
  .meta({ id: 'SocialSyncLog' });

const SocialPostSchema = z
  .strictObject({
    id: z.string(),
    externalId: z.string(),
    caption: z.string(),
    mediaType: z.string().nullable(),
    permalink: z.string().nullable(),
    publishedAt: TimestampSchema,
    likes: z.number().int(),
    comments: z.number().int(),
    views: z.number().int().nullable(),
    shares: z.number().int().nullable(),
    fetchedAt: TimestampSchema,
  })
  .meta({ id: 'SocialPost' });

const SettingsSchema = z
  .strictObject({
    pollMinutes: z
      .union(POLL_MINUTES.map((m) => z.literal(m)))
      .meta({ description: 'polling interval of auto-synced accounts' }),
  })
  .meta({ id: 'SocialSettings' });

const IdParams = z.strictObject({ id: idSchema('sac') });
const notFound = () => new DataSyncError('not_found', 'social account not found');

function view(a: SocialAccount): z.output<typeof SocialAccountSchema> {
  return {
    id: a.id,
    connectionId: a.connectionId,
    platform: a.platform,
    platformUserId: a.platformUserId,
    username: a.username,
    autoSync: a.autoSync,
    isActive: a.isActive,
    problem: a.problem,
    tokenExpiresAt: a.tokenExpiresAt,
    lastSyncAt: a.lastSyncAt,
    lastAutoSyncAt: a.lastAutoSyncAt,
    lastSyncStatus: a.lastSyncStatus,
    lastSyncError: a.lastSyncError,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

export const socialRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/social-accounts',
    operationId: 'listSocialAccounts',
    summary: 'List social accounts, newest first',
    tag: 'social',
    access: 'connections:read',
    query: z.strictObject({
      ...pageQueryShape,
      platform: PlatformSchema.optional(),
      autoSync: boolString.optional(),
    }),
    responses: { 200: pageSchema(SocialAccountSchema) },
    async handler({ query, auth, repos }) {
      const page = await repos.socialAccounts.list(auth.orgId, query);
      return ok({ data: page.data.map(view), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/social-accounts',
    operationId: 'connectSocialAccount',
    summary: 'Connect an account to an instagram or tiktok connection (token, or TikTok authorization code)',
    description:
      'The token is checked by reading the account profile. Connecting an account again replaces its tokens ' +
      'and clears a refresh-failure mark (200).',
    tag: 'social',
    access: 'connections:write',
    body: z
      .strictObject({
        connectionId: idSchema('con'),
        accessToken: z.string().min(1).max(4096).optional(),
        refreshToken: z.string().min(1).max(4096).optional(),
        expiresAt: z.iso
          .datetime({ offset: true })
          .optional()
          .meta({ description: 'when the access token expires' }),
        code: z.string().min(1).max(2048).optional().meta({ description: 'TikTok OAuth authorization code' }),
        redirectUri: z.url().max(2048).optional(),
        autoSync: z.boolean().optional(),
      })
      .refine((b) => b.accessToken || b.code, 'send accessToken, or code and redirectUri')
      .meta({ id: 'ConnectSocialAccountRequest' }),
    responses: { 200: SocialAccountSchema, 201: SocialAccountSchema },
    async handler({ body, auth, repos, api, audit }) {
      const { account, created: isNew } = await connectSocialAccount(repos, api.app.box, auth.orgId, body);
      await audit({
        action: isNew ? 'social_account.connected' : 'social_account.reconnected',
        resourceType: 'social_account',
        resourceId: account.id,
        details: { platform: account.platform, username: account.username },
      });
      return isNew ? created(view(account)) : ok(view(account));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/social-accounts/authorize-url',
    operationId: 'socialAuthorizeUrl',
    summary: 'Where to send a person to authorize a TikTok connection (OAuth); come back with the code',
    tag: 'social',
    access: 'connections:write',
    body: z
      .strictObject({
        connectionId: idSchema('con'),
        redirectUri: z.url().max(2048),
        state: z.string().min(1).max(200),
      })
      .meta({ id: 'SocialAuthorizeUrlRequest' }),
    responses: { 200: z.strictObject({ url: z.string() }).meta({ id: 'SocialAuthorizeUrl' }) },
    async handler({ body, auth, repos }) {
      const connection = await repos.connections.get(auth.orgId, body.connectionId);
      if (!connection) throw new DataSyncError('not_found', 'connection not found');
      if (connection.connector !== 'tiktok')
        throw new DataSyncError('validation_failed', 'OAuth connect is for tiktok connections', {
          details: { fields: { connectionId: `connector is ${connection.connector}` } },
        });
      const credentials = (await repos.connections.credentials(auth.orgId, connection.id)) ?? {};
      return ok({ url: tiktokAuthorizeUrl(connection.settings, credentials, body.redirectUri, body.state) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/social-accounts/:id',
    operationId: 'getSocialAccount',
    summary: 'One social account (no tokens)',
    tag: 'social',
    access: 'connections:read',
    params: IdParams,
    responses: { 200: SocialAccountSchema },
    async handler({ params, auth, repos }) {
      const account = await repos.socialAccounts.get(auth.orgId, params.id);
      if (!account) throw notFound();
      return ok(view(account));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/social-accounts/:id',
    operationId: 'updateSocialAccount',
    summary: 'Turn auto-sync on or off, or deactivate an account',
    tag: 'social',
    access: 'syncs:run',
    params: IdParams,
    body: z
      .strictObject({ autoSync: z.boolean().optional(), isActive: z.boolean().optional() })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change')
      .meta({ id: 'UpdateSocialAccountRequest' }),
    responses: { 200: SocialAccountSchema },
    async handler({ params, body, auth, transaction }) {
      const account = await transaction(async (repos, audit) => {
        if (!(await repos.socialAccounts.get(auth.orgId, params.id))) throw notFound();
        const updated = await repos.socialAccounts.update(auth.orgId, params.id, body);
        await audit({
          action: 'social_account.updated',
          resourceType: 'social_account',
          resourceId: params.id,
          details: body,
        });
        return updated!;
      });
      return ok(view(account));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/social-accounts/:id',
    operationId: 'deleteSocialAccount',
    summary: 'Disconnect an account (its posts and logs go with it)',
    tag: 'social',
    access: 'connections:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        if (!(await repos.socialAccounts.delete(auth.orgId, params.id))) throw notFound();
        await audit({
          action: 'social_account.deleted',
          resourceType: 'social_account',
          resourceId: params.id,
        });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/social-accounts/:id/sync',
    operationId: 'syncSocialAccount',
    summary: 'Sync one account now (trigger manual); answers its result, also written as a log row',
    tag: 'social',
    access: 'syncs:run',
    params: IdParams,
    responses: { 200: SyncResultSchema },
    async handler({ params, auth, repos, api }) {
      const account = await repos.socialAccounts.get(auth.orgId, params.id);
      if (!account) throw notFound();
      const result = await syncSocialAccount(socialSyncDeps(api.app.store, api.app.box), account, {
        trigger: 'manual',
        deadline: Date.now() + MANUAL_SYNC_BUDGET_MS,
      });
      return ok({
        accountId: result.accountId,
        status: result.status,
        postsFound: result.postsFound,
        postsSynced: result.postsSynced,
        error: result.error,
        durationMs: result.durationMs,
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/social-accounts/:id/posts',
    operationId: 'listSocialPosts',
    summary: 'Posts of an account with their metrics, most recently stored first',
    tag: 'social',
    access: 'records:read',
    params: IdParams,
    query: z.strictObject(pageQueryShape),
    responses: { 200: pageSchema(SocialPostSchema) },
    async handler({ params, query, auth, repos }) {
      if (!(await repos.socialAccounts.get(auth.orgId, params.id))) throw notFound();
      const page = await repos.socialPosts.list(auth.orgId, { ...query, accountId: params.id });
      return ok({
        data: page.data.map(({ accountId: _a, ...p }) => p),
        nextCursor: page.nextCursor,
      });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/social-sync-logs',
    operationId: 'listSocialSyncLogs',
    summary: 'One row per account sync, newest first',
    tag: 'social',
    access: 'runs:read',
    query: z.strictObject({
      ...pageQueryShape,
      accountId: idSchema('sac').optional(),
      platform: PlatformSchema.optional(),
      trigger: z.enum(TRIGGERS).optional(),
      status: z.enum(STATUSES).optional(),
    }),
    responses: { 200: pageSchema(SocialSyncLogSchema) },
    async handler({ query, auth, repos }) {
      return ok(await repos.socialSyncLogs.list(auth.orgId, query));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/social-settings',
    operationId: 'getSocialSettings',
    summary: 'How often auto-synced accounts are polled',
    tag: 'social',
    access: 'syncs:read',
    responses: { 200: SettingsSchema },
    async handler({ auth, repos }) {
      return ok({ pollMinutes: await repos.socialAccounts.pollMinutes(auth.orgId) });
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/v1/social-settings',
    operationId: 'putSocialSettings',
    summary: 'Set the polling interval (minutes dividing an hour; default 15)',
    tag: 'social',
    access: 'syncs:write',
    body: SettingsSchema,
    responses: { 200: SettingsSchema },
    async handler({ body, auth, transaction }) {
      await transaction(async (repos, audit) => {
        await repos.socialAccounts.setPollMinutes(auth.orgId, body.pollMinutes);
        await audit({
          action: 'social_settings.updated',
          resourceType: 'social_settings',
          resourceId: auth.orgId,
          details: body,
        });
      });
      return ok(body);
    },
  }),
];
