/**
 * @module `POST /sync/start`: the sync-engine API some users migrate from, kept at its old path. The request
 * registers its sync (or finds it by a stable name), queues a run like `POST /api/v1/syncs/:id/runs` and answers
 * when the run ends, in the old API's words (translation in compat/sync-engine-api.ts). The wait polls the run
 * row, woken early by the runtime's `run.finished` when the worker runs in this process, and gives up with 504.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { builtInConnectors } from '../../connectors/registry.js';
import { ConnectorError } from '../../connectors/sdk/errors.js';
import type { ObjectSpec } from '../../connectors/sdk/types.js';
import {
  changesFor,
  collectionKeyFor,
  DEFAULT_CONFLICT_RESOLUTION,
  resolutionFor,
  responseFor,
  scheduleToCron,
  SyncStartRequestSchema,
  SyncStartResponseSchema,
  syncDefinitionFor,
  syncNameFor,
  type SyncStartRequest,
} from '../../compat/sync-engine-api.js';
import { DataSyncError } from '../../lib/errors.js';
import { enqueueRun } from '../../runtime/triggers.js';
import type { Connection } from '../../store/repositories/connections.js';
import type { Repositories } from '../../store/repositories/index.js';
import { isFinalStatus, type Run } from '../../store/repositories/runs.js';
import { requireQueue, type ApiContext } from '../api-options.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { assertNotManagedByConfig } from '../managed-resources.js';

/** How long a request waits for its run by default; ApiOptions.syncStartTimeoutMs overrides it. */
export const SYNC_START_TIMEOUT_MS = 120_000;
const POLL_MS = 250;

const connectors = builtInConnectors();

async function allConnections(repos: Repositories, orgId: string): Promise<Connection[]> {
  const out: Connection[] = [];
  let cursor: string | undefined;
  do {
    const page = await repos.connections.list(orgId, { limit: 100, ...(cursor ? { cursor } : {}) });
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** The connection `source_platform` names: by its own name first, else by its connector's (if only one). */
async function resolveConnection(repos: Repositories, orgId: string, platform: string): Promise<Connection> {
  const connections = await allConnections(repos, orgId);
  const byName = connections.filter((c) => c.name === platform);
  const matches = byName.length > 0 ? byName : connections.filter((c) => c.connector === platform);
  if (matches.length === 0) {
    throw new DataSyncError(
      'not_found',
      `no connection named "${platform}" or using the ${platform} connector`,
      {
        details: { source_platform: platform },
      },
    );
  }
  if (matches.length > 1) {
    throw new DataSyncError(
      'validation_failed',
      `source_platform "${platform}" matches ${matches.length} connections: name one of them instead`,
      { details: { source_platform: platform, candidates: matches.map((c) => c.name) } },
    );
  }
  return matches[0]!;
}

async function objectSpec(api: ApiContext, orgId: string, connection: Connection, entity: string) {
  const repos = api.app.repos;
  try {
    const connector = await connectors.create(connection.connector, {
      orgId,
      settings: connection.settings,
      credentials: (await repos.connections.credentials(orgId, connection.id)) ?? {},
      db: api.app.store.db,
      connectionId: connection.id,
    });
    return (await connector.object(entity)).spec;
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    if (error.kind === 'not_found') {
      throw new DataSyncError('not_found', `connection "${connection.name}" has no object "${entity}"`, {
        details: { target_entity: entity, connection: connection.name },
      });
    }
    throw new DataSyncError(
      'validation_failed',
      `could not read object "${entity}" from connection "${connection.name}": ${error.message}`,
      { details: { target_entity: entity, connection: connection.name, kind: error.kind } },
    );
  }
}

async function runEnded(api: ApiContext, orgId: string, runId: string, timeoutMs: number): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await api.app.repos.runs.get(orgId, runId);
    if (!run) throw new DataSyncError('not_found', `run ${runId} disappeared`);
    if (isFinalStatus(run.status)) return run;
    const left = deadline - Date.now();
    if (left <= 0 || api.closing.aborted) {
      throw new DataSyncError(
        'timeout',
        `run ${runId} had not ended after ${Math.round(timeoutMs / 1000)} s`,
        {
          details: { runId, syncId: run.syncId, status: run.status },
        },
      );
    }
    const wake = new AbortController();
    const off = api.options.events?.on('run.finished', (e) => {
      if (e.runId === runId) wake.abort();
    });
    try {
      await sleep(Math.min(POLL_MS, left), undefined, {
        signal: AbortSignal.any([wake.signal, api.closing]),
      });
    } catch {
      // Woken by the run's end or the server closing: the next round reads the row and decides.
    } finally {
      off?.();
    }
  }
}

