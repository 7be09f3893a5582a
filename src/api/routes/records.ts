/**
 * @module `/api/v1/collections/:key/records`: the items of a collection. Updates are optimistic: the body names
 * the version it was based on, and a record changed since answers 409 with the current version. Reads carry each
 * record's state in the syncs reading the collection (`sync`, see record-sync.ts). Every create, update and
 * delete queues a change event (a run) of each sync that pushes the collection, in the write's transaction;
 * `POST …/:id/push` queues a run of each of those syncs on request.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { contentTypeSchema, validateItem } from '../../content/content-type.js';
import { DataSyncError } from '../../lib/errors.js';
import { enqueueChangeEvent, enqueueRun } from '../../runtime/triggers.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { StoredRecord } from '../../store/repositories/records.js';
import type { Database } from '../../store/schema.js';
import type { RevisionActor } from '../../store/repositories/item-revisions.js';
import { requireQueue, type ApiContext } from '../api-options.js';
import type { RequestAuth, Principal } from '../auth/principal.js';
import { recordSyncs, RecordSyncSchema } from '../record-sync.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import {
  idSchema,
  JsonObjectSchema,
  pageQueryShape,
  pageSchema,
  TimestampSchema,
} from '../schemas/common.js';
import { CollectionKeySchema } from './collections.js';

const STATUS = ['draft', 'published', 'archived'] as const;

export const RecordSchema = z
  .strictObject({
    id: z.string(),
    collectionId: z.string(),
    status: z.enum(STATUS),
    data: z.record(z.string(), z.unknown()),
    checksum: z.string(),
    version: z.number().int(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Record' });

export const RecordWithSyncSchema = RecordSchema.extend({
  sync: z.array(RecordSyncSchema).meta({
    description: 'one entry per sync pair reading this collection as side a (none: no sync covers it)',
  }),
}).meta({ id: 'RecordWithSync' });

const CollectionParams = z.strictObject({ key: CollectionKeySchema });
const RecordParams = z.strictObject({ key: CollectionKeySchema, id: idSchema('rec') });

export function recordView(r: StoredRecord): z.output<typeof RecordSchema> {
  return {
    id: r.id,
    collectionId: r.collectionId,
    status: r.status,
    data: r.data,
    checksum: r.checksum,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * The outbox for writes through the API: in the write's own transaction, one change event per active sync that
 * pushes this collection (side a, direction push or two-way), so the platform gets the change without a manual run
 * and a crash between the answer and the push loses nothing. Writes the engine makes (pulls) never come here, so
 * nothing echoes. Without a runtime queue (an API-only test server) there is nothing to queue.
 */
async function queueChangePushes(
  api: ApiContext,
  db: Kysely<Database>,
  repos: Repositories,
  orgId: string,
  key: string,
  recordId: string,
): Promise<void> {
  const queue = api.options.queue;
  if (!queue) return;
  for (const { sync } of await repos.syncs.onCollection(orgId, key)) {
    if (sync.status !== 'active' || sync.definition.direction === 'pull') continue;
    await enqueueChangeEvent(db, queue, { orgId, syncId: sync.id, recordId });
  }
}

async function collectionId(repos: Repositories, orgId: string, key: string): Promise<string> {
  const c = await repos.collections.byKey(orgId, key);
  if (!c) throw new DataSyncError('not_found', 'collection not found');
  return c.id;
}

/**
 * The collection's id, after checking `data` against its content type (when its schema is one): an item that
 * breaks it is refused whole, with one message per field, before anything is written.
 */
async function checkedCollectionId(
  repos: Repositories,
  orgId: string,
  key: string,
  data: Record<string, unknown>,
): Promise<string> {
  const c = await repos.collections.byKey(orgId, key);
  if (!c) throw new DataSyncError('not_found', 'collection not found');
  const type = contentTypeSchema.safeParse(c.schema);
  if (type.success) {
    const verdict = validateItem(type.data, data);
    if (!verdict.ok) {
      throw new DataSyncError('validation_failed', 'the item does not fit its content type', {
        details: { fields: verdict.errors },
      });
    }
  }
  return c.id;
}

/** Who wrote a version, as the history shows it. */
export function revisionActor(auth: RequestAuth, principal: Principal | undefined): RevisionActor {
  const label =
    principal?.kind === 'user'
      ? principal.user.email
      : principal?.kind === 'api_key'
        ? `key ${principal.apiKey.name}`
        : null;
  return { type: auth.actor.type, id: auth.actor.id, label };
}

const SyncLogEntrySchema = z
  .strictObject({
    id: z.number(),
    runId: z.string(),
    syncId: z.string().nullable(),
    trigger: z.string(),
    direction: z.enum(['outbound', 'inbound']).meta({
      description: 'outbound: this record was written to the platform; inbound: the platform’s copy into it',
    }),
    ok: z.boolean().meta({ description: 'false for a failed write or a conflict held for review' }),
    outcome: z
      .string()
      .nullable()
      .meta({ description: 'created, updated, unchanged, deleted, failed, conflict…' }),
    message: z.string(),
    payload: z.unknown().meta({ description: 'the pair, the field diffs written, the error' }),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'RecordSyncLogEntry' });

