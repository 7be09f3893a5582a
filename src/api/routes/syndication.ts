/**
 * @module `/api/v1/syndication/runs`: start a syndication run (all sites or some, optionally forced) and follow
 * it: the last runs with their durations, and one run with its per-site children and log lines (as JSON, or
 * live as Server-Sent Events: syndication-run-sse.ts).
 */
import { z } from 'zod';
import { requireQueue } from '../api-options.js';
import { DataSyncError } from '../../lib/errors.js';
import type { Run } from '../../store/repositories/runs.js';
import { enqueueSyndicationRun } from '../../syndication/enqueue-syndication.js';
import { SYNDICATION_RUN } from '../../syndication/syndication-run-handler.js';
import type { Repositories } from '../../store/repositories/index.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { wantsEventStream } from './run-log-sse.js';
import { streamSyndicationRun } from './syndication-run-sse.js';
import { idSchema, TimestampSchema } from '../schemas/common.js';

const RunStatusSchema = z.enum(['queued', 'running', 'success', 'partial', 'failed', 'cancelled']);

const SyndicationRunSchema = z
  .strictObject({
    id: z.string(),
    status: RunStatusSchema,
    trigger: z.string(),
    /** The site of a child run; null on the parent. */
    siteId: z.string().nullable(),
    siteIds: z.array(z.string()).nullable(),
    force: z.boolean(),
    error: z.string().nullable(),
    counts: z.record(z.string(), z.number()),
    createdAt: TimestampSchema,
    startedAt: TimestampSchema.nullable(),
    finishedAt: TimestampSchema.nullable(),
    durationMs: z.number().nullable(),
  })
  .meta({ id: 'SyndicationRun' });

const LogLineSchema = z
  .strictObject({
    id: z.number(),
    runId: z.string(),
    level: z.string(),
    message: z.string(),
    targetId: z.string().nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'SyndicationLogLine' });

type RunView = z.output<typeof SyndicationRunSchema>;

function view(run: Run): RunView {
  const siteIds = Array.isArray(run.params.siteIds) ? run.params.siteIds.map(String) : null;
  return {
    id: run.id,
    status: run.status,
    trigger: run.trigger,
    siteId: run.parentRunId ? run.target : null,
    siteIds,
    force: run.params.force === true,
    error: run.error,
    counts: { ...run.counts },
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs:
      run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
  };
}

export interface SyndicationRunDetail {
  run: RunView;
  children: RunView[];
  logs: z.output<typeof LogLineSchema>[];
}

/** One run with its per-site children and its log lines after `afterLogId` (the dashboard's whole view). */
export async function syndicationRunDetail(
  repos: Repositories,
  orgId: string,
  runId: string,
  /** One cursor for all, or one per run (a live stream's: see syndication-run-sse.ts). */
  afterLogId: number | ((runId: string) => number),
): Promise<SyndicationRunDetail> {
  const after = typeof afterLogId === 'number' ? () => afterLogId : afterLogId;
  const run = await repos.runs.get(orgId, runId);
  if (!run || run.kind !== SYNDICATION_RUN || run.parentRunId) {
    throw new DataSyncError('not_found', 'syndication run not found');
  }
  const children = await repos.runs.list(orgId, { parentRunId: run.id }, { limit: 200 });
  const runIds = [run.id, ...children.data.map((c) => c.id)];
  const lines = (await Promise.all(runIds.map((id) => repos.runLogs.after(orgId, id, after(id), 500))))
    .flat()
    .sort((a, b) => a.id - b.id);
  return {
    run: view(run),
    children: children.data.map(view).sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    logs: lines.map((l) => ({
      id: l.id,
      runId: l.runId,
      level: l.level,
      message: l.message,
      targetId: l.targetId,
      createdAt: l.createdAt,
    })),
  };
}

