/**
 * @module Run log lines: append-only, numbered by an auto-increment id so a reader can resume from the last id
 * it saw (the live stream and SSE's Last-Event-ID both do).
 */
import type { Kysely } from 'kysely';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, RunLogsTable } from '../schema.js';

export type LogLevel = RunLogsTable['level'];

export interface RunLogLine {
  id: number;
  runId: string;
  orgId: string;
  level: LogLevel;
  message: string;
  recordId: string | null;
  targetId: string | null;
  payload: unknown;
  createdAt: string;
}

export interface NewLogLine {
  level: LogLevel;
  message: string;
  recordId?: string | null;
  targetId?: string | null;
  payload?: unknown;
}

export class RunLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(orgId: string, runId: string, lines: NewLogLine[]): Promise<RunLogLine[]> {
    if (lines.length === 0) return [];
    const now = nowIso();
    const rows = await this.db
      .insertInto('run_logs')
      .values(
        lines.map((l) => ({
          run_id: runId,
          org_id: orgId,
          level: l.level,
          message: l.message,
          record_id: l.recordId ?? null,
          target_id: l.targetId ?? null,
          payload: l.payload === undefined ? null : toJson(l.payload),
          created_at: now,
        })),
      )
      .returningAll()
      .execute();
    return rows.map(toLine);
  }

  /** Lines of one run after `afterId`, oldest first. */
  async after(
    orgId: string,
    runId: string,
    afterId = 0,
    limit = 500,
    levels?: readonly LogLevel[],
  ): Promise<RunLogLine[]> {
    let q = this.db
      .selectFrom('run_logs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('org_id', '=', orgId)
      .where('id', '>', afterId);
    if (levels && levels.length > 0) q = q.where('level', 'in', levels);
    const rows = await q.orderBy('id').limit(limit).execute();
    return rows.map(toLine);
  }

  /**
   * A record's sync log: the lines of every run that name it, as the source of a write (`record_id`, a push when
   * it is a local record) or as its target (`target_id`, a pull into it), newest first, with their run's sync and
   * trigger. Pages go back in time: pass the last id seen as `beforeId`.
   */
  async forRecord(
    orgId: string,
    recordId: string,
    page: { beforeId?: number; limit: number },
  ): Promise<Array<RunLogLine & { syncId: string | null; trigger: string }>> {
    let q = this.db
      .selectFrom('run_logs as l')
      .innerJoin('runs as r', 'r.id', 'l.run_id')
      .selectAll('l')
      .select(['r.sync_id as sync_id', 'r.trigger as trigger'])
      .where('l.org_id', '=', orgId)
      .where((eb) => eb.or([eb('l.record_id', '=', recordId), eb('l.target_id', '=', recordId)]));
    if (page.beforeId !== undefined) q = q.where('l.id', '<', page.beforeId);
    const rows = await q.orderBy('l.id', 'desc').limit(page.limit).execute();
    return rows.map((row) => ({ ...toLine(row), syncId: row.sync_id, trigger: row.trigger }));
  }

  /** Per-record outcomes of a run: the lines that name a record and carry `{ outcome }`. */
  async outcomes(orgId: string, runId: string, afterId = 0, limit = 500): Promise<RunLogLine[]> {
    const rows = await this.db
      .selectFrom('run_logs')
      .selectAll()
      .where('run_id', '=', runId)
      .where('org_id', '=', orgId)
      .where('record_id', 'is not', null)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows
      .map(toLine)
      .filter((l) => typeof l.payload === 'object' && l.payload !== null && 'outcome' in l.payload);
  }
}

function toLine(row: {
  id: number;
  run_id: string;
  org_id: string;
  level: LogLevel;
  message: string;
  record_id: string | null;
  target_id: string | null;
  payload: unknown;
  created_at: string;
}): RunLogLine {
  return {
    id: Number(row.id),
    runId: row.run_id,
    orgId: row.org_id,
    level: row.level,
    message: row.message,
    recordId: row.record_id,
    targetId: row.target_id,
    payload: row.payload === null ? null : fromJson<unknown>(row.payload),
    createdAt: row.created_at,
  };
}
