/**
 * @module Ad server operations over one Broadstreet connection: queue an import or an export (a `sync.run` of the
 * ad server sync in one direction, for all types or one type and what it needs), read progress per type from
 * the latest run, and list entities with their state. The work itself is the engine's (runSync) on a worker.
 */
import type { Kysely } from 'kysely';
import { DataSyncError } from '../lib/errors.js';
import type { Queue } from '../runtime/queue/queue.js';
import { enqueueRun } from '../runtime/triggers.js';
import { AdServerEntityRepository, type EntityRow } from '../store/repositories/adserver-entities.js';
import { RunRepository, type Run } from '../store/repositories/runs.js';
import type { Database } from '../store/schema.js';
import { ADSERVER_TYPES, ancestors, type AdServerSetup, type AdServerType } from './adserver-setup.js';
import { entityStatus, type EntityStatus } from './entity-state.js';

/** An import of a large account at 10 requests/s takes minutes: far past the default job timeout. */
export const ADSERVER_RUN_TIMEOUT_MS = 60 * 60 * 1000;

export type AdServerDirection = 'import' | 'export';

export interface TypeCounts {
  total: number;
  local: number;
  failed: number;
  waiting: number;
  exporting: number;
  synced: number;
  fromServer: number;
}

export interface TypeProgress {
  type: AdServerType;
  done: number;
  /** Known before an export (the local-only entities); for an import, once the type is fully read. */
  total: number | null;
  state: 'queued' | 'running' | 'done';
}

export interface AdServerRunView {
  id: string;
  direction: AdServerDirection;
  status: Run['status'];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  progress: TypeProgress[];
}

/** The types a run covers: everything, or one type plus its ancestors (their links resolve its references). */
export function typesFor(type: AdServerType | undefined): AdServerType[] {
  if (!type) return [...ADSERVER_TYPES];
  return [...ancestors(type), type];
}

export async function countTypes(
  db: Kysely<Database>,
  orgId: string,
  setup: AdServerSetup,
): Promise<Record<AdServerType, TypeCounts>> {
  const entities = new AdServerEntityRepository(db);
  const out = {} as Record<AdServerType, TypeCounts>;
  for (const type of ADSERVER_TYPES) {
    const c: TypeCounts = {
      total: 0,
      local: 0,
      failed: 0,
      waiting: 0,
      exporting: 0,
      synced: 0,
      fromServer: 0,
    };
    for (const link of await entities.states(orgId, setup.collections[type], setup.sync.id, type)) {
      const { state } = entityStatus(link);
      c.total++;
      if (state === 'from_server') c.fromServer++;
      else c[state]++;
    }
    out[type] = c;
  }
  return out;
}

export async function enqueueAdServerRun(
  db: Kysely<Database>,
  queue: Queue,
  input: { orgId: string; setup: AdServerSetup; direction: AdServerDirection; type?: AdServerType },
): Promise<{ runId: string; deduped: boolean }> {
  const types = typesFor(input.type);
  let totals: Partial<Record<AdServerType, number>> = {};
  if (input.direction === 'export') {
    const counts = await countTypes(db, input.orgId, input.setup);
    totals = Object.fromEntries(
      types.map((t) => [t, counts[t].local + counts[t].failed + counts[t].waiting + counts[t].exporting]),
    );
  }
  const direction = input.direction === 'import' ? 'pull' : 'push';
  const scope = input.type ?? 'all';
  const run = await enqueueRun(db, queue, {
    orgId: input.orgId,
    kind: 'sync.run',
    trigger: 'api',
    syncId: input.setup.sync.id,
    params: { adserver: input.direction, direction, pairs: types, totals },
    dedupeKey: `run:adserver:${input.setup.sync.id}:${input.direction}:${scope}`,
    timeoutMs: ADSERVER_RUN_TIMEOUT_MS,
  });
  return { runId: run.runId, deduped: run.deduped };
}

/** A run of the ad server sync as people follow it: per type, done of total. */
export function runView(run: Run): AdServerRunView {
  const direction: AdServerDirection = run.params.adserver === 'import' ? 'import' : 'export';
  const types = Array.isArray(run.params.pairs) ? (run.params.pairs as AdServerType[]) : [...ADSERVER_TYPES];
  const totals = (run.params.totals ?? {}) as Partial<Record<AdServerType, number>>;
  const checkpoint = (run.checkpoint ?? {}) as { progress?: Record<string, { done: number; state: string }> };
  const final = run.status !== 'queued' && run.status !== 'running';
  const progress = types.map((type): TypeProgress => {
    const p = checkpoint.progress?.[type];
    const state = p?.state === 'done' ? 'done' : p ? (final ? 'done' : 'running') : final ? 'done' : 'queued';
    const done = p?.done ?? 0;
    const declared = totals[type];
    const total = declared !== undefined ? Math.max(declared, done) : p?.state === 'done' ? done : null;
    return { type, done, total, state };
  });
  return {
    id: run.id,
    direction,
    status: run.status,
    error: run.error,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    progress,
  };
}

export async function latestRun(
  db: Kysely<Database>,
  orgId: string,
  syncId: string,
): Promise<Run | undefined> {
  const page = await new RunRepository(db).list(orgId, { syncId }, { limit: 1 });
  return page.data[0];
}

export interface EntityView extends EntityStatus {
  id: string;
  type: AdServerType;
  name: string;
  data: Record<string, unknown>;
  /** The name the server gave it when the local one was taken under the same parent ("Name (1)"). */
  serverName: string | null;
  updatedAt: string;
}

export function entityView(type: AdServerType, row: EntityRow): EntityView {
  const status = entityStatus(row.link);
  const base = row.link?.base as { b?: { name?: unknown } } | null | undefined;
  const local = typeof row.data.name === 'string' ? row.data.name : '';
  const remote = typeof base?.b?.name === 'string' ? base.b.name : null;
  const name = type === 'placements' ? placementLabel(row.data) : local;
  return {
    id: row.id,
    type,
    name,
    data: row.data,
    serverName: remote !== null && remote !== local.trim() ? remote : null,
    updatedAt: row.updatedAt,
    ...status,
  };
}

function placementLabel(data: Record<string, unknown>): string {
  return `campaign ${String(data.campaign_id)} · ad ${String(data.advertisement_id)} · zone ${String(data.zone_id)}`;
}

export function parseType(value: string): AdServerType {
  if (!(ADSERVER_TYPES as readonly string[]).includes(value))
    throw new DataSyncError('bad_request', `unknown entity type "${value}"`);
  return value as AdServerType;
}
