/**
 * @module `/api/v1/conflicts`: record-level decisions waiting for a person, and `POST …/:id/resolve`. A person
 * keeps the local or the remote side, for the whole record or field by field, or edits a third value; the next
 * run of the sync applies the answer (an edited value is written to both sides).
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
    localId: z.string().nullable().meta({ description: 'the record id on side a (local)' }),
    remoteId: z.string().nullable().meta({ description: 'the record id on side b (remote)' }),
    runId: z.string().nullable(),
    status: z.enum(STATUSES),
    fields: z.array(
      z.strictObject({ field: z.string(), base: z.unknown(), local: z.unknown(), remote: z.unknown() }),
    ),
    resolution: z
      .record(z.string(), z.union([z.enum(KEEP), z.strictObject({ value: z.unknown() })]))
      .nullable()
      .meta({ description: 'per field, the side kept or the edited value written to both sides' }),
    resolvedBy: z.string().nullable(),
    createdAt: TimestampSchema,
    resolvedAt: TimestampSchema.nullable(),
  })
  .meta({ id: 'Conflict' });

const IdParams = z.strictObject({ id: idSchema('cfl') });

function view(c: Conflict): z.output<typeof ConflictSchema> {
  const resolution = c.resolution
    ? Object.fromEntries(
        Object.entries(c.resolution).map(
          ([f, s]) => [f, typeof s === 'object' ? s : s === 'a' ? 'local' : 'remote'] as const,
        ),
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
    summary:
      'Resolve an open conflict: keep local or remote, or an edited value, for the record or per field',
    description:
      "`values` gives edited values (in the local side's form) that the next run writes to both sides; " +
      '`fields` keeps a side per field; `keep` applies to every field named in neither. Every conflicting ' +
      'field must end with an answer. 409 when the conflict is already resolved.',
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
      const resolved = await transaction(async (repos, audit) => {
        const c = await repos.conflicts.get(auth.orgId, params.id);
        if (!c) throw new DataSyncError('not_found', 'conflict not found');
        if (c.status !== 'open') throw new DataSyncError('conflict', 'the conflict is already resolved');
        const names = new Set(c.fields.map((f) => f.field));
        const unknown = [...Object.keys(body.fields ?? {}), ...Object.keys(body.values ?? {})].filter(
          (f) => !names.has(f),
        );
        if (unknown.length > 0) {
          throw new DataSyncError('validation_failed', 'fields not in this conflict', {
            details: { fields: unknown },
          });
        }
        const resolution: ConflictResolution = {};
        const missing: string[] = [];
        for (const name of names) {
          const keep = body.fields?.[name] ?? body.keep;
          if (body.values && name in body.values) resolution[name] = { value: body.values[name] ?? null };
          else if (keep) resolution[name] = SIDE[keep];
          else missing.push(name);
        }
        if (missing.length > 0) {
          throw new DataSyncError(
            'validation_failed',
            'say which side to keep (or the edited value) for every field',
            {
              details: { fields: missing },
            },
          );
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
