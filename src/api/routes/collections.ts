/**
 * @module `/api/v1/collections`: DataSync's own content types, addressed by key within the organization.
 */
import { z } from 'zod';
import { contentTypeSchema } from '../../content/content-type.js';
import { DataSyncError } from '../../lib/errors.js';
import type { Collection } from '../../store/repositories/collections.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { assertNotManagedByConfig } from '../managed-resources.js';
import {
  JsonObjectSchema,
  NameSchema,
  pageQueryShape,
  pageSchema,
  TimestampSchema,
} from '../schemas/common.js';

export const CollectionKeySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be lowercase letters, digits, _ or -, starting with a letter');

const CollectionSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    key: z.string(),
    name: z.string(),
    schema: z.record(z.string(), z.unknown()),
    managedBy: z.string().nullable(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Collection' });

const KeyParams = z.strictObject({ key: CollectionKeySchema });

function view(c: Collection): z.output<typeof CollectionSchema> {
  return c;
}

/**
 * A schema with `fields` is a content type (the field builder's output): it must be a valid one, or items could
 * never be checked against it. Problems are answered per path (`fields.2.options`).
 */
function checkContentType(schema: Record<string, unknown>): void {
  if (!('fields' in schema)) return;
  const parsed = contentTypeSchema.safeParse(schema);
  if (parsed.success) return;
  const fields: Record<string, string> = {};
  for (const issue of parsed.error.issues) fields[issue.path.join('.') || '_'] ??= issue.message;
  throw new DataSyncError('validation_failed', 'the content type is not valid', { details: { fields } });
}

export const collectionRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections',
    operationId: 'listCollections',
    summary: 'List collections, newest first',
    tag: 'collections',
    access: 'collections:read',
    query: z.strictObject(pageQueryShape),
    responses: { 200: pageSchema(CollectionSchema) },
    async handler({ query, auth, repos }) {
      return ok(await repos.collections.list(auth.orgId, query));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/collections',
    operationId: 'createCollection',
    summary: 'Create a collection (a content type)',
    tag: 'collections',
    access: 'collections:write',
    body: z
      .strictObject({ key: CollectionKeySchema, name: NameSchema, schema: JsonObjectSchema.optional() })
      .meta({ id: 'CreateCollectionRequest' }),
    responses: { 201: CollectionSchema },
    async handler({ body, auth, transaction }) {
      if (body.schema) checkContentType(body.schema);
      const c = await transaction(async (repos, audit) => {
        const made = await repos.collections.create(auth.orgId, body);
        await audit({
          action: 'collection.created',
          resourceType: 'collection',
          resourceId: made.id,
          details: { key: made.key },
        });
        return made;
      });
      return created(view(c));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key',
    operationId: 'getCollection',
    summary: 'One collection',
    tag: 'collections',
    access: 'collections:read',
    params: KeyParams,
    responses: { 200: CollectionSchema },
    async handler({ params, auth, repos }) {
      const c = await repos.collections.byKey(auth.orgId, params.key);
      if (!c) throw new DataSyncError('not_found', 'collection not found');
      return ok(view(c));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/collections/:key',
    operationId: 'updateCollection',
    summary: "Change a collection's name or schema",
    tag: 'collections',
    access: 'collections:write',
    params: KeyParams,
    body: z
      .strictObject({ name: NameSchema.optional(), schema: JsonObjectSchema.optional() })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change')
      .meta({ id: 'UpdateCollectionRequest' }),
    responses: { 200: CollectionSchema },
    async handler({ params, body, auth, transaction }) {
      if (body.schema) checkContentType(body.schema);
      const c = await transaction(async (repos, audit) => {
        const existing = await repos.collections.byKey(auth.orgId, params.key);
        if (!existing) throw new DataSyncError('not_found', 'collection not found');
        assertNotManagedByConfig(existing, 'collection');
        const updated = await repos.collections.update(auth.orgId, params.key, body);
        await audit({
          action: 'collection.updated',
          resourceType: 'collection',
          resourceId: existing.id,
          details: { fields: Object.keys(body) },
        });
        return updated!;
      });
      return ok(view(c));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/collections/:key',
    operationId: 'deleteCollection',
    summary: 'Delete a collection and its records',
    tag: 'collections',
    access: 'collections:write',
    params: KeyParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        const existing = await repos.collections.byKey(auth.orgId, params.key);
        if (!existing) throw new DataSyncError('not_found', 'collection not found');
        assertNotManagedByConfig(existing, 'collection');
        await repos.collections.delete(auth.orgId, params.key);
        await audit({
          action: 'collection.deleted',
          resourceType: 'collection',
          resourceId: existing.id,
          details: { key: params.key },
        });
      });
      return noContent();
    },
  }),
];
