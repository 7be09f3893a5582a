/**
 * @module What a handler uses to record its run: append-only log lines, batch commits (checkpoint + counts,
 * inside the transaction that wrote the batch), per-record outcomes, and fan-out over targets with isolation.
 * Every write is also emitted as a typed event.
 */
import type { Kysely } from 'kysely';
import { errorMessage } from '../lib/errors.js';
import type { Database } from '../store/schema.js';
import type { Store } from '../store/database.js';
import { RunLogRepository, type LogLevel, type RunLogLine } from '../store/repositories/run-logs.js';
import { RunRepository, type Run, type RunCounts } from '../store/repositories/runs.js';
import type { Emit } from './events.js';

export type RecordOutcome =
  'created' | 'updated' | 'deleted' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

const OUTCOME_COUNT: Partial<Record<RecordOutcome, keyof RunCounts>> = {
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  unchanged: 'unchanged',
  conflict: 'conflicts',
  failed: 'errors',
};

export interface LogExtra {
  recordId?: string | null;
  targetId?: string | null;
  payload?: unknown;
}

export interface FanOutResult<T> {
  target: string;
  runId: string;
  ok: boolean;
  value?: T;
  error?: string;
}

export class RunContext {
  readonly id: string;
  readonly orgId: string;
  readonly syncId: string | null;
  readonly kind: string;
  readonly trigger: string;
  readonly attempt: number;
  readonly params: Record<string, unknown>;
  readonly dryRun: boolean;
  /** Where this run started from; compared with `checkpoint` to tell progress from a stall. */
  readonly startCheckpoint: unknown;
  private current: unknown;
  private totals: RunCounts;
  private commits: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    run: Run,
    private readonly emit: Emit,
  ) {
    this.id = run.id;
    this.orgId = run.orgId;
    this.syncId = run.syncId;
    this.kind = run.kind;
    this.trigger = run.trigger;
    this.attempt = run.attempt;
    this.params = run.params;
    this.dryRun = run.dryRun;
    this.startCheckpoint = run.checkpoint;
    this.current = run.checkpoint;
    this.totals = run.counts;
  }

  /** The last committed checkpoint (what a resumed run starts from). */
  get checkpoint(): unknown {
    return this.current;
  }

  get counts(): RunCounts {
    return { ...this.totals };
  }

  /** True when the checkpoint moved during this attempt. */
  get progressed(): boolean {
    return JSON.stringify(this.current) !== JSON.stringify(this.startCheckpoint);
  }

  async log(
    level: LogLevel,
    message: string,
    extra: LogExtra = {},
    db?: Kysely<Database>,
  ): Promise<RunLogLine> {
    const [line] = await new RunLogRepository(db ?? this.store.db).append(this.orgId, this.id, [
      {
        level,
        message,
        recordId: extra.recordId ?? null,
        targetId: extra.targetId ?? null,
        payload: extra.payload,
      },
    ]);
    this.emit('run.log', { runId: this.id, orgId: this.orgId, line: line! });
    return line!;
  }

  /**
   * Records a committed batch: the new checkpoint and the counts it adds. Pass the transaction that wrote the
   * batch so progress and data commit together (a crash loses neither alone).
   */
  async commit(
    progress: { checkpoint?: unknown; counts?: Partial<RunCounts> },
    db?: Kysely<Database>,
  ): Promise<void> {
    // Counts are read, added to and written back: serialise this run's commits (fan-out lanes commit
    // concurrently; only this process writes this run, it holds the run's lock).
    const previous = this.commits;
    let release!: () => void;
    this.commits = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let counts: RunCounts;
    try {
      counts = await new RunRepository(db ?? this.store.db).saveProgress(this.id, progress, db);
    } finally {
      release();
    }
    if (progress.checkpoint !== undefined) this.current = progress.checkpoint;
    this.totals = counts;
    this.emit('batch.committed', { runId: this.id, orgId: this.orgId, counts, checkpoint: this.current });
  }

  /** One record's outcome: a log line naming it, and the count it adds. */
  async recordOutcome(
    recordId: string,
    outcome: RecordOutcome,
    extra: { targetId?: string | null; error?: string; payload?: Record<string, unknown> } = {},
    db?: Kysely<Database>,
  ): Promise<void> {
    const failed = outcome === 'failed';
    await this.log(
      failed ? 'error' : 'info',
      failed
        ? `record ${recordId} failed: ${extra.error ?? 'unknown error'}`
        : `record ${recordId} ${outcome}`,
      {
        recordId,
        targetId: extra.targetId ?? null,
        payload: { ...extra.payload, outcome, ...(failed ? { error: extra.error } : {}) },
      },
      db,
    );
    const key = OUTCOME_COUNT[outcome];
    if (key) await this.commit({ counts: { [key]: 1 } }, db);
    if (failed) {
      this.emit('record.failed', {
        runId: this.id,
        orgId: this.orgId,
        recordId,
        targetId: extra.targetId ?? null,
        error: extra.error ?? 'unknown error',
      });
    }
  }

  /**
   * Runs `work` once per target, at most `concurrency` at a time, each in a child run of its own: a target
   * that fails is recorded as failed and never stops the others. The parent's counts add the children's.
   */
  async fanOut<T>(
    targets: string[],
    options: { concurrency: number; signal?: AbortSignal },
    work: (target: string, child: RunContext, signal: AbortSignal) => Promise<T>,
  ): Promise<Array<FanOutResult<T>>> {
    const runs = new RunRepository(this.store.db);
    const results: Array<FanOutResult<T>> = new Array(targets.length);
    let next = 0;
    const signal = options.signal ?? new AbortController().signal;
    const lane = async () => {
      while (next < targets.length && !signal.aborted) {
        const index = next++;
        const target = targets[index]!;
        const childRun = await runs.create(this.orgId, {
          syncId: this.syncId,
          parentRunId: this.id,
          kind: this.kind,
          target,
          trigger: this.trigger as Run['trigger'],
          params: this.params,
          status: 'running',
          dryRun: this.dryRun,
        });
        const child = new RunContext(this.store, { ...childRun, attempt: this.attempt }, this.emit);
        const started = Date.now();
        try {
          const value = await work(target, child, signal);
          await runs.finish(child.id, { status: 'success' });
          results[index] = { target, runId: child.id, ok: true, value };
          this.finished(child, 'success', null, started);
        } catch (error) {
          const message = errorMessage(error);
          await child
            .log('error', `target ${target} failed: ${message}`, { targetId: target })
            .catch(() => undefined);
          await runs.finish(child.id, { status: 'failed', error: message });
          await this.log('error', `target ${target} failed: ${message}`, { targetId: target });
          results[index] = { target, runId: child.id, ok: false, error: message };
          this.finished(child, 'failed', message, started);
        }
        await this.commit({ counts: child.counts });
      }
    };
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency, targets.length)) }, lane),
    );
    return results.filter(Boolean);
  }

  private finished(
    child: RunContext,
    status: 'success' | 'failed',
    error: string | null,
    started: number,
  ): void {
    this.emit('run.finished', {
      runId: child.id,
      orgId: child.orgId,
      syncId: child.syncId,
      status,
      error,
      stalled: false,
      durationMs: Date.now() - started,
      continuationRunId: null,
    });
  }
}
