/**
 * @module The `sync.run` job: where the runtime meets the engine. It runs `runSync` for the run's sync with the
 * worker's AbortSignal (cancel, timeout, hard shutdown) and its drain signal (shutdown: stop at the next batch
 * boundary), throttles every platform call through the connection's shared
 * rate limiter, turns engine events into run progress (counts + checkpoint per committed batch) and log lines
 * (batched, one insert per batch), and maps the outcome onto the run: record errors end it `partial`; a platform
 * failure is rethrown as a ConnectorError so the retry policy decides by its kind.
 */
import { ConnectorError, type ConnectorErrorKind, CONNECTOR_ERROR_KINDS } from '../connectors/sdk/errors.js';
import { builtInConnectors } from '../connectors/registry.js';
import type { SyncCounts, SyncEvent } from '../engine/events.js';
import { runSync } from '../engine/run-sync.js';
import { DataSyncError } from '../lib/errors.js';
import type { JobHandler } from '../runtime/handlers.js';
import { bucketForWindow, type RateLimit } from '../runtime/rate-limiter.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { ConnectionRepository } from '../store/repositories/connections.js';
import { RunLogRepository, type LogLevel } from '../store/repositories/run-logs.js';
import { SyncRepository } from '../store/repositories/syncs.js';
import { RUN_COUNT_KEYS, type RunCounts } from '../store/repositories/runs.js';

function delta(now: SyncCounts, before: SyncCounts | undefined): Partial<RunCounts> {
  const out: Partial<RunCounts> = {};
  for (const key of RUN_COUNT_KEYS) out[key] = now[key] - (before?.[key] ?? 0);
  return out;
}

interface PendingLine {
  level: LogLevel;
  message: string;
  recordId: string | null;
  targetId: string | null;
  payload: unknown;
}

function lineFor(event: SyncEvent): PendingLine | undefined {
  switch (event.type) {
    case 'record': {
      const level: LogLevel =
        event.outcome === 'failed' ? 'error' : event.outcome === 'conflict' ? 'warn' : 'info';
      const arrow = event.target ? ` → ${event.target}${event.targetId ? ` ${event.targetId}` : ''}` : '';
      const why = event.error?.message ?? event.reason;
      return {
        level,
        message: `${event.outcome} ${event.source} ${event.sourceId ?? '(new)'}${arrow}${why ? `: ${why}` : ''}`,
        recordId: event.sourceId,
        targetId: event.targetId ?? null,
        payload: {
          outcome: event.outcome,
          pair: event.pair,
          diffs: event.diffs,
          fields: event.fields,
          error: event.error,
        },
      };
    }
    case 'pair_started':
      return {
        level: 'info',
        message: `reading ${event.pair} (${event.mode}, level ${event.level})`,
        recordId: null,
        targetId: null,
        payload: null,
      };
    case 'recovered':
      return {
        level: 'info',
        message: `recovered an interrupted create on ${event.pair}: ${event.outcome}`,
        recordId: event.linkId,
        targetId: null,
        payload: null,
      };
    case 'delete_guard':
      return {
        level: 'warn',
        message: event.approved
          ? `applying ${event.pending} approved deletes on ${event.pair}`
          : `mass-delete guard: ${event.pending} of ${event.linked} records would be deleted on ${event.pair}; approve to apply`,
        recordId: null,
        targetId: null,
        payload: event,
      };
    case 'refused':
      return {
        level: 'warn',
        message: `refused ${event.refusals
          .map((r) => `${r.side === 'b' ? 'remote' : 'local'} change to ${r.field} (${r.reason})`)
          .join('; ')} on ${event.targetId ?? event.sourceId ?? '(new)'}: the other side's value stands`,
        // Named by the record that keeps its value (as the line's target), so its sync log shows the refusal.
        recordId: event.targetId ?? event.sourceId,
        targetId: event.keptId,
        payload: { outcome: 'refused', pair: event.pair, refusals: event.refusals },
      };
    case 'warning':
      return {
        level: 'warn',
        message: event.message,
        recordId: null,
        targetId: null,
        payload: { pair: event.pair },
      };
    case 'batch_committed':
    case 'page_read':
    case 'pair_finished':
      return undefined;
  }
}

