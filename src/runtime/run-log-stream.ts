/**
 * @module Follows a run's log lines as they are written: an async iterator that first replays what is stored
 * after `afterId` (so a client that reconnects with its last-seen id misses nothing and sees nothing twice),
 * then waits for more. In the worker's process it wakes on the `run.log` event; elsewhere (an API server beside
 * separate workers) it re-reads every `pollMs`. It ends once the run is final and every line has been read.
 */
import type { Store } from '../store/database.js';
import { RunLogRepository, type RunLogLine } from '../store/repositories/run-logs.js';
import { RunRepository, isFinalStatus } from '../store/repositories/runs.js';
import type { RuntimeEvents } from './events.js';
import { Waker } from './sleep.js';

export interface RunLogStreamOptions {
  afterId?: number;
  signal?: AbortSignal;
  /** The in-process event stream, when the worker runs here. */
  events?: RuntimeEvents;
  /** Re-read interval when no event says there is more. Default 1 s. */
  pollMs?: number;
}

export async function* streamRunLogs(
  store: Store,
  orgId: string,
  runId: string,
  options: RunLogStreamOptions = {},
): AsyncGenerator<RunLogLine> {
  const logs = new RunLogRepository(store.db);
  const runs = new RunRepository(store.db);
  const waker = new Waker();
  const off = [
    options.events?.on('run.log', (e) => e.runId === runId && waker.wake()),
    options.events?.on('run.finished', (e) => e.runId === runId && waker.wake()),
  ];
  const onAbort = () => waker.wake();
  options.signal?.addEventListener('abort', onAbort);
  let last = options.afterId ?? 0;
  try {
    for (;;) {
      if (options.signal?.aborted) return;
      // Read the status before the lines: a run seen final here has written all its lines already.
      const run = await runs.get(orgId, runId);
      if (!run) return;
      let lines = await logs.after(orgId, runId, last);
      while (lines.length > 0) {
        for (const line of lines) {
          last = line.id;
          yield line;
        }
        lines = await logs.after(orgId, runId, last);
      }
      if (isFinalStatus(run.status)) return;
      await waker.wait(options.pollMs ?? 1000);
    }
  } finally {
    for (const o of off) o?.();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
