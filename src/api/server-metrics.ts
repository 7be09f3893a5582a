/**
 * @module The Prometheus registry the server exposes at /metrics: the runtime's counters (runs finished by
 * status, run durations, retries, rate-limit waits; runtime/metrics.ts, fed by the worker's event stream), live
 * gauges read at scrape time (queue depth, runs queued and running), and the webhook receiver's counters.
 * One registry per server, never the global one, so several servers in one test process do not collide.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Store } from '../store/database.js';
import { attachRuntimeMetrics } from '../runtime/metrics.js';
import type { ServerRuntime } from './api-options.js';

export interface ServerMetrics {
  registry: Registry;
  /** Inbound webhooks refused, by connector and reason (bad_signature, stale, replayed, …). */
  webhookRejected: Counter<'connector' | 'reason'>;
  webhookAccepted: Counter<'connector'>;
  /** Stops listening to the runtime's events. */
  detach(): void;
}

export function createServerMetrics(store: Store, runtime: ServerRuntime | undefined): ServerMetrics {
  const registry = new Registry();
  const webhookRejected = new Counter({
    name: 'datasync_webhook_verification_failures_total',
    help: 'Inbound webhooks rejected (forged, stale, replayed, malformed)',
    labelNames: ['connector', 'reason'] as const,
    registers: [registry],
  });
  const webhookAccepted = new Counter({
    name: 'datasync_webhooks_accepted_total',
    help: 'Inbound webhooks verified, stored and enqueued',
    labelNames: ['connector'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'datasync_runs_active',
    help: 'Runs queued or running now, by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await store.db
        .selectFrom('runs')
        .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('status', 'in', ['queued', 'running'])
        .groupBy('status')
        .execute();
      this.reset();
      this.set({ status: 'queued' }, 0);
      this.set({ status: 'running' }, 0);
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  });
  let detach = () => {};
  if (runtime) {
    const queue = runtime.queue;
    new Gauge({
      name: 'datasync_queue_depth',
      help: 'Jobs queued or running',
      registers: [registry],
      async collect() {
        this.set(await queue.pending());
      },
    });
    detach = attachRuntimeMetrics(runtime.events, registry);
  }
  return { registry, webhookRejected, webhookAccepted, detach };
}