export function syncRunHandler(box: SecretBox): JobHandler {
  return async (ctx, _job, signal) => {
    const run = ctx.run;
    if (!run?.syncId) throw new DataSyncError('bad_request', 'a sync.run job needs a run with a sync');
    const db = ctx.store.db;
    const connections = new ConnectionRepository(db, box);
    const connectors = builtInConnectors();
    const sync = await new SyncRepository(db).get(run.orgId, run.syncId);
    if (!sync) throw new DataSyncError('not_found', `sync ${run.syncId} does not exist`);

    // The shared per-connection budget, from what each side's connector declares.
    const limits: Partial<Record<'a' | 'b', RateLimit & { connectionId: string }>> = {};
    for (const side of ['a', 'b'] as const) {
      const endpoint = sync.definition[side];
      if (!endpoint.connectionId) continue;
      const connection = await connections.get(run.orgId, endpoint.connectionId);
      const declared = connection ? connectors.declaredRateLimit(connection.connector) : undefined;
      // A connector that paces each HTTP request itself (through pacerFor below) needs no token per operation.
      if (connection && declared && !connectors.pacesRequests(connection.connector)) {
        limits[side] = { connectionId: connection.id, ...bucketForWindow(declared) };
      }
    }

    const direction =
      run.params.direction === 'push' || run.params.direction === 'pull' ? run.params.direction : undefined;
    const pairs = Array.isArray(run.params.pairs)
      ? run.params.pairs.filter((p): p is string => typeof p === 'string')
      : undefined;
    const progress = new PairProgress(direction);

    const logs = new RunLogRepository(db);
    let pending: PendingLine[] = [];
    /** The counts of this attempt the run record holds (its last progress write that succeeded). */
    let committed: SyncCounts | undefined;
    // Progress is written off the engine's hot path, one step after another. A step that fails (the database
    // went away) is made good by the next one: the checkpoint is absolute, the counts added are those since the
    // last write that succeeded, and unwritten log lines wait for the next flush. The chain never rejects: a
    // rejection nobody listened to yet would take the whole process down (seen in the Postgres scale-out fault
    // test), and an error of the engine's own is the one to report.
    let work: Promise<void> = Promise.resolve();
    const then = (step: () => Promise<void>) => {
      work = work.then(step).catch(() => undefined);
    };
    const flush = async () => {
      const lines = pending;
      pending = [];
      if (lines.length === 0) return;
      try {
        await logs.append(run.orgId, run.id, lines);
      } catch (error) {
        pending = [...lines, ...pending];
        throw error;
      }
    };
    const onEvent = (event: SyncEvent) => {
      const line = lineFor(event);
      if (line) pending.push(line);
      if (progress.take(event) && event.type !== 'batch_committed') {
        const snapshot = progress.snapshot();
        then(async () => {
          await run.commit({ checkpoint: { ...asObject(run.checkpoint), progress: snapshot } });
        });
      }
      if (event.type === 'batch_committed') {
        const counts = event.counts;
        then(async () => {
          await flush();
          await run.commit({
            checkpoint: {
              pair: event.pair,
              side: event.side,
              cursor: event.cursor,
              ...(direction ? { progress: progress.snapshot() } : {}),
            },
            counts: delta(counts, committed),
          });
          committed = counts;
        });
      } else if (pending.length >= 500) {
        then(flush);
      }
    };

    // The progress chain is drained however the run ends: an interrupted run (drained for shutdown, out of rate
    // budget) keeps the counts and checkpoint of every batch it committed, and nothing writes after we return.
    const result = await runSync({
      db,
      connectors,
      connections,
      orgId: run.orgId,
      syncId: run.syncId,
      runId: run.id,
      dryRun: run.dryRun,
      approveDeletes: run.params.approveDeletes === true,
      signal,
      drain: ctx.drain,
      onEvent,
      ...(direction ? { direction, parallelLevels: true } : {}),
      ...(pairs ? { pairs } : {}),
      pacerFor: (connectionId, connector) => {
        const buckets = connectors.declaredBuckets(connector);
        return connectors.pacesRequests(connector) ? ctx.pacer(connectionId, buckets, signal) : undefined;
      },
      throttle: async (side) => {
        // SQLite answers synchronously, so a long run would never give the event loop a turn: the API and the
        // live log of `datasync start` (same process) would stall until it ends. One turn per platform call.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const limit = limits[side];
        if (limit) {
          const { connectionId, ...bucket } = limit;
          await ctx.rateLimit(connectionId, bucket);
        }
      },
    }).finally(async () => {
      await work;
      // Also when the engine threw (its error is the one to report), its last lines are kept if they can be.
      await flush().catch(() => undefined);
    });
    // Lines the chain could not write: if the database is still away, this attempt fails here and is retried.
    await flush();
    await run.commit({
      counts: delta(result.counts, committed),
      ...(direction ? { checkpoint: { ...asObject(run.checkpoint), progress: progress.snapshot() } } : {}),
    });
    await run.log(
      result.outcome === 'failed' ? 'error' : 'info',
      summary(result.outcome, result.counts, result.durationMs),
      {
        payload: {
          counts: result.counts,
          traffic: result.traffic,
          error: result.error,
          plan: result.dryRun ? result.plan : undefined,
        },
      },
    );

    if (result.outcome === 'failed') {
      const kind = result.error?.kind;
      if (kind && (CONNECTOR_ERROR_KINDS as readonly string[]).includes(kind)) {
        throw new ConnectorError(
          kind as ConnectorErrorKind,
          result.error?.message ?? 'platform call failed',
          {
            ...(result.error?.retryAfterMs !== undefined ? { retryAfterMs: result.error.retryAfterMs } : {}),
          },
        );
      }
      throw new DataSyncError(result.error?.code ?? 'internal', result.error?.message ?? 'sync failed');
    }
    if (result.outcome === 'partial') {
      return {
        status: 'completed_with_errors',
        message: `${result.counts.errors} records failed, ${result.counts.conflicts} conflicts`,
      };
    }
    return undefined;
  };
}

