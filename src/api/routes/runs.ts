/**
 * @module `/api/v1/runs`: every run of the organization (filters kept on the id indexes), one run, its log as
 * JSON pages or live as Server-Sent Events (run-log-sse.ts), and `POST …/cancel|retry`. Child runs of a fan-out
 * carry `parentRunId`; `GET /api/v1/runs?parentRunId=` lists them.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import { cancelRun, enqueueRun } from '../../runtime/triggers.js';
import { isFinalStatus } from '../../store/repositories/runs.js';
import { requireQueue } from '../api-options.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';
import {
  LOG_LEVELS,
  logView,
  RUN_STATUSES,
  RUN_TRIGGERS,
  RunLogLineSchema,
  RunSchema,
  runView,
} from './run-schemas.js';
import { levelsFrom, streamRunLogsSse, wantsEventStream } from './run-log-sse.js';

const IdParams = z.strictObject({ id: idSchema('run') });

/** Runs that ended without doing all their work: the ones a retry makes sense for. */
const RETRYABLE = new Set(['failed', 'cancelled', 'partial']);

const Instant = z.iso
  .datetime({ offset: true })
  .transform((s) => new Date(s))
  .meta({ description: 'ISO-8601 date-time' });

export const runRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/runs',
    operationId: 'listRuns',
    summary: 'List runs, newest first',
    description: '`from` is inclusive and `to` exclusive (creation time). Every filter stays on an index.',
    tag: 'runs',
    access: 'runs:read',
    query: z.strictObject({
      ...pageQueryShape,
      status: z.enum(RUN_STATUSES).optional(),
      syncId: idSchema('syn').optional(),
      trigger: z.enum(RUN_TRIGGERS).optional(),
      kind: z
        .string()
        .regex(/^[a-z][a-z0-9_.-]{0,63}$/)
        .optional(),
      parentRunId: idSchema('run').optional(),
      from: Instant.optional(),
      to: Instant.optional(),
    }),
    responses: { 200: pageSchema(RunSchema) },
    async handler({ query, auth, repos }) {
      const { cursor, limit, ...filter } = query;
      const page = await repos.runs.list(auth.orgId, filter, { cursor, limit });
      return ok({ data: page.data.map(runView), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/runs/:id',
    operationId: 'getRun',
    summary: 'One run',
    tag: 'runs',
    access: 'runs:read',
    params: IdParams,
    responses: { 200: RunSchema },
    async handler({ params, auth, repos }) {
      const run = await repos.runs.get(auth.orgId, params.id);
      if (!run) throw new DataSyncError('not_found', 'run not found');
      return ok(runView(run));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/runs/:id/logs',
    operationId: 'listRunLogs',
    summary: "A run's log lines, oldest first; live with `Accept: text/event-stream`",
    description:
      'JSON: pages of lines after `afterId` (`nextAfterId` is null once the run is final and all is read). ' +
      'Server-Sent Events: each line is an event with `id:` = the line id (reconnect with Last-Event-ID to ' +
      'resume), comments keep the connection alive, and a final `event: end` carries the run status and counts.',
    tag: 'runs',
    access: 'runs:read',
    orgQuery: true,
    params: IdParams,
    query: z.strictObject({
      org: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .meta({ description: 'organization id or slug, for EventSource (it cannot send X-DataSync-Org)' }),
      afterId: z.coerce.number().int().min(0).optional(),
      level: z.enum(LOG_LEVELS).optional().meta({ description: 'this level and above' }),
      limit: z.coerce.number().int().min(1).max(1000).optional(),
    }),
    responses: {
      200: z
        .strictObject({
          data: z.array(RunLogLineSchema),
          nextAfterId: z.number().nullable(),
          run: z.strictObject({ status: z.enum(RUN_STATUSES), finishedAt: TimestampSchema.nullable() }),
        })
        .meta({ id: 'RunLogPage' }),
    },
    async handler({ params, query, auth, api, repos, request, reply }) {
      const run = await repos.runs.get(auth.orgId, params.id);
      if (!run) throw new DataSyncError('not_found', 'run not found');
      const levels = levelsFrom(query.level);
      if (wantsEventStream(request)) {
        await streamRunLogsSse(api, request, reply, {
          orgId: auth.orgId,
          runId: run.id,
          afterId: query.afterId,
          levels,
        });
        return { status: 200 };
      }
      const limit = query.limit ?? 500;
      const lines = await repos.runLogs.after(auth.orgId, run.id, query.afterId ?? 0, limit, levels);
      const last = lines[lines.length - 1]?.id ?? query.afterId ?? 0;
      const done = lines.length < limit && isFinalStatus(run.status);
      return ok({
        data: lines.map(logView),
        nextAfterId: done ? null : last,
        run: { status: run.status, finishedAt: run.finishedAt },
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/runs/:id/cancel',
    operationId: 'cancelRun',
    summary: 'Cancel a run: a queued run at once, a running one at its next checkpoint',
    description: '409 when the run has already ended.',
    tag: 'runs',
    access: 'runs:control',
    params: IdParams,
    responses: { 200: RunSchema },
    async handler({ params, auth, api, repos, audit }) {
      const queue = requireQueue(api);
      const before = await repos.runs.get(auth.orgId, params.id);
      if (!before) throw new DataSyncError('not_found', 'run not found');
      if (isFinalStatus(before.status)) {
        throw new DataSyncError('conflict', `the run has already ended (${before.status})`, {
          details: { status: before.status },
        });
      }
      const run = await cancelRun(api.app.store.db, queue, auth.orgId, params.id);
      await audit({
        action: 'run.cancel_requested',
        resourceType: 'run',
        resourceId: params.id,
        details: { status: run?.status ?? null },
      });
      return ok(runView(run!));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/runs/:id/retry',
    operationId: 'retryRun',
    summary: "Start a new run of a failed, cancelled or partial run's sync (202 with the new run)",
    description: '409 when the run is not in one of those states or has no sync.',
    tag: 'runs',
    access: 'runs:control',
    params: IdParams,
    responses: { 202: RunSchema },
    async handler({ params, auth, api, transaction }) {
      const queue = requireQueue(api);
      const run = await transaction(async (repos, audit, db) => {
        const old = await repos.runs.get(auth.orgId, params.id);
        if (!old) throw new DataSyncError('not_found', 'run not found');
        if (!RETRYABLE.has(old.status) || !old.syncId) {
          throw new DataSyncError('conflict', `only a failed, cancelled or partial sync run can be retried`, {
            details: { status: old.status, syncId: old.syncId },
          });
        }
        const enqueued = await enqueueRun(db, queue, {
          orgId: auth.orgId,
          kind: old.kind,
          trigger: 'api',
          syncId: old.syncId,
          dryRun: old.dryRun,
          params: old.params,
        });
        await audit({
          action: 'run.retried',
          resourceType: 'run',
          resourceId: enqueued.runId,
          details: { retryOf: old.id, deduped: enqueued.deduped },
        });
        return (await repos.runs.get(auth.orgId, enqueued.runId))!;
      });
      return { status: 202, body: runView(run) };
    },
  }),
];
