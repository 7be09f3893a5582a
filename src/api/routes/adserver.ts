/**
 * @module `/api/v1/adserver/:connectionId`: the ad server over one Broadstreet connection. Import (all types or
 * one) and export of local-only entities are queued as runs of the connection's ad server sync; the overview
 * answers counts per type and the latest run's progress per type (done / total, what the page polls); entities
 * list with their state (local, failed with a category, waiting for a parent, synced, from server) and the
 * Local-only view; a local entity is created here (references checked against the local parents), and a failed
 * one is retried by exporting its type again.
 */
import { z } from 'zod';
import {
  ADSERVER_TYPES,
  ensureAdServer,
  type AdServerSetup,
  type AdServerType,
} from '../../adserver/adserver-setup.js';
import {
  countTypes,
  enqueueAdServerRun,
  entityView,
  latestRun,
  runView,
  type AdServerDirection,
  type EntityView,
} from '../../adserver/adserver-service.js';
import { broadstreetSpec } from '../../connectors/broadstreet/broadstreet-objects.js';
import { DataSyncError } from '../../lib/errors.js';
import { AdServerEntityRepository } from '../../store/repositories/adserver-entities.js';
import type { Repositories } from '../../store/repositories/index.js';
import { requireQueue, type ApiContext } from '../api-options.js';
import { created, defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, JsonObjectSchema, TimestampSchema } from '../schemas/common.js';

const TypeSchema = z.enum(ADSERVER_TYPES).meta({ id: 'AdServerType' });
const StateSchema = z.enum(['local', 'exporting', 'failed', 'waiting', 'synced', 'from_server']);
const Params = z.strictObject({ connectionId: idSchema('con') });

const CountsSchema = z.strictObject({
  total: z.number().int(),
  local: z.number().int(),
  failed: z.number().int(),
  waiting: z.number().int(),
  exporting: z.number().int(),
  synced: z.number().int(),
  fromServer: z.number().int(),
});

const RunSchema = z
  .strictObject({
    id: z.string(),
    direction: z.enum(['import', 'export']),
    status: z.enum(['queued', 'running', 'success', 'partial', 'failed', 'cancelled']),
    error: z.string().nullable(),
    createdAt: TimestampSchema,
    finishedAt: TimestampSchema.nullable(),
    progress: z.array(
      z.strictObject({
        type: TypeSchema,
        done: z.number().int(),
        total: z.number().int().nullable(),
        state: z.enum(['queued', 'running', 'done']),
      }),
    ),
  })
  .meta({ id: 'AdServerRun' });

const EntitySchema = z
  .strictObject({
    id: z.string(),
    type: TypeSchema,
    name: z.string(),
    data: z.record(z.string(), z.unknown()),
    state: StateSchema,
    serverId: z.string().nullable(),
    serverName: z.string().nullable(),
    category: z.enum(['network', 'auth', 'validation', 'conflict', 'quota']).nullable(),
    reason: z.string().nullable(),
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'AdServerEntity' });

const RunRequest = z
  .strictObject({ type: TypeSchema.optional() })
  .optional()
  .meta({ id: 'AdServerRunRequest' });

async function setupFor(api: ApiContext, repos: Repositories, orgId: string, connectionId: string) {
  const connection = await repos.connections.get(orgId, connectionId);
  if (!connection) throw new DataSyncError('not_found', `connection ${connectionId} does not exist`);
  if (connection.connector !== 'broadstreet') {
    throw new DataSyncError(
      'validation_failed',
      `connection ${connectionId} is not a Broadstreet connection`,
    );
  }
  return ensureAdServer(api.app.store.db, orgId, connection);
}

