/**
 * @module `/api/v1/api-keys`: keys for programs. The key itself is in the create response only (stored as a hash);
 * lists show its prefix and when it was last used. A caller cannot mint a key stronger than its own role.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import type { ApiKey } from '../../store/repositories/api-keys.js';
import { roleAtLeast } from '../auth/permissions.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import {
  idSchema,
  NameSchema,
  pageQueryShape,
  pageSchema,
  RoleSchema,
  TimestampSchema,
} from '../schemas/common.js';

const ApiKeySchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    role: RoleSchema,
    createdBy: z.string().nullable(),
    createdAt: TimestampSchema,
    lastUsedAt: TimestampSchema.nullable(),
    revokedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'ApiKey' });

const KeyParams = z.strictObject({ id: idSchema('key') });

function keyView(k: ApiKey): z.output<typeof ApiKeySchema> {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    role: k.role,
    createdBy: k.created_by,
    createdAt: k.created_at,
    lastUsedAt: k.last_used_at,
    revokedAt: k.revoked_at,
  };
}

export const apiKeyRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/api-keys',
    operationId: 'listApiKeys',
    summary: 'List API keys (prefix, role, last used; never the key)',
    tag: 'api-keys',
    access: 'api_keys:read',
    query: z.strictObject({
      ...pageQueryShape,
      includeRevoked: z.enum(['true', 'false']).optional().meta({ description: 'default true' }),
    }),
    responses: { 200: pageSchema(ApiKeySchema) },
    async handler({ query, auth, repos }) {
      const page = await repos.apiKeys.list(auth.orgId, {
        cursor: query.cursor,
        limit: query.limit,
        includeRevoked: query.includeRevoked !== 'false',
      });
      return ok({ data: page.data.map(keyView), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/api-keys/:id',
    operationId: 'getApiKey',
    summary: 'One API key',
    tag: 'api-keys',
    access: 'api_keys:read',
    params: KeyParams,
    responses: { 200: ApiKeySchema },
    async handler({ params, auth, repos }) {
      const key = await repos.apiKeys.get(auth.orgId, params.id);
      if (!key) throw new DataSyncError('not_found', 'API key not found');
      return ok(keyView(key));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key with a role; the key is shown in this response only',
    tag: 'api-keys',
    access: 'api_keys:write',
    body: z.strictObject({ name: NameSchema, role: RoleSchema }).meta({ id: 'CreateApiKeyRequest' }),
    responses: {
      201: z.strictObject({ apiKey: ApiKeySchema, key: z.string() }).meta({ id: 'CreatedApiKey' }),
    },
    async handler({ body, auth, transaction }) {
      if (!roleAtLeast(auth.role, body.role)) {
        throw new DataSyncError('forbidden', `a ${auth.role} cannot create a ${body.role} key`, {
          details: { role: auth.role, requested: body.role },
        });
      }
      const result = await transaction(async (repos, audit) => {
        const made = await repos.apiKeys.create(auth.orgId, {
          name: body.name,
          role: body.role,
          createdBy: auth.actor.id,
        });
        await audit({
          action: 'api_key.created',
          resourceType: 'api_key',
          resourceId: made.apiKey.id,
          details: { name: body.name, role: body.role, prefix: made.apiKey.prefix },
        });
        return made;
      });
      return created({ apiKey: keyView(result.apiKey), key: result.key });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/api-keys/:id',
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key (it stops working at once; the row stays for the record)',
    tag: 'api-keys',
    access: 'api_keys:write',
    params: KeyParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        const key = await repos.apiKeys.get(auth.orgId, params.id);
        if (!key) throw new DataSyncError('not_found', 'API key not found');
        if (!roleAtLeast(auth.role, key.role)) {
          throw new DataSyncError('forbidden', `a ${auth.role} cannot revoke a ${key.role} key`);
        }
        if (await repos.apiKeys.revoke(auth.orgId, params.id)) {
          await audit({ action: 'api_key.revoked', resourceType: 'api_key', resourceId: params.id });
        }
      });
      return noContent();
    },
  }),
];
