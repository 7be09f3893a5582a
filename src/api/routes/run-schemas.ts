/**
 * @module The run and run-log shapes the API answers with, shared by the syncs and runs routes. Internal
 * bookkeeping (lock key, job id, lease heartbeat, checkpoint) stays inside.
 */
import { z } from 'zod';
import type { RunLogLine } from '../../store/repositories/run-logs.js';
import type { Run } from '../../store/repositories/runs.js';
import { TimestampSchema } from '../schemas/common.js';

export const RUN_STATUSES = ['queued', 'running', 'success', 'partial', 'failed', 'cancelled'] as const;
export const RUN_TRIGGERS = ['manual', 'cron', 'webhook', 'event', 'api'] as const;
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const RunCountsSchema = z
  .strictObject({
    found: z.number(),
    created: z.number(),
    updated: z.number(),
    deleted: z.number(),
    unchanged: z.number(),
    conflicts: z.number(),
    errors: z.number(),
  })
  .meta({ id: 'RunCounts' });

export const RunSchema = z
  .strictObject({
    id: z.string(),
    orgId: z.string(),
    syncId: z.string().nullable(),
    parentRunId: z.string().nullable(),
    kind: z.string(),
    target: z.string().nullable(),
    trigger: z.enum(RUN_TRIGGERS),
    status: z.enum(RUN_STATUSES),
    dryRun: z.boolean(),
    counts: RunCountsSchema,
    error: z.string().nullable(),
    params: z.record(z.string(), z.unknown()),
    attempt: z.number().meta({ description: 'attempts spent (0 until it starts); a crash spends none' }),
    crashes: z.number().meta({
      description:
        'times the worker running it stopped (killed, crashed, lost the database) and another resumed it from its checkpoint',
    }),
    continuationOf: z.string().nullable(),
    stalled: z.boolean(),
    cancelRequested: z.boolean(),
    createdAt: TimestampSchema,
    startedAt: TimestampSchema.nullable(),
    finishedAt: TimestampSchema.nullable(),
    durationMs: z.number().nullable().meta({ description: 'finished − started; null until it has both' }),
  })
  .meta({ id: 'Run' });

export type RunView = z.output<typeof RunSchema>;

export function runView(r: Run): RunView {
  return {
    id: r.id,
    orgId: r.orgId,
    syncId: r.syncId,
    parentRunId: r.parentRunId,
    kind: r.kind,
    target: r.target,
    trigger: r.trigger,
    status: r.status,
    dryRun: r.dryRun,
    counts: r.counts,
    error: r.error,
    params: r.params,
    attempt: r.attempt,
    crashes: r.crashes,
    continuationOf: r.continuationOf,
    stalled: r.stalled,
    cancelRequested: r.cancelRequested,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.startedAt && r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null,
  };
}

export const RunLogLineSchema = z
  .strictObject({
    id: z.number(),
    runId: z.string(),
    level: z.enum(LOG_LEVELS),
    message: z.string(),
    recordId: z.string().nullable(),
    targetId: z.string().nullable(),
    payload: z.unknown(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'RunLogLine' });

export function logView(l: RunLogLine): z.output<typeof RunLogLineSchema> {
  return {
    id: l.id,
    runId: l.runId,
    level: l.level,
    message: l.message,
    recordId: l.recordId,
    targetId: l.targetId,
    payload: l.payload,
    createdAt: l.createdAt,
  };
}
