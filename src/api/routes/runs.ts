/**
 * @module `/api/v1/runs`: every run of the organization (filters kept on the id indexes), one run, its log as
 * JSON pages or live as Server-Sent Events (run-log-sse.ts), and `POST …/cancel|retry`. Child runs of a fan-out
 * carry `parentRunId`; `GET /api/v1/runs?parentRunId=` lists them.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import { cancelRun, enqueueRun } from '../../runtime/triggers.js';
import { readAllPages } from '../../store/repositories/page.js';
import { isFinalStatus, type Run } from '../../store/repositories/runs.js';
import { requireQueue, type ApiContext } from '../api-options.js';
import type { Repositories } from '../../store/repositories/index.js';
import { defineRoute, ok, type ApiRoute, type AuditFn, type HandlerInput } from '../define-route.js';
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
      connectionId: idSchema('con').optional().meta({ description: 'runs of syncs with this connection' }),
      direction: z.enum(['push', 'pull', 'two-way']).optional().meta({ description: 'runs of such syncs' }),
      target: z.string().min(1).max(200).optional().meta({ description: 'fan-out target, e.g. a site id' }),
      from: Instant.optional(),
      to: Instant.optional(),
    }),
    responses: { 200: pageSchema(RunSchema) },
    async handler({ query, auth, repos }) {
      const { cursor, limit, connectionId, direction, ...filter } = query;
      const syncIds =
        connectionId || direction
          ? await syncsMatching(repos, auth.orgId, { connectionId, direction })
          : undefined;
      const page = await repos.runs.list(auth.orgId, { ...filter, syncIds }, { cursor, limit });
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
      return ok(runView(await cancelOne(api, queue, auth.orgId, params.id, repos, audit)));
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
      const run = await retryOne(queue, auth.orgId, params.id, transaction);
      return { status: 202, body: runView(run) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/runs/bulk',
    operationId: 'bulkRuns',
    summary: 'Retry or cancel up to 100 runs; one result per id, in order',
    description:
      'Each id is handled on its own (its own transaction and audit entry): one run that cannot be retried or ' +
      'cancelled does not stop the others. A result carries the new run (retry) or the run as it now is ' +
      '(cancel), or the error the single-run route would have answered.',
    tag: 'runs',
    access: 'runs:control',
    body: z.strictObject({
      action: z.enum(['retry', 'cancel']),
      ids: z.array(idSchema('run')).min(1).max(100),
    }),
    responses: {
      200: z
        .strictObject({
          results: z.array(
            z.strictObject({
              id: z.string(),
              ok: z.boolean(),
              run: RunSchema.optional(),
              error: z.strictObject({ code: z.string(), message: z.string() }).optional(),
            }),
          ),
        })
        .meta({ id: 'BulkRunResults' }),
    },
    async handler({ body, auth, api, repos, audit, transaction }) {
      const queue = requireQueue(api);
      const results = [];
      // One after another: a bulk retry of 100 runs should not take 100 connections or race its own dedupe.
      for (const id of [...new Set(body.ids)]) {
        try {
          const run =
            body.action === 'retry'
              ? await retryOne(queue, auth.orgId, id, transaction)
              : await cancelOne(api, queue, auth.orgId, id, repos, audit);
          results.push({ id, ok: true, run: runView(run) });
        } catch (e) {
          if (!(e instanceof DataSyncError)) throw e;
          results.push({ id, ok: false, error: { code: e.code, message: e.message } });
        }
      }
      return ok({ results });
    },
  }),
];

/**
 * The ids of the syncs using a connection (on either side) and/or going one way. Syncs are few per
 * organization, so they are read whole and the runs query gets an id list.
 */
async function syncsMatching(
  repos: Repositories,
  orgId: string,
  match: { connectionId?: string | undefined; direction?: string | undefined },
): Promise<string[]> {
  const syncs = await readAllPages((cursor) => repos.syncs.list(orgId, { cursor, limit: 200 }));
  return syncs
    .filter((s) => !match.direction || s.definition.direction === match.direction)
    .filter(
      (s) =>
        !match.connectionId ||
        s.definition.a.connectionId === match.connectionId ||
        s.definition.b.connectionId === match.connectionId,
    )
    .map((s) => s.id);
}

type Transaction = HandlerInput<unknown, unknown, unknown>['transaction'];

async function cancelOne(
  api: ApiContext,
  queue: ReturnType<typeof requireQueue>,
  orgId: string,
  id: string,
  repos: Repositories,
  audit: AuditFn,
): Promise<Run> {
  const before = await repos.runs.get(orgId, id);
  if (!before) throw new DataSyncError('not_found', 'run not found');
  if (isFinalStatus(before.status)) {
    throw new DataSyncError('conflict', `the run has already ended (${before.status})`, {
      details: { status: before.status },
    });
  }
  // Outside a transaction: the queue cancels the job through its own connection.
  const run = await cancelRun(api.app.store.db, queue, orgId, id);
  await audit({
    action: 'run.cancel_requested',
    resourceType: 'run',
    resourceId: id,
    details: { status: run?.status ?? null },
  });
  return run!;
}

async function retryOne(
  queue: ReturnType<typeof requireQueue>,
  orgId: string,
  id: string,
  transaction: Transaction,
): Promise<Run> {
  return transaction(async (repos, audit, db) => {
    const old = await repos.runs.get(orgId, id);
    if (!old) throw new DataSyncError('not_found', 'run not found');
    if (!RETRYABLE.has(old.status) || !old.syncId) {
      throw new DataSyncError('conflict', `only a failed, cancelled or partial sync run can be retried`, {
        details: { status: old.status, syncId: old.syncId },
      });
    }
    const enqueued = await enqueueRun(db, queue, {
      orgId,
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
    return (await repos.runs.get(orgId, enqueued.runId))!;
  });
}
