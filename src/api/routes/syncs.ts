/**
 * @module `/api/v1/syncs`: sync definitions (checked by the engine's schema → 422 with the issues), their cron
 * schedule (checked with croner), `POST …/:id/runs` to start a run (202 with the queued run), and
 * `POST …/pause|resume` (a paused sync keeps its schedule but the scheduler enqueues nothing for it).
 */
import { SCHEDULE_FORMS, scheduleToCron } from '../../lib/schedule.js';
import { z } from 'zod';
import { parseSyncDefinition, type SyncDefinition } from '../../engine/definition.js';
import { checkMapping } from '../../engine/mapping-check.js';
import { DataSyncError } from '../../lib/errors.js';
import { enqueueRun } from '../../runtime/triggers.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { Sync } from '../../store/repositories/syncs.js';
import { requireQueue, type ApiContext } from '../api-options.js';
import { created, defineRoute, noContent, ok, type ApiRoute, type AuditFn } from '../define-route.js';
import { endpointSchema } from '../endpoint-schema.js';
import { assertNotManagedByConfig } from '../managed-resources.js';
import { idSchema, NameSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';
import { HEALTH_RUNS, syncHealth } from '../sync-health.js';
import { SideSchemaSchema } from './connections.js';
import { RunSchema, runView } from './run-schemas.js';

const SYNC_STATUSES = ['active', 'paused'] as const;

/** A cron expression croner accepts, or a schedule in words (lib/schedule.ts); stored as written. */
const ScheduleSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .refine((expr) => scheduleToCron(expr) !== undefined, `must be ${SCHEDULE_FORMS}`)
  .meta({
    description:
      'cron expression (UTC unless the definition names a timezone) or every_N_minutes, hourly, daily, weekly; answered as written',
  });

const DefinitionSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: 'a sync definition, validated by the engine (422 with issues when invalid)' });

export const SyncSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    direction: z.enum(['push', 'pull', 'two-way']),
    definition: z.record(z.string(), z.unknown()),
    status: z.enum(SYNC_STATUSES),
    schedule: z.string().nullable(),
    managedBy: z.string().nullable(),
    lastRun: RunSchema.nullable(),
    health: z
      .strictObject({
        recent: z
          .array(
            z.strictObject({ id: z.string(), status: RunSchema.shape.status, createdAt: TimestampSchema }),
          )
          .meta({ description: 'outcomes of the latest runs, oldest first (sparkline)' }),
        successRate24h: z.number().nullable().meta({ description: 'finished runs of the last 24 h, 0–1' }),
        lastSuccessAt: TimestampSchema.nullable(),
        nextRunAt: TimestampSchema.nullable().meta({ description: 'from the schedule; null while paused' }),
      })
      .meta({ id: 'SyncHealth' }),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Sync' });

const IdParams = z.strictObject({ id: idSchema('syn') });