function summary(outcome: string, c: SyncCounts, ms: number): string {
  return `${outcome}: ${c.found} read, ${c.created} created, ${c.updated} updated, ${c.deleted} deleted, ${c.unchanged} unchanged, ${c.conflicts} conflicts, ${c.errors} errors in ${ms} ms`;
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

/**
 * Per pair progress of a one-direction run (`params.direction`): a pull counts records read from the platform, a
 * push counts local records that got an outcome (created, updated, failed, waiting). Stored in the checkpoint, so
 * the API shows it live.
 */
class PairProgress {
  private readonly pairs: Record<string, { done: number; state: 'running' | 'done' }> = {};

  constructor(private readonly direction: 'push' | 'pull' | undefined) {}

  /** Counts the event; true when it changed what a person would see at the pair level (start, end). */
  take(event: SyncEvent): boolean {
    if (!this.direction) return false;
    const pair = (name: string) => (this.pairs[name] ??= { done: 0, state: 'running' });
    switch (event.type) {
      case 'pair_started':
        pair(event.pair);
        return true;
      case 'pair_finished':
        pair(event.pair).state = 'done';
        return true;
      case 'page_read':
        if (this.direction === 'pull' && event.side === 'b') {
          pair(event.pair).done += event.records;
          return true;
        }
        return false;
      case 'record':
        if (this.direction === 'push' && event.source === 'a' && event.outcome !== 'conflict') {
          pair(event.pair).done++;
        }
        return false;
      default:
        return false;
    }
  }

  snapshot(): Record<string, { done: number; state: 'running' | 'done' }> {
    return structuredClone(this.pairs);
  }
}
