/**
 * @module `/api/v1/conflicts`: record-level decisions waiting for a person, and `POST …/:id/resolve`. A person
 * keeps the local or the remote side, for the whole record or field by field; the next run of the sync applies
 * the answer. Edited (third) values are refused with 501 until the engine can apply them.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import type { Conflict, ConflictResolution } from '../../store/repositories/conflicts.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const STATUSES = ['open', 'resolved'] as const;
/** Local is side `a` of the sync definition, remote side `b` (the engine's names). */
const SIDE = { local: 'a', remote: 'b' } as const;
const KEEP = ['local', 'remote'] as const;

const ConflictSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    syncId: z.string(),
    linkId: z.string(),
    runId: z.string().nullable(),
    status: z.enum(STATUSES),
    fields: z.array(
      z.strictObject({ field: z.string(), base: z.unknown(), local: z.unknown(), remote: z.unknown() }),
    ),
    resolution: z
      .record(z.string(), z.enum(KEEP))
      .nullable()
      .meta({ description: 'per field, the side kept' }),
    resolvedBy: z.string().nullable(),
    createdAt: TimestampSchema,
    resolvedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Conflict' });

const IdParams = z.strictObject({ id: idSchema('cfl') });

function view(c: Conflict): z.output<typeof ConflictSchema> {
  const resolution = c.resolution
    ? Object.fromEntries(
        Object.entries(c.resolution).map(([f, s]) => [f, s === 'a' ? 'local' : 'remote'] as const),
      )
    : null;
  return { ...c, resolution };
}

export const conflictRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/conflicts',
    operationId: 'listConflicts',
    summary: 'List conflicts, newest first',
    tag: 'conflicts',
    access: 'conflicts:read',
    query: z.strictObject({
      ...pageQueryShape,
      status: z.enum(STATUSES).optional(),
      syncId: idSchema('syn').optional(),
    }),
    responses: { 200: pageSchema(ConflictSchema) },
    async handler({ query, auth, repos }) {
      const { cursor, limit, ...filter } = query;
      const page = await repos.conflicts.list(auth.orgId, filter, { cursor, limit });
      return ok({ data: page.data.map(view), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/conflicts/:id',
    operationId: 'getConflict',
    summary: 'One conflict with its base, local and remote values per field',
    tag: 'conflicts',
    access: 'conflicts:read',
    params: IdParams,
    responses: { 200: ConflictSchema },
    async handler({ params, auth, repos }) {
      const c = await repos.conflicts.get(auth.orgId, params.id);
      if (!c) throw new DataSyncError('not_found', 'conflict not found');
      return ok(view(c));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/conflicts/:id/resolve',
    operationId: 'resolveConflict',
    summary: 'Resolve an open conflict: keep local or remote, for the record or per field',
    description:
      '`keep` applies to every field not named in `fields`. Every conflicting field must end with a side. ' +
      '`values` (edited values) answers 501: the engine cannot apply a third value yet. 409 when the conflict ' +
      'is already resolved.',
    tag: 'conflicts',
    access: 'conflicts:resolve',
    params: IdParams,
    body: z
      .strictObject({
        keep: z.enum(KEEP).optional(),
        fields: z.record(z.string().min(1).max(200), z.enum(KEEP)).optional(),
        values: z.record(z.string().min(1).max(200), z.unknown()).optional(),
      })
      .refine((b) => b.keep !== undefined || b.fields !== undefined || b.values !== undefined, {
        message: 'say what to keep: keep, fields or values',
      })
      .meta({ id: 'ResolveConflictRequest' }),
    responses: { 200: ConflictSchema },
    async handler({ params, body, auth, transaction }) {
      if (body.values !== undefined && Object.keys(body.values).length > 0) {
        throw new DataSyncError(
          'not_implemented',
          'edited values are not supported yet: keep local or remote per field',
        );
      }
      const resolved = await transaction(async (repos, audit) => {
        const c = await repos.conflicts.get(auth.orgId, params.id);
        if (!c) throw new DataSyncError('not_found', 'conflict not found');
        if (c.status !== 'open') throw new DataSyncError('conflict', 'the conflict is already resolved');
        const names = new Set(c.fields.map((f) => f.field));
        const unknown = Object.keys(body.fields ?? {}).filter((f) => !names.has(f));
        if (unknown.length > 0) {
          throw new DataSyncError('validation_failed', 'fields not in this conflict', {
            details: { fields: unknown },
          });
        }
        const resolution: ConflictResolution = {};
        const missing: string[] = [];
        for (const name of names) {
          const keep = body.fields?.[name] ?? body.keep;
          if (keep) resolution[name] = SIDE[keep];
          else missing.push(name);
        }
        if (missing.length > 0) {
          throw new DataSyncError('validation_failed', 'say which side to keep for every field', {
            details: { fields: missing },
          });
        }
        const r = await repos.conflicts.resolve(auth.orgId, c.id, resolution, auth.actor.id);
        if (!r) throw new DataSyncError('conflict', 'the conflict is already resolved');
        await audit({
          action: 'conflict.resolved',
          resourceType: 'conflict',
          resourceId: c.id,
          details: { syncId: c.syncId, resolution: view(r).resolution },
        });
        return r;
      });
      return ok(view(resolved));
    },
  }),
];
