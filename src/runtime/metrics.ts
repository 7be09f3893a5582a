/**
 * @module Prometheus metrics for the runtime, read from the worker's event stream (the same stream the logs
 * and the live view read).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { RuntimeEvents } from './events.js';

export function attachRuntimeMetrics(events: RuntimeEvents, registry: Registry): () => void {
  const finished = new Counter({
    name: 'datasync_runs_finished_total',
    help: 'Runs that reached a final status',
    labelNames: ['status', 'stalled'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'datasync_run_duration_seconds',
    help: 'Run attempt duration',
    buckets: [0.05, 0.25, 1, 5, 15, 55, 300],
    registers: [registry],
  });
  const retries = new Counter({
    name: 'datasync_job_retries_total',
    help: 'Job retries',
    registers: [registry],
  });
  const dead = new Counter({
    name: 'datasync_jobs_dead_total',
    help: 'Dead-lettered jobs',
    registers: [registry],
  });
  const recordFailures = new Counter({
    name: 'datasync_record_failures_total',
    help: 'Records that failed within a run',
    registers: [registry],
  });
  const waits = new Counter({
    name: 'datasync_rate_limit_wait_seconds_total',
    help: 'Time spent waiting for rate-limit tokens',
    registers: [registry],
  });
  const offs = [
    events.on('run.finished', (e) => {
      finished.inc({ status: e.status, stalled: String(e.stalled) });
      duration.observe(e.durationMs / 1000);
    }),
    events.on('job.retry', () => retries.inc()),
    events.on('job.dead', () => dead.inc()),
    events.on('record.failed', () => recordFailures.inc()),
    events.on('ratelimit.wait', (e) => waits.inc(e.waitMs / 1000)),
  ];
  return () => offs.forEach((off) => off());
}