function runRoute(direction: AdServerDirection): ApiRoute {
  return defineRoute({
    method: 'POST',
    path: `/api/v1/adserver/:connectionId/${direction}`,
    operationId: direction === 'import' ? 'importAdServer' : 'exportAdServer',
    summary:
      direction === 'import'
        ? 'Import the Broadstreet account (all types, or one type and its parents) into local entities'
        : 'Export local-only entities (all types, or one type and its parents) to Broadstreet, parents first',
    description:
      direction === 'import'
        ? 'Upserts: entities already linked are updated, new ones created locally; local work not yet exported is never touched.'
        : 'References are rewritten to server ids; a name taken under the same parent becomes "Name (1)"; failures stay local with a category. A second request while the same run is queued answers that run.',
    tag: 'adserver',
    access: 'syncs:run',
    params: Params,
    body: RunRequest,
    responses: { 202: z.strictObject({ run: RunSchema, deduped: z.boolean() }) },
    async handler({ params, body, auth, api, repos, audit }) {
      const queue = requireQueue(api);
      const setup = await setupFor(api, repos, auth.orgId, params.connectionId);
      const enqueued = await api.app.store.db.transaction().execute((trx) =>
        enqueueAdServerRun(trx, queue, {
          orgId: auth.orgId,
          setup,
          direction,
          ...(body?.type ? { type: body.type } : {}),
        }),
      );
      if (!enqueued.deduped) {
        await audit({
          action: `adserver.${direction}_started`,
          resourceType: 'run',
          resourceId: enqueued.runId,
          details: { connectionId: params.connectionId, type: body?.type ?? null },
        });
      }
      const run = await repos.runs.get(auth.orgId, enqueued.runId);
      if (!run) throw new DataSyncError('internal', 'the run was not recorded');
      return { status: 202, body: { run: runView(run), deduped: enqueued.deduped } };
    },
  });
}

/** Entities of the types in order, after a `<type>:<record id>` cursor. */
async function listEntities(
  api: ApiContext,
  orgId: string,
  setup: AdServerSetup,
  filter: { types: AdServerType[]; states: Set<string> | null },
  cursor: string | undefined,
  limit: number,
): Promise<{ data: EntityView[]; nextCursor: string | null }> {
  const repo = new AdServerEntityRepository(api.app.store.db);
  const [cursorType, cursorId] = cursor
    ? (cursor.split(':') as [AdServerType, string])
    : [undefined, undefined];
  const data: EntityView[] = [];
  let startAt = cursorType ? filter.types.indexOf(cursorType) : 0;
  if (startAt < 0) startAt = 0;
  for (let i = startAt; i < filter.types.length; i++) {
    const type = filter.types[i]!;
    let after: string | null = i === startAt && cursorId ? cursorId : null;
    for (;;) {
      const rows = await repo.page(orgId, setup.collections[type], setup.sync.id, type, after, 500);
      for (const row of rows) {
        const view = entityView(type, row);
        if (filter.states && !filter.states.has(view.state)) continue;
        data.push(view);
        if (data.length === limit) return { data, nextCursor: `${type}:${row.id}` };
      }
      if (rows.length < 500) break;
      after = rows[rows.length - 1]!.id;
    }
  }
  return { data, nextCursor: null };
}

const LOCAL_ONLY = ['local', 'exporting', 'failed', 'waiting'];