async function view(repos: Repositories, s: Sync): Promise<z.output<typeof SyncSchema>> {
  const last = await repos.runs.list(s.orgId, { syncId: s.id }, { limit: HEALTH_RUNS * 2 });
  const lastRun = last.data[0];
  return {
    id: s.id,
    orgId: s.orgId,
    name: s.name,
    direction: s.definition.direction,
    definition: s.definition as unknown as Record<string, unknown>,
    status: s.status,
    schedule: s.schedule,
    managedBy: s.managedBy,
    lastRun: lastRun ? runView(lastRun) : null,
    health: syncHealth(last.data, {
      status: s.status,
      schedule: s.schedule,
      timezone: (s.definition as { timezone?: string }).timezone,
    }),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

async function mustGet(repos: Repositories, orgId: string, id: string): Promise<Sync> {
  const s = await repos.syncs.get(orgId, id);
  if (!s) throw new DataSyncError('not_found', 'sync not found');
  return s;
}

async function sideSchemas(api: ApiContext, repos: Repositories, orgId: string, def: SyncDefinition) {
  const [a, b] = await Promise.all([
    endpointSchema(api, repos, orgId, def.a),
    endpointSchema(api, repos, orgId, def.b),
  ]);
  return { a, b };
}

/**
 * The mapping must name fields both sides have, with types that can hold each other's values. A side whose
 * schema cannot be read right now (platform down) is not checked: an outage should not block an edit.
 */
async function assertMappingFits(api: ApiContext, repos: Repositories, orgId: string, def: SyncDefinition) {
  const { a, b } = await sideSchemas(api, repos, orgId, def);
  const issues = checkMapping(def.objects, {
    a: a.error === null ? a.objects : null,
    b: b.error === null ? b.objects : null,
  });
  if (issues.length > 0) {
    throw new DataSyncError('bad_request', `mapping does not fit the schemas: ${issues[0]!.message}`, {
      details: { issues },
    });
  }
}

function setStatus(status: Sync['status']) {
  const verb = status === 'paused' ? 'pause' : 'resume';
  return defineRoute({
    method: 'POST',
    path: `/api/v1/syncs/:id/${verb}`,
    operationId: `${verb}Sync`,
    summary:
      status === 'paused'
        ? 'Pause a sync: its schedule enqueues nothing until it is resumed'
        : 'Resume a paused sync',
    tag: 'syncs',
    access: 'syncs:run',
    params: IdParams,
    responses: { 200: SyncSchema },
    async handler({ params, auth, transaction }) {
      return ok(
        await transaction(async (repos, audit: AuditFn) => {
          const before = await mustGet(repos, auth.orgId, params.id);
          // The file declares a managed sync's status: a pause here would be undone by the next apply.
          assertNotManagedByConfig(before, 'sync');
          const s = (await repos.syncs.update(auth.orgId, params.id, { status }))!;
          if (before.status !== status) {
            await audit({ action: `sync.${verb}d`, resourceType: 'sync', resourceId: s.id });
          }
          // A person resuming the sync has dealt with what paused it.
          if (status === 'active') await repos.notifications.resolveFor(auth.orgId, s.id);
          return view(repos, s);
        }),
      );
    },
  });
}

export const syncRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/syncs',
    operationId: 'listSyncs',
    summary: 'List syncs, newest first, each with its last run',
    tag: 'syncs',
    access: 'syncs:read',
    query: z.strictObject({ ...pageQueryShape }),
    responses: { 200: pageSchema(SyncSchema) },
    async handler({ query, auth, repos }) {
      const page = await repos.syncs.list(auth.orgId, query);
      return ok({
        data: await Promise.all(page.data.map((s) => view(repos, s))),
        nextCursor: page.nextCursor,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/syncs',
    operationId: 'createSync',
    summary: 'Create a sync',
    tag: 'syncs',
    access: 'syncs:write',
    body: z
      .strictObject({
        name: NameSchema,
        definition: DefinitionSchema,
        schedule: ScheduleSchema.nullable().optional(),
        status: z.enum(SYNC_STATUSES).optional(),
      })
      .meta({ id: 'CreateSyncRequest' }),
    responses: { 201: SyncSchema },
    async handler({ body, auth, transaction }) {
      parseSyncDefinition(body.definition);
      return created(
        await transaction(async (repos, audit) => {
          const s = await repos.syncs.create(auth.orgId, {
            name: body.name,
            definition: body.definition,
            schedule: body.schedule ?? null,
            ...(body.status ? { status: body.status } : {}),
          });
          await audit({
            action: 'sync.created',
            resourceType: 'sync',
            resourceId: s.id,
            details: { name: s.name, direction: s.definition.direction, schedule: s.schedule },
          });
          return view(repos, s);
        }),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/syncs/:id',
    operationId: 'getSync',
    summary: 'One sync with its last run',
    tag: 'syncs',
    access: 'syncs:read',
    params: IdParams,
    responses: { 200: SyncSchema },
    async handler({ params, auth, repos }) {
      return ok(await view(repos, await mustGet(repos, auth.orgId, params.id)));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/syncs/:id',
    operationId: 'updateSync',
    summary: 'Change name, definition or schedule (null removes the schedule)',
    tag: 'syncs',
    access: 'syncs:write',
    params: IdParams,
    body: z
      .strictObject({
        name: NameSchema.optional(),
        definition: DefinitionSchema.optional(),
        schedule: ScheduleSchema.nullable().optional(),
      })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change')
      .meta({ id: 'UpdateSyncRequest' }),
    responses: { 200: SyncSchema },
    async handler({ params, body, auth, api, repos, transaction }) {
      if (body.definition !== undefined) {
        const def = parseSyncDefinition(body.definition);
        assertNotManagedByConfig(await mustGet(repos, auth.orgId, params.id), 'sync');
        await assertMappingFits(api, repos, auth.orgId, def);
      }
      return ok(
        await transaction(async (repos, audit) => {
          assertNotManagedByConfig(await mustGet(repos, auth.orgId, params.id), 'sync');
          const s = (await repos.syncs.update(auth.orgId, params.id, body))!;
          await audit({
            action: 'sync.updated',
            resourceType: 'sync',
            resourceId: s.id,
            details: { fields: Object.keys(body) },
          });
          return view(repos, s);
        }),
      );
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/syncs/:id/schema',
    operationId: 'getSyncSchema',
    summary: "Both sides' objects and fields, for editing the mapping",
    description:
      'A collection side is described by its content type, else by the fields seen in its records (`freeForm`). ' +
      'A side that cannot be described right now has `error` set.',
    tag: 'syncs',
    access: 'syncs:read',
    params: IdParams,
    responses: {
      200: z.strictObject({ a: SideSchemaSchema, b: SideSchemaSchema }).meta({ id: 'SyncSchemas' }),
    },
    async handler({ params, auth, api, repos }) {
      const s = await mustGet(repos, auth.orgId, params.id);
      return ok(await sideSchemas(api, repos, auth.orgId, s.definition));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/syncs/:id',
    operationId: 'deleteSync',
    summary: 'Delete a sync',
    tag: 'syncs',
    access: 'syncs:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        assertNotManagedByConfig(await mustGet(repos, auth.orgId, params.id), 'sync');
        if (!(await repos.syncs.delete(auth.orgId, params.id))) {
          throw new DataSyncError('not_found', 'sync not found');
        }
        await audit({ action: 'sync.deleted', resourceType: 'sync', resourceId: params.id });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/syncs/:id/runs',
    operationId: 'startSyncRun',
    summary: 'Start a run of the sync (202 with the queued run)',
    description:
      'A second request while a run of this sync is still queued answers that run. `dryRun` plans without ' +
      'writing (the plan is in the run log); `approveDeletes` lets a run past the mass-delete guard.',
    tag: 'syncs',
    access: 'syncs:run',
    params: IdParams,
    body: z
      .strictObject({ dryRun: z.boolean().default(false), approveDeletes: z.boolean().optional() })
      .meta({ id: 'StartRunRequest' }),
    responses: { 202: RunSchema },
    async handler({ params, body, auth, api, transaction }) {
      const queue = requireQueue(api);
      const run = await transaction(async (repos, audit, db) => {
        const s = await mustGet(repos, auth.orgId, params.id);
        const enqueued = await enqueueRun(db, queue, {
          orgId: auth.orgId,
          kind: 'sync.run',
          trigger: 'api',
          syncId: s.id,
          dryRun: body.dryRun,
          params: body.approveDeletes ? { approveDeletes: true } : {},
          // A dry run must not be answered with a queued real run (nor the reverse).
          ...(body.dryRun || body.approveDeletes ? { dedupeKey: null } : {}),
        });
        if (!enqueued.deduped) {
          await audit({
            action: 'run.started',
            resourceType: 'run',
            resourceId: enqueued.runId,
            details: { syncId: s.id, dryRun: body.dryRun, approveDeletes: body.approveDeletes === true },
          });
        }
        return (await repos.runs.get(auth.orgId, enqueued.runId))!;
      });
      return { status: 202, body: runView(run) };
    },
  }),
  setStatus('paused'),
  setStatus('active'),
];
