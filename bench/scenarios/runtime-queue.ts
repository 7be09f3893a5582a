/**
 * @module Runtime benchmark scenarios, as standalone functions a harness can call. Each returns one sample of
 * its figures; the runner (bench/runtime.ts) repeats them and reports median/min/max.
 * - `noopThroughput`: N no-op jobs enqueued up front, then drained by one worker through the whole runtime
 *   (queue back end + worker + handler registry); jobs/s from the first claim to the last completion.
 * - `enqueueToStart`: jobs enqueued one at a time to an idle worker; the delay until each starts (p50, p99).
 * - `graphileDirect`: the same two measures with graphile-worker used directly (the ceiling on Postgres).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger, makeWorkerUtils, run as runGraphile, type Runner } from 'graphile-worker';
import pg from 'pg';
import { createQueue } from '../../src/runtime/queue/create-queue.js';
import { HandlerRegistry } from '../../src/runtime/handlers.js';
import { Worker } from '../../src/runtime/worker.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import type { DatabaseTarget } from '../../src/config/config.js';
import type { Queue } from '../../src/runtime/queue/queue.js';

export type Backend = 'sqlite' | 'postgres';

export interface Sample {
  [figure: string]: number;
}

interface Env {
  store: Store;
  queue: Queue;
  target: DatabaseTarget;
  url: string | undefined;
  workerSchema: string | undefined;
  dispose(): Promise<void>;
}

async function openEnv(backend: Backend, pgUrl: string | undefined): Promise<Env> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-bench-'));
    const target: DatabaseTarget = { dialect: 'sqlite', file: path.join(dir, 'bench.db') };
    const store = await openDatabase(target);
    await migrateToLatest(store.db as never, 'sqlite');
    const queue = await createQueue(store, target);
    return {
      store,
      queue,
      target,
      url: undefined,
      workerSchema: undefined,
      dispose: async () => {
        await queue.close();
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!pgUrl) throw new Error('set DATASYNC_BENCH_PG_URL (or DATASYNC_TEST_PG_URL) for Postgres scenarios');
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(pgUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const target: DatabaseTarget = { dialect: 'postgres', url: pgUrl };
  const store = await openDatabase(target, { schema });
  await migrateToLatest(store.db as never, 'postgres');
  // graphile-worker's schema, for the graphile-direct peer only.
  const workerSchema = `${schema}_gw`;
  const queue = await createQueue(store, target, { connectionString: url.toString() });
  return {
    store,
    queue,
    target,
    url: url.toString(),
    workerSchema,
    dispose: async () => {
      await queue.close();
      await store.close();
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(
        `drop schema if exists "${schema}" cascade; drop schema if exists "${workerSchema}" cascade`,
      );
      await client.end();
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Resolves after `n` calls of the returned `tick`. */
function countdown(n: number) {
  let left = n;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return {
    done,
    tick() {
      if (--left === 0) resolve();
    },
  };
}

export interface ThroughputParams {
  backend: Backend;
  jobs: number;
  concurrency: number;
  batchSize: number;
  pgUrl?: string;
}

export async function noopThroughput(params: ThroughputParams): Promise<Sample> {
  const env = await openEnv(params.backend, params.pgUrl);
  try {
    const chunk = 1000;
    for (let i = 0; i < params.jobs; i += chunk) {
      await env.store.db.transaction().execute(async (trx) => {
        for (let j = i; j < Math.min(params.jobs, i + chunk); j++) {
          await env.queue.enqueue(trx, { type: 'bench.noop', payload: { j } });
        }
      });
    }
    const finished = countdown(params.jobs);
    const registry = new HandlerRegistry().register('bench.noop', async () => finished.tick());
    const worker = new Worker(
      { store: env.store, queue: env.queue, registry },
      { concurrency: params.concurrency, batchSize: params.batchSize, pollMs: 20 },
    );
    const start = performance.now();
    await worker.start();
    await finished.done;
    const seconds = (performance.now() - start) / 1000;
    await worker.stop();
    return { jobsPerSecond: params.jobs / seconds };
  } finally {
    await env.dispose();
  }
}

export interface LatencyParams {
  backend: Backend;
  samples: number;
  /** Pause between enqueues, so each finds an idle worker. */
  gapMs: number;
  pgUrl?: string;
}

export async function enqueueToStart(params: LatencyParams): Promise<Sample> {
  const env = await openEnv(params.backend, params.pgUrl);
  try {
    const delays: number[] = [];
    let started: ((at: number) => void) | undefined;
    const registry = new HandlerRegistry().register('bench.noop', async () => started?.(performance.now()));
    const worker = new Worker({ store: env.store, queue: env.queue, registry }, { concurrency: 4 });
    await worker.start();
    for (let i = 0; i < params.samples; i++) {
      const startedAt = new Promise<number>((resolve) => (started = resolve));
      const enqueuedAt = performance.now();
      await env.queue.enqueue(env.store.db, { type: 'bench.noop', payload: { i } });
      delays.push((await startedAt) - enqueuedAt);
      await new Promise((r) => setTimeout(r, params.gapMs));
    }
    await worker.stop();
    delays.sort((a, b) => a - b);
    return { p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99) };
  } finally {
    await env.dispose();
  }
}

export interface GraphileParams {
  jobs: number;
  concurrency: number;
  localQueueSize: number;
  latencySamples: number;
  gapMs: number;
  pgUrl?: string;
}

/** graphile-worker alone: add_jobs in bulk, a noop task, the same counters. */
export async function graphileDirect(params: GraphileParams): Promise<Sample> {
  const env = await openEnv('postgres', params.pgUrl);
  const pool = new pg.Pool({ connectionString: env.url, max: 10 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  let runner: Runner | undefined;
  try {
    const utils = await makeWorkerUtils({ pgPool: pool, schema: env.workerSchema! });
    for (let i = 0; i < params.jobs; i += 1000) {
      const n = Math.min(1000, params.jobs - i);
      await utils.addJobs(
        Array.from({ length: n }, (_, j) => ({ identifier: 'noop', payload: { j: i + j } })),
      );
    }
    let finished = countdown(params.jobs);
    let started: ((at: number) => void) | undefined;
    const start = performance.now();
    runner = await runGraphile({
      pgPool: pool,
      schema: env.workerSchema!,
      concurrency: params.concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger: new Logger(() => () => undefined),
      taskList: {
        noop: async () => {
          finished.tick();
          started?.(performance.now());
        },
      },
      preset: { worker: { localQueue: { size: params.localQueueSize }, completeJobBatchDelay: 0 } },
    });
    await finished.done;
    const jobsPerSecond = params.jobs / ((performance.now() - start) / 1000);
    finished = countdown(Number.MAX_SAFE_INTEGER);
    const delays: number[] = [];
    for (let i = 0; i < params.latencySamples; i++) {
      const startedAt = new Promise<number>((resolve) => (started = resolve));
      const enqueuedAt = performance.now();
      await utils.addJob('noop', { i });
      delays.push((await startedAt) - enqueuedAt);
      await new Promise((r) => setTimeout(r, params.gapMs));
    }
    delays.sort((a, b) => a - b);
    await utils.release();
    return { jobsPerSecond, p50Ms: percentile(delays, 50), p99Ms: percentile(delays, 99) };
  } finally {
    await runner?.stop();
    await pool.end();
    await env.dispose();
  }
}
