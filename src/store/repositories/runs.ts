/**
 * @module Runs: one execution of a sync (or of any job that records itself), from queued to a final status,
 * with counts and the checkpoint it resumes from. The API reads them by organization; the runtime moves them
 * through their states by id (a worker serves every organization).
 */
import type { Kysely, Selectable } from 'kysely';
import { idBound, newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, RunStatus, RunsTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export type RunTrigger = RunsTable['trigger'];

export const RUN_COUNT_KEYS = [
  'found',
  'created',
  'updated',
  'deleted',
  'unchanged',
  'conflicts',
  'errors',
] as const;
export type RunCounts = Record<(typeof RUN_COUNT_KEYS)[number], number>;

export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['success', 'partial', 'failed', 'cancelled'];

export function isFinalStatus(status: RunStatus): boolean {
  return FINAL_RUN_STATUSES.includes(status);
}

export function emptyCounts(): RunCounts {
  return { found: 0, created: 0, updated: 0, deleted: 0, unchanged: 0, conflicts: 0, errors: 0 };
}

export interface Run {
  id: string;
  orgId: string;
  syncId: string | null;
  parentRunId: string | null;
  kind: string;
  target: string | null;
  trigger: RunTrigger;
  status: RunStatus;
  dryRun: boolean;
  counts: RunCounts;
  checkpoint: unknown;
  error: string | null;
  params: Record<string, unknown>;
  attempt: number;
  lockKey: string | null;
  jobId: string | null;
  continuationOf: string | null;
  noProgress: number;
  stalled: boolean;
  /** Deliveries that found this run still `running`: its worker died (or lost the database) mid-run. */
  crashes: number;
  /** Such deliveries since the last checkpoint: what bounds a crash loop. */
  crashStreak: number;
  cancelRequested: boolean;
  authRefreshed: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
}

/** What the runs list can be narrowed by; `from` is inclusive, `to` exclusive. */
export interface RunFilter {
  syncId?: string | undefined;
  /** Runs of any of these syncs (an empty list matches nothing). */
  syncIds?: readonly string[] | undefined;
  /** The target of a fan-out child run (e.g. a site id). */
  target?: string | undefined;
  status?: RunStatus | undefined;
  parentRunId?: string | undefined;
  trigger?: RunTrigger | undefined;
  kind?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export interface NewRun {
  syncId?: string | null;
  parentRunId?: string | null;
  kind: string;
  target?: string | null;
  trigger: RunTrigger;
  params?: Record<string, unknown>;
  dryRun?: boolean;
  lockKey?: string | null;
  continuationOf?: string | null;
  checkpoint?: unknown;
  noProgress?: number;
  status?: RunStatus;
  id?: string;
}

export class RunRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(orgId: string, input: NewRun): Promise<Run> {
    const now = nowIso();
    const status = input.status ?? 'queued';
    const row = {
      id: input.id ?? newId('run'),
      org_id: orgId,
      sync_id: input.syncId ?? null,
      parent_run_id: input.parentRunId ?? null,
      kind: input.kind,
      target: input.target ?? null,
      trigger: input.trigger,
      status,
      dry_run: input.dryRun ? 1 : 0,
      counts: toJson(emptyCounts()),
      checkpoint: toJson(input.checkpoint ?? null),
      error: null,
      created_at: now,
      started_at: status === 'running' ? now : null,
      finished_at: null,
      params: toJson(input.params ?? {}),
      attempt: 0,
      lock_key: input.lockKey ?? null,
      job_id: null,
      continuation_of: input.continuationOf ?? null,
      no_progress: input.noProgress ?? 0,
      stalled: 0,
      crashes: 0,
      crash_streak: 0,
      cancel_requested: 0,
      heartbeat_at: null,
      auth_refreshed: 0,
    };
    await this.db.insertInto('runs').values(row).execute();
    return toRun(row);
  }

  async get(orgId: string, id: string): Promise<Run | undefined> {
    const row = await this.db
      .selectFrom('runs')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRun(row);
  }

  /** For the runtime, which serves every organization. */
  async byId(id: string): Promise<Run | undefined> {
    const row = await this.db.selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRun(row);
  }

  /**
   * Newest first. The time range is turned into id bounds (ids are ULIDs, ordered by creation time), so every
   * filter walks one of the (org, id), (sync, id) or (org, status, id) indexes instead of scanning by date.
   */
  async list(orgId: string, filter: RunFilter = {}, page: PageRequest = {}): Promise<Page<Run>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('runs').selectAll().where('org_id', '=', orgId);
    if (filter.syncId) q = q.where('sync_id', '=', filter.syncId);
    if (filter.syncIds) {
      if (filter.syncIds.length === 0) return { data: [], nextCursor: null };
      q = q.where('sync_id', 'in', [...filter.syncIds]);
    }
    if (filter.target) q = q.where('target', '=', filter.target);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.parentRunId) q = q.where('parent_run_id', '=', filter.parentRunId);
    if (filter.trigger) q = q.where('trigger', '=', filter.trigger);
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.from) q = q.where('id', '>=', idBound('run', filter.from, '0'));
    if (filter.to) q = q.where('id', '<', idBound('run', filter.to, '0'));
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toRun), limit);
  }

  async setJob(id: string, jobId: string): Promise<void> {
    await this.db.updateTable('runs').set({ job_id: jobId }).where('id', '=', id).execute();
  }

  /**
   * queued|running → running for this attempt; undefined when the run is already final. `crashed`: the delivery
   * found the run still running, so the worker before us died mid-run (counted, and in the streak).
   */
  async markRunning(id: string, attempt: number, jobId: string, crashed = false): Promise<Run | undefined> {
    const now = nowIso();
    const row = await this.db
      .updateTable('runs')
      .set((eb) => ({
        status: 'running',
        attempt,
        job_id: jobId,
        heartbeat_at: now,
        started_at: eb.fn.coalesce('started_at', eb.val(now)),
        ...(crashed ? { crashes: eb('crashes', '+', 1), crash_streak: eb('crash_streak', '+', 1) } : {}),
      }))
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
    return row && toRun(row);
  }

  /** Back to queued; with `attempt`, only while that attempt still holds the run (nobody took it over). */
  async requeue(id: string, error: string | null, attempt?: number): Promise<void> {
    let q = this.db
      .updateTable('runs')
      .set({ status: 'queued', error })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running']);
    if (attempt !== undefined) q = q.where('attempt', '=', attempt);
    await q.execute();
  }

  async markAuthRefreshed(id: string): Promise<void> {
    await this.db.updateTable('runs').set({ auth_refreshed: 1 }).where('id', '=', id).execute();
  }

  /** Saves a checkpoint and adds to the counts; pass the transaction that committed the batch. */
  async saveProgress(
    id: string,
    progress: { checkpoint?: unknown; counts?: Partial<RunCounts> },
    db: Kysely<Database> = this.db,
  ): Promise<RunCounts> {
    const row = await db.selectFrom('runs').select('counts').where('id', '=', id).executeTakeFirstOrThrow();
    const counts = { ...emptyCounts(), ...fromJson<Partial<RunCounts>>(row.counts) };
    for (const key of RUN_COUNT_KEYS) counts[key] += progress.counts?.[key] ?? 0;
    await db
      .updateTable('runs')
      .set({
        counts: toJson(counts),
        heartbeat_at: nowIso(),
        // A checkpoint is progress: crashes before it no longer count toward a crash loop.
        ...(progress.checkpoint !== undefined
          ? { checkpoint: toJson(progress.checkpoint), crash_streak: 0 }
          : {}),
      })
      .where('id', '=', id)
      .execute();
    return counts;
  }

  /** Moves a run that is not final yet to a final status; false when it already was. */
  async finish(
    id: string,
    outcome: { status: RunStatus; error?: string | null; stalled?: boolean; noProgress?: number },
    db: Kysely<Database> = this.db,
  ): Promise<boolean> {
    const result = await db
      .updateTable('runs')
      .set({
        status: outcome.status,
        error: outcome.error ?? null,
        finished_at: nowIso(),
        ...(outcome.stalled ? { stalled: 1 } : {}),
        ...(outcome.noProgress !== undefined ? { no_progress: outcome.noProgress } : {}),
      })
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Asks a run to stop: a queued run is cancelled at once, a running one is flagged (its worker sees the flag
   * and aborts). Returns the run as it now is.
   */
  async requestCancel(orgId: string, id: string): Promise<Run | undefined> {
    await this.db
      .updateTable('runs')
      .set({ status: 'cancelled', finished_at: nowIso(), cancel_requested: 1 })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .execute();
    await this.db
      .updateTable('runs')
      .set({ cancel_requested: 1 })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('status', '=', 'running')
      .execute();
    return this.get(orgId, id);
  }

  /** Of `ids`, those someone asked to cancel. Also records that their worker is alive. */
  async heartbeat(ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    await this.db.updateTable('runs').set({ heartbeat_at: nowIso() }).where('id', 'in', ids).execute();
    const rows = await this.db
      .selectFrom('runs')
      .select('id')
      .where('id', 'in', ids)
      .where('cancel_requested', '=', 1)
      .execute();
    return rows.map((r) => r.id);
  }
}

function toRun(row: Selectable<RunsTable> | Record<string, unknown>): Run {
  const r = row as Selectable<RunsTable>;
  return {
    id: r.id,
    orgId: r.org_id,
    syncId: r.sync_id,
    parentRunId: r.parent_run_id,
    kind: r.kind,
    target: r.target,
    trigger: r.trigger,
    status: r.status,
    dryRun: Number(r.dry_run) === 1,
    counts: { ...emptyCounts(), ...fromJson<Partial<RunCounts>>(r.counts) },
    checkpoint: fromJson<unknown>(r.checkpoint),
    error: r.error,
    params: (r.params === null ? {} : fromJson<Record<string, unknown>>(r.params)) ?? {},
    attempt: Number(r.attempt),
    lockKey: r.lock_key,
    jobId: r.job_id,
    continuationOf: r.continuation_of,
    noProgress: Number(r.no_progress),
    stalled: Number(r.stalled) === 1,
    crashes: Number(r.crashes ?? 0),
    crashStreak: Number(r.crash_streak ?? 0),
    cancelRequested: Number(r.cancel_requested) === 1,
    authRefreshed: Number(r.auth_refreshed) === 1,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    heartbeatAt: r.heartbeat_at,
  };
}