export const adServerRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/adserver/:connectionId',
    operationId: 'getAdServer',
    summary: 'Counts per entity type and the latest import or export with its progress per type',
    tag: 'adserver',
    access: 'records:read',
    params: Params,
    responses: {
      200: z
        .strictObject({
          connection: z.strictObject({ id: z.string(), name: z.string() }),
          types: z.array(z.strictObject({ type: TypeSchema, counts: CountsSchema })),
          run: RunSchema.nullable(),
        })
        .meta({ id: 'AdServerOverview' }),
    },
    async handler({ params, auth, api, repos }) {
      const setup = await setupFor(api, repos, auth.orgId, params.connectionId);
      const counts = await countTypes(api.app.store.db, auth.orgId, setup);
      const run = await latestRun(api.app.store.db, auth.orgId, setup.sync.id);
      const connection = (await repos.connections.get(auth.orgId, params.connectionId))!;
      return ok({
        connection: { id: connection.id, name: connection.name },
        types: ADSERVER_TYPES.map((type) => ({ type, counts: counts[type] })),
        run: run ? runView(run) : null,
      });
    },
  }),
  runRoute('import'),
  runRoute('export'),
  defineRoute({
    method: 'GET',
    path: '/api/v1/adserver/:connectionId/entities',
    operationId: 'listAdServerEntities',
    summary: 'Entities with their state; `localOnly=true` lists what is not on the server yet',
    tag: 'adserver',
    access: 'records:read',
    params: Params,
    query: z.strictObject({
      type: TypeSchema.optional(),
      state: StateSchema.optional(),
      localOnly: z.enum(['true', 'false']).optional(),
      cursor: z
        .string()
        .regex(/^[a-z]+:rec_[0-9a-z]{26}$/, 'must be a nextCursor from a previous page')
        .optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    responses: { 200: z.strictObject({ data: z.array(EntitySchema), nextCursor: z.string().nullable() }) },
    async handler({ params, query, auth, api, repos }) {
      const setup = await setupFor(api, repos, auth.orgId, params.connectionId);
      const states = query.state
        ? new Set([query.state])
        : query.localOnly === 'true'
          ? new Set(LOCAL_ONLY)
          : null;
      const types = query.type ? [query.type] : [...ADSERVER_TYPES];
      return ok(
        await listEntities(api, auth.orgId, setup, { types, states }, query.cursor, query.limit ?? 50),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/adserver/:connectionId/entities/:type',
    operationId: 'createAdServerEntity',
    summary: 'Create a local entity (exported by the next export); references name local entities',
    tag: 'adserver',
    access: 'records:write',
    params: z.strictObject({ connectionId: idSchema('con'), type: TypeSchema }),
    body: z.strictObject({ data: JsonObjectSchema }).meta({ id: 'CreateAdServerEntityRequest' }),
    responses: { 201: EntitySchema },
    async handler({ params, body, auth, api, repos, transaction }) {
      const setup = await setupFor(api, repos, auth.orgId, params.connectionId);
      const spec = broadstreetSpec(params.type);
      const problems: Record<string, string> = {};
      for (const [name, field] of Object.entries(spec.fields)) {
        const v = body.data[name];
        if (field.required && (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')))
          problems[name] = 'is required';
        else if (field.values && v !== undefined && v !== null && !field.values.includes(String(v)))
          problems[name] = `must be one of ${field.values.join(', ')}`;
      }
      for (const name of Object.keys(body.data))
        if (!(name in spec.fields) || spec.fields[name]!.readOnly)
          problems[name] = 'is not a field of this type';
      for (const ref of spec.references ?? []) {
        const v = body.data[ref.field];
        if (typeof v !== 'string' || problems[ref.field]) continue;
        const parent = setup.collections[ref.object as AdServerType];
        if (!(await repos.records.get(auth.orgId, parent, v)))
          problems[ref.field] = `must be the id of a local ${ref.object.replace(/s$/, '')}`;
      }
      if (Object.keys(problems).length > 0) {
        throw new DataSyncError('validation_failed', `invalid ${params.type.replace(/s$/, '')}`, {
          details: { fields: problems },
        });
      }
      const record = await transaction(async (trx, audit) => {
        const r = await trx.records.create(auth.orgId, setup.collections[params.type], { data: body.data });
        await audit({
          action: 'adserver.entity_created',
          resourceType: 'record',
          resourceId: r.id,
          details: { connectionId: params.connectionId, type: params.type },
        });
        return r;
      });
      return created(
        entityView(params.type, {
          id: record.id,
          data: record.data,
          updatedAt: record.updatedAt,
          link: null,
        }),
      );
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/adserver/:connectionId/entities/:type/:id/retry',
    operationId: 'retryAdServerEntity',
    summary: 'Export a failed or waiting entity again (its type and the parents it needs)',
    tag: 'adserver',
    access: 'syncs:run',
    params: z.strictObject({ connectionId: idSchema('con'), type: TypeSchema, id: idSchema('rec') }),
    responses: { 202: z.strictObject({ run: RunSchema, deduped: z.boolean() }) },
    async handler({ params, auth, api, repos, audit }) {
      const queue = requireQueue(api);
      const setup = await setupFor(api, repos, auth.orgId, params.connectionId);
      if (!(await repos.records.get(auth.orgId, setup.collections[params.type], params.id))) {
        throw new DataSyncError('not_found', `${params.type} ${params.id} does not exist`);
      }
      const enqueued = await api.app.store.db.transaction().execute((trx) =>
        enqueueAdServerRun(trx, queue, {
          orgId: auth.orgId,
          setup,
          direction: 'export',
          type: params.type,
        }),
      );
      if (!enqueued.deduped) {
        await audit({
          action: 'adserver.retry_started',
          resourceType: 'record',
          resourceId: params.id,
          details: { connectionId: params.connectionId, type: params.type, runId: enqueued.runId },
        });
      }
      const run = await repos.runs.get(auth.orgId, enqueued.runId);
      if (!run) throw new DataSyncError('internal', 'the run was not recorded');
      return { status: 202, body: { run: runView(run), deduped: enqueued.deduped } };
    },
  }),
];
