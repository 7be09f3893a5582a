/**
 * @module `/api/v1/collections/:key/records/:id/revisions`: the history of a content item. Every write through
 * the API keeps a revision (who, when, data and status); the diff compares any two versions field by field;
 * a restore writes an old version's data and status back as a new version (checked against the type as it is
 * now, so an old version that no longer fits is refused with field-level messages, and saves nothing).
 */
import { z } from 'zod';
import { contentTypeSchema, validateItem } from '../../content/content-type.js';
import { diffVersions } from '../../content/revision-diff.js';
import { DataSyncError } from '../../lib/errors.js';
import type { ItemRevision } from '../../store/repositories/item-revisions.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { StoredRecord } from '../../store/repositories/records.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, TimestampSchema } from '../schemas/common.js';
import { CollectionKeySchema } from './collections.js';
import { recordView, RecordSchema, revisionActor } from './records.js';

const STATUS = ['draft', 'published', 'archived'] as const;

const RevisionSchema = z
  .strictObject({
    version: z.number().int(),
    status: z.enum(STATUS),
    data: z.record(z.string(), z.unknown()),
    action: z.enum(['created', 'updated', 'restored', 'deleted', 'external']).meta({
      description: '`external`: the current version was written outside the API (a sync), so none was kept',
    }),
    restoredFrom: z.number().int().nullable(),
    actor: z.strictObject({
      type: z.enum(['user', 'api_key', 'system']),
      id: z.string().nullable(),
      label: z.string().nullable(),
    }),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'ItemRevision' });

const ChangeSchema = z
  .strictObject({
    field: z.string().meta({ description: 'a field key, or `$status`' }),
    change: z.enum(['added', 'removed', 'changed']),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .meta({ id: 'ItemFieldChange' });

const ItemParams = z.strictObject({ key: CollectionKeySchema, id: idSchema('rec') });
const VersionNumber = z.coerce.number().int().min(1).max(2_147_483_647);

type RevisionView = z.output<typeof RevisionSchema>;

function view(r: ItemRevision): RevisionView {
  return {
    version: r.version,
    status: r.status,
    data: r.data,
    action: r.action,
    restoredFrom: r.restoredFrom,
    actor: r.actor,
    createdAt: r.createdAt,
  };
}

interface ItemHistory {
  record: StoredRecord;
  fieldOrder: string[];
  schema: z.output<typeof contentTypeSchema> | null;
  /** Newest first; the current version is always there. */
  revisions: RevisionView[];
}

async function history(repos: Repositories, orgId: string, key: string, id: string): Promise<ItemHistory> {
  const collection = await repos.collections.byKey(orgId, key);
  if (!collection) throw new DataSyncError('not_found', 'collection not found');
  const record = await repos.records.get(orgId, collection.id, id);
  if (!record) throw new DataSyncError('not_found', 'record not found');
  const revisions = (await repos.itemRevisions.list(orgId, record.id)).map(view);
  if (revisions[0]?.version !== record.version) {
    revisions.unshift({
      version: record.version,
      status: record.status,
      data: record.data,
      action: 'external',
      restoredFrom: null,
      actor: { type: 'system', id: null, label: null },
      createdAt: record.updatedAt,
    });
  }
  const parsed = contentTypeSchema.safeParse(collection.schema);
  return {
    record,
    schema: parsed.success ? parsed.data : null,
    fieldOrder: parsed.success ? parsed.data.fields.map((f) => f.key) : [],
    revisions,
  };
}

function versionOf(h: ItemHistory, version: number, name: string): RevisionView {
  const found = h.revisions.find((r) => r.version === version);
  if (!found) {
    throw new DataSyncError('not_found', `version ${version} of this item was not kept`, {
      details: { [name]: version, kept: h.revisions.map((r) => r.version) },
    });
  }
  return found;
}

export const itemRevisionRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key/records/:id/revisions',
    operationId: 'listItemRevisions',
    summary: 'The kept versions of an item, newest first',
    tag: 'records',
    access: 'records:read',
    params: ItemParams,
    responses: { 200: z.strictObject({ data: z.array(RevisionSchema) }) },
    async handler({ params, auth, repos }) {
      const h = await history(repos, auth.orgId, params.key, params.id);
      return ok({ data: h.revisions });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key/records/:id/revisions/diff',
    operationId: 'diffItemRevisions',
    summary: 'Field-level differences between two versions of an item (`to` defaults to the current one)',
    tag: 'records',
    access: 'records:read',
    params: ItemParams,
    query: z.strictObject({ from: VersionNumber, to: VersionNumber.optional() }),
    responses: {
      200: z
        .strictObject({
          from: z.number().int(),
          to: z.number().int(),
          changes: z.array(ChangeSchema),
        })
        .meta({ id: 'ItemRevisionDiff' }),
    },
    async handler({ params, query, auth, repos }) {
      const h = await history(repos, auth.orgId, params.key, params.id);
      const from = versionOf(h, query.from, 'from');
      const to = versionOf(h, query.to ?? h.record.version, 'to');
      return ok({ from: from.version, to: to.version, changes: diffVersions(from, to, h.fieldOrder) });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/collections/:key/records/:id/revisions/:version/restore',
    operationId: 'restoreItemRevision',
    summary: 'Write a kept version back as a new version, if the item is still at `version` of the body',
    tag: 'records',
    access: 'records:write',
    params: ItemParams.extend({ version: VersionNumber }),
    body: z
      .strictObject({
        version: z
          .number()
          .int()
          .min(1)
          .meta({ description: 'the current version this restore is based on' }),
      })
      .meta({ id: 'RestoreItemRevisionRequest' }),
    responses: { 200: RecordSchema },
    async handler({ params, body, auth, principal, transaction }) {
      const result = await transaction(async (repos, audit) => {
        const h = await history(repos, auth.orgId, params.key, params.id);
        const old = versionOf(h, params.version, 'version');
        if (h.schema) {
          const verdict = validateItem(h.schema, old.data);
          if (!verdict.ok) {
            throw new DataSyncError(
              'validation_failed',
              'that version does not fit the content type as it is now',
              {
                details: { fields: verdict.errors },
              },
            );
          }
        }
        const r = await repos.records.update(auth.orgId, h.record.collectionId, h.record.id, {
          data: old.data,
          status: old.status,
          expectedVersion: body.version,
        });
        if (!r) throw new DataSyncError('not_found', 'record not found');
        await repos.itemRevisions.record(auth.orgId, [r], {
          action: 'restored',
          actor: revisionActor(auth, principal),
          restoredFrom: old.version,
        });
        await audit({
          action: 'record.restored',
          resourceType: 'record',
          resourceId: r.id,
          details: { collection: params.key, from: old.version, version: r.version },
        });
        return recordView(r);
      });
      return ok(result);
    },
  }),
];