async function register(
  api: ApiContext,
  req: SyncStartRequest,
  orgId: string,
  spec: ObjectSpec,
  connection: Connection,
  transaction: Parameters<ApiRoute['handler']>[0]['transaction'],
) {
  const queue = requireQueue(api);
  const name = syncNameFor(req);
  const collectionKey = collectionKeyFor(req);
  return transaction(async (repos, audit, db) => {
    if (!(await repos.collections.byKey(orgId, collectionKey))) {
      const collection = await repos.collections.create(orgId, {
        key: collectionKey,
        name: `${req.project_id} ${req.target_entity}`,
      });
      await audit({
        action: 'collection.created',
        resourceType: 'collection',
        resourceId: collection.id,
        details: { key: collectionKey, via: 'sync/start' },
      });
    }
    let sync = await repos.syncs.byName(orgId, name);
    if (!sync) {
      sync = await repos.syncs.create(orgId, {
        name,
        definition: syncDefinitionFor(req, { connectionId: connection.id, collectionKey, spec }),
        schedule: req.schedule === undefined ? null : scheduleToCron(req.schedule)!,
      });
      await audit({
        action: 'sync.created',
        resourceType: 'sync',
        resourceId: sync.id,
        details: { name, direction: sync.definition.direction, schedule: sync.schedule, via: 'sync/start' },
      });
    } else {
      const changes = changesFor(req, sync, spec);
      if (changes) {
        // A sync the config file declares is changed there, not by a request that happens to name it.
        assertNotManagedByConfig(sync, 'sync');
        sync = (await repos.syncs.update(orgId, sync.id, changes))!;
        await audit({
          action: 'sync.updated',
          resourceType: 'sync',
          resourceId: sync.id,
          details: { fields: Object.keys(changes), via: 'sync/start' },
        });
      }
    }
    const enqueued = await enqueueRun(db, queue, {
      orgId,
      kind: 'sync.run',
      trigger: 'api',
      syncId: sync.id,
      params: {},
    });
    if (!enqueued.deduped) {
      await audit({
        action: 'run.started',
        resourceType: 'run',
        resourceId: enqueued.runId,
        details: { syncId: sync.id, via: 'sync/start' },
      });
    }
    return enqueued.runId;
  });
}

export const syncStartRoutes: ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/sync/start',
    operationId: 'syncStart',
    summary: 'Compatibility: register (or find) a sync and run it, answering when the run ends',
    description:
      'The sync-engine API at its old path. `source_platform` names a connection (by name, or by connector when ' +
      'the organization has one of that kind); `target_entity` is its object; the local side is the collection ' +
      '`<project_id>_<target_entity>` (created if missing). The sync is found again by project, platform and ' +
      'entity, so repeating a request runs the same sync. sync_type pull | push | bidirectional (two-way); ' +
      'conflict_resolution prefer_local | prefer_remote | manual_review (local_wins | remote_wins | manual); ' +
      'schedule every_N_minutes | hourly | daily | cron. Invalid input answers 400; a run that has not ended ' +
      'after the wait (120 s) answers 504 and keeps running.',
    tag: 'compat',
    access: 'syncs:write',
    body: SyncStartRequestSchema,
    invalidBody: 'bad_request',
    errorStatuses: [504],
    responses: { 200: SyncStartResponseSchema },
    async handler({ body, auth, api, transaction }) {
      requireQueue(api);
      const connection = await resolveConnection(api.app.repos, auth.orgId, body.source_platform);
      const spec = await objectSpec(api, auth.orgId, connection, body.target_entity);
      const runId = await register(api, body, auth.orgId, spec, connection, transaction);
      const run = await runEnded(
        api,
        auth.orgId,
        runId,
        api.options.syncStartTimeoutMs ?? SYNC_START_TIMEOUT_MS,
      );
      const sync = run.syncId ? await api.app.repos.syncs.get(auth.orgId, run.syncId) : undefined;
      // The sync's own policy answers when the old API can name it (a config file may have set another).
      const policy = sync?.definition.conflicts.default.policy;
      const resolution =
        (policy && resolutionFor(policy)) ?? body.conflict_resolution ?? DEFAULT_CONFLICT_RESOLUTION;
      return ok(responseFor(run, resolution));
    },
  }),
];
