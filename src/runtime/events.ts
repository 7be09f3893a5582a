/**
 * @module The worker's typed event stream. Run logs, the live log stream (SSE) and metrics all read this one
 * stream, so what an operator sees, what is stored and what is counted cannot disagree.
 */
import { EventEmitter } from 'node:events';
import type { RunStatus } from '../store/schema.js';
import type { RunCounts } from '../store/repositories/runs.js';
import type { RunLogLine } from '../store/repositories/run-logs.js';

export interface RuntimeEventMap {
  'run.started': {
    runId: string;
    orgId: string;
    syncId: string | null;
    kind: string;
    attempt: number;
    trigger: string;
  };
  'run.log': { runId: string; orgId: string; line: RunLogLine };
  'batch.committed': { runId: string; orgId: string; counts: RunCounts; checkpoint: unknown };
  'record.failed': { runId: string; orgId: string; recordId: string; targetId: string | null; error: string };
  'ratelimit.wait': { key: string; waitMs: number; runId: string | null };
  'run.finished': {
    runId: string;
    orgId: string;
    syncId: string | null;
    status: RunStatus;
    error: string | null;
    stalled: boolean;
    durationMs: number;
    continuationRunId: string | null;
  };
  'job.retry': { jobId: string; type: string; attempt: number; at: Date; error: string };
  'job.dead': { jobId: string; type: string; attempt: number; error: string };
}

export type RuntimeEventName = keyof RuntimeEventMap;

/** Emits one typed event; handlers get it as their fourth argument. */
export type Emit = <K extends RuntimeEventName>(name: K, event: RuntimeEventMap[K]) => void;

export class RuntimeEvents {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every open SSE stream listens; there is no leak in having many.
    this.emitter.setMaxListeners(0);
  }

  on<K extends RuntimeEventName>(name: K, listener: (event: RuntimeEventMap[K]) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  emit: Emit = (name, event) => {
    // A listener that throws must not break the run that emitted.
    for (const listener of this.emitter.listeners(name)) {
      try {
        (listener as (e: unknown) => void)(event);
      } catch {
        /* listener bugs are theirs */
      }
    }
  };
}