export const recordRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key/records',
    operationId: 'listRecords',
    summary: 'List live records of a collection, oldest first',
    tag: 'records',
    access: 'records:read',
    params: CollectionParams,
    query: z
      .strictObject({
        ...pageQueryShape,
        status: z.enum(STATUS).optional(),
        updatedFrom: z.iso.datetime().optional().meta({ description: 'updated at or after (ISO-8601)' }),
        updatedTo: z.iso.datetime().optional().meta({ description: 'updated at or before (ISO-8601)' }),
        q: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .meta({ description: 'case-insensitive text found anywhere in the data' }),
      })
      .refine((q) => !q.updatedFrom || !q.updatedTo || q.updatedFrom <= q.updatedTo, {
        message: 'updatedFrom must not be after updatedTo',
        path: ['updatedFrom'],
      }),
    responses: { 200: pageSchema(RecordWithSyncSchema) },
    async handler({ params, query, auth, repos }) {
      const id = await collectionId(repos, auth.orgId, params.key);
      const { updatedFrom, updatedTo, ...rest } = query;
      const page = await repos.records.list(auth.orgId, id, {
        ...rest,
        ...(updatedFrom ? { updatedFrom: new Date(updatedFrom).toISOString() } : {}),
        ...(updatedTo ? { updatedTo: new Date(updatedTo).toISOString() } : {}),
      });
      const syncs = await recordSyncs(repos, auth.orgId, params.key, page.data);
      return ok({
        data: page.data.map((r) => ({ ...recordView(r), sync: syncs.get(r.id) ?? [] })),
        nextCursor: page.nextCursor,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/collections/:key/records',
    operationId: 'createRecord',
    summary: 'Create a record',
    tag: 'records',
    access: 'records:write',
    params: CollectionParams,
    body: z
      .strictObject({ data: JsonObjectSchema, status: z.enum(STATUS).optional() })
      .meta({ id: 'CreateRecordRequest' }),
    responses: { 201: RecordSchema },
    bodyLimit: 1024 * 1024,
    async handler({ params, body, auth, principal, api, transaction }) {
      const record = await transaction(async (repos, audit, db) => {
        const id = await checkedCollectionId(repos, auth.orgId, params.key, body.data);
        const r = await repos.records.create(auth.orgId, id, body);
        await queueChangePushes(api, db, repos, auth.orgId, params.key, r.id);
        await repos.itemRevisions.record(auth.orgId, [r], {
          action: 'created',
          actor: revisionActor(auth, principal),
        });
        await audit({
          action: 'record.created',
          resourceType: 'record',
          resourceId: r.id,
          details: { collection: params.key },
        });
        return r;
      });
      return created(recordView(record));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key/records/:id',
    operationId: 'getRecord',
    summary: 'One record',
    tag: 'records',
    access: 'records:read',
    params: RecordParams,
    responses: { 200: RecordWithSyncSchema },
    async handler({ params, auth, repos }) {
      const id = await collectionId(repos, auth.orgId, params.key);
      const r = await repos.records.get(auth.orgId, id, params.id);
      if (!r) throw new DataSyncError('not_found', 'record not found');
      const syncs = await recordSyncs(repos, auth.orgId, params.key, [r]);
      return ok({ ...recordView(r), sync: syncs.get(r.id) ?? [] });
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/v1/collections/:key/records/:id',
    operationId: 'updateRecord',
    summary: 'Replace a record’s data (and status) if it is still at `version`',
    tag: 'records',
    access: 'records:write',
    params: RecordParams,
    body: z
      .strictObject({
        data: JsonObjectSchema,
        status: z.enum(STATUS).optional(),
        version: z.number().int().min(1).meta({ description: 'the version this edit is based on' }),
      })
      .meta({ id: 'UpdateRecordRequest' }),
    responses: { 200: RecordSchema },
    bodyLimit: 1024 * 1024,
    async handler({ params, body, auth, principal, api, transaction }) {
      const record = await transaction(async (repos, audit, db) => {
        const id = await checkedCollectionId(repos, auth.orgId, params.key, body.data);
        const r = await repos.records.update(auth.orgId, id, params.id, {
          data: body.data,
          expectedVersion: body.version,
          ...(body.status ? { status: body.status } : {}),
        });
        if (!r) throw new DataSyncError('not_found', 'record not found');
        await queueChangePushes(api, db, repos, auth.orgId, params.key, r.id);
        await repos.itemRevisions.record(auth.orgId, [r], {
          action: 'updated',
          actor: revisionActor(auth, principal),
        });
        await audit({
          action: 'record.updated',
          resourceType: 'record',
          resourceId: r.id,
          details: { collection: params.key, version: r.version },
        });
        return r;
      });
      return ok(recordView(record));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/collections/:key/records/:id',
    operationId: 'deleteRecord',
    summary: 'Delete a record (a tombstone stays for incremental readers)',
    tag: 'records',
    access: 'records:write',
    params: RecordParams,
    responses: { 204: null },
    async handler({ params, auth, principal, api, transaction }) {
      await transaction(async (repos, audit, db) => {
        const id = await collectionId(repos, auth.orgId, params.key);
        const before = await repos.records.get(auth.orgId, id, params.id);
        if (!before || (await repos.records.deleteMany(auth.orgId, id, [params.id])) === 0) {
          throw new DataSyncError('not_found', 'record not found');
        }
        await queueChangePushes(api, db, repos, auth.orgId, params.key, params.id);
        // The tombstone is a version too: the history ends with who deleted the item and what it held.
        await repos.itemRevisions.record(
          auth.orgId,
          [{ ...before, version: before.version + 1, updatedAt: new Date().toISOString() }],
          { action: 'deleted', actor: revisionActor(auth, principal) },
        );
        await audit({
          action: 'record.deleted',
          resourceType: 'record',
          resourceId: params.id,
          details: { collection: params.key },
        });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/collections/:key/records/:id/sync-log',
    operationId: 'getRecordSyncLog',
    summary: 'What every sync run did with this record, newest first',
    description:
      'One entry per run log line naming the record: written to the platform (outbound) or from it (inbound), with its outcome, diffs and error. `cursor` is the `nextCursor` of the previous page.',
    tag: 'records',
    access: 'records:read',
    params: RecordParams,
    query: z.strictObject({
      limit: pageQueryShape.limit,
      cursor: z
        .string()
        .regex(/^\d{1,15}$/, 'must be a nextCursor from a previous page')
        .optional()
        .meta({ description: 'nextCursor of the previous page' }),
    }),
    responses: { 200: pageSchema(SyncLogEntrySchema) },
    async handler({ params, query, auth, repos }) {
      const id = await collectionId(repos, auth.orgId, params.key);
      if (!(await repos.records.get(auth.orgId, id, params.id))) {
        throw new DataSyncError('not_found', 'record not found');
      }
      const limit = query.limit ?? 50;
      const lines = await repos.runLogs.forRecord(auth.orgId, params.id, {
        limit: limit + 1,
        ...(query.cursor ? { beforeId: Number(query.cursor) } : {}),
      });
      const page = lines.slice(0, limit);
      return ok({
        data: page.map((l) => {
          const payload = (l.payload ?? {}) as { outcome?: unknown; error?: unknown };
          // Older lines carry the outcome only as the message's first word.
          const outcome =
            typeof payload.outcome === 'string' ? payload.outcome : (/^(\w+) /.exec(l.message)?.[1] ?? null);
          return {
            id: l.id,
            runId: l.runId,
            syncId: l.syncId,
            trigger: l.trigger,
            // The line names the record as the source of a write (a push) or as its target (a pull into it).
            direction: l.recordId === params.id ? ('outbound' as const) : ('inbound' as const),
            ok: l.level !== 'error' && outcome !== 'failed' && outcome !== 'conflict',
            outcome,
            message: l.message,
            payload: l.payload,
            createdAt: l.createdAt,
          };
        }),
        nextCursor: lines.length > limit ? String(page.at(-1)!.id) : null,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/collections/:key/records/:id/push',
    operationId: 'pushRecord',
    summary: 'Queue a run of every sync that reads this record’s collection as side a (202)',
    description:
      'A sync that already has a run queued answers that run. 409 when no sync reads the collection as side a.',
    tag: 'records',
    access: 'records:write',
    params: RecordParams,
    responses: {
      202: z
        .strictObject({ runs: z.array(z.strictObject({ syncId: z.string(), runId: z.string() })) })
        .meta({ id: 'PushRecordResponse' }),
    },
    async handler({ params, auth, api, transaction }) {
      const queue = requireQueue(api);
      const runs = await transaction(async (repos, audit, db) => {
        const id = await collectionId(repos, auth.orgId, params.key);
        if (!(await repos.records.get(auth.orgId, id, params.id))) {
          throw new DataSyncError('not_found', 'record not found');
        }
        const covering = await repos.syncs.onCollection(auth.orgId, params.key);
        if (covering.length === 0) {
          throw new DataSyncError('conflict', `no sync reads collection "${params.key}" as side a`, {
            details: { collection: params.key },
          });
        }
        const out: { syncId: string; runId: string }[] = [];
        // A run syncs the whole collection (the change feed finds the record): one queued run per sync suffices.
        for (const { sync } of covering) {
          const enqueued = await enqueueRun(db, queue, {
            orgId: auth.orgId,
            kind: 'sync.run',
            trigger: 'api',
            syncId: sync.id,
          });
          if (!enqueued.deduped) {
            await audit({
              action: 'run.started',
              resourceType: 'run',
              resourceId: enqueued.runId,
              details: { syncId: sync.id, record: params.id, collection: params.key },
            });
          }
          out.push({ syncId: sync.id, runId: enqueued.runId });
        }
        return out;
      });
      return { status: 202, body: { runs } };
    },
  }),
];