export const syndicationRoutes: ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/syndication/runs',
    operationId: 'startSyndicationRun',
    summary: 'Push every site’s effective payload (or only the given sites) as a fan-out run',
    description:
      'One child run per site. Unchanged payloads are skipped unless `force`. A second request while an identical run is still queued answers that run.',
    tag: 'syndication',
    access: 'syncs:run',
    body: z
      .strictObject({
        siteIds: z.array(idSchema('site')).min(1).max(1000).optional(),
        force: z.boolean().optional(),
      })
      .optional()
      .meta({ id: 'StartSyndicationRunRequest' }),
    responses: { 202: z.strictObject({ run: SyndicationRunSchema, deduped: z.boolean() }) },
    async handler({ body, auth, api, repos, audit }) {
      const queue = requireQueue(api);
      const siteIds = body?.siteIds;
      if (siteIds) {
        const known = new Set((await repos.sites.list(auth.orgId)).map((s) => s.id));
        const missing = siteIds.filter((id) => !known.has(id));
        if (missing.length > 0) {
          throw new DataSyncError('not_found', `unknown sites: ${missing.join(', ')}`, {
            details: { siteIds: missing },
          });
        }
      }
      const enqueued = await api.app.store.db.transaction().execute((trx) =>
        enqueueSyndicationRun(trx, queue, {
          orgId: auth.orgId,
          trigger: 'api',
          ...(siteIds ? { siteIds } : {}),
          ...(body?.force ? { force: true } : {}),
        }),
      );
      if (!enqueued.deduped) {
        await audit({
          action: 'syndication.run_started',
          resourceType: 'run',
          resourceId: enqueued.runId,
          details: { siteIds: siteIds ?? null, force: body?.force === true },
        });
      }
      const run = await repos.runs.get(auth.orgId, enqueued.runId);
      if (!run) throw new DataSyncError('internal', 'the run was not recorded');
      return { status: 202, body: { run: view(run), deduped: enqueued.deduped } };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/syndication/runs',
    operationId: 'listSyndicationRuns',
    summary: 'The last syndication runs, newest first, with their durations',
    tag: 'syndication',
    access: 'runs:read',
    query: z.strictObject({ limit: z.coerce.number().int().min(1).max(100).optional() }),
    responses: { 200: z.strictObject({ data: z.array(SyndicationRunSchema) }) },
    async handler({ query, auth, api }) {
      const rows = await api.app.store.db
        .selectFrom('runs')
        .select('id')
        .where('org_id', '=', auth.orgId)
        .where('kind', '=', SYNDICATION_RUN)
        .where('parent_run_id', 'is', null)
        .orderBy('id', 'desc')
        .limit(query.limit ?? 20)
        .execute();
      const runs = await Promise.all(rows.map((r) => api.app.repos.runs.get(auth.orgId, r.id)));
      return ok({ data: runs.filter((r): r is Run => r !== undefined).map(view) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/syndication/runs/:id',
    operationId: 'getSyndicationRun',
    summary: 'One syndication run with a child per site and its log lines (after `afterLogId`)',
    description:
      'With `Accept: text/event-stream`: Server-Sent Events, one `snapshot` event (this same body, `logs` only the lines not sent yet; `id:` the last line id, so Last-Event-ID resumes) whenever the run or a site changes, and `end` once the run is final.',
    tag: 'syndication',
    access: 'runs:read',
    params: z.strictObject({ id: idSchema('run') }),
    query: z.strictObject({ afterLogId: z.coerce.number().int().min(0).optional() }),
    responses: {
      200: z.strictObject({
        run: SyndicationRunSchema,
        children: z.array(SyndicationRunSchema),
        logs: z.array(LogLineSchema),
      }),
    },
    async handler({ params, query, auth, api, repos, request, reply }) {
      const detail = await syndicationRunDetail(repos, auth.orgId, params.id, query.afterLogId ?? 0);
      if (wantsEventStream(request)) {
        await streamSyndicationRun(api, request, reply, {
          orgId: auth.orgId,
          runId: params.id,
          afterLogId: query.afterLogId ?? 0,
          load: (after) => syndicationRunDetail(api.app.repos, auth.orgId, params.id, after),
        });
        return { status: 200 };
      }
      return ok(detail);
    },
  }),
];
