/**
 * Runs the runtime's benchmark scenarios and writes bench/results/runtime-<timestamp>.json in the shape the
 * bench harness reads: [{ scenario, params, figures: { name: { median, min, max, unit } } }].
 *
 *   npx tsx bench/runtime.ts                 # SQLite, plus Postgres when DATASYNC_BENCH_PG_URL/DATASYNC_TEST_PG_URL is set
 *   BENCH_REPEAT=5 BENCH_JOBS=20000 npx tsx bench/runtime.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { enqueueToStart, graphileDirect, noopThroughput, type Sample } from './scenarios/runtime-queue.js';

export interface Figure {
  median: number;
  min: number;
  max: number;
  unit: string;
  /** Every run's value, in run order. */
  values: number[];
}

export interface ScenarioResult {
  scenario: string;
  params: Record<string, unknown>;
  figures: Record<string, Figure>;
}

const UNITS: Record<string, string> = { jobsPerSecond: 'jobs/s', p50Ms: 'ms', p99Ms: 'ms' };

export async function measure(
  scenario: string,
  params: Record<string, unknown>,
  repeat: number,
  sample: () => Promise<Sample>,
): Promise<ScenarioResult> {
  const samples: Sample[] = [];
  for (let i = 0; i < repeat; i++) samples.push(await sample());
  const figures: Record<string, Figure> = {};
  for (const name of Object.keys(samples[0] ?? {})) {
    const raw = samples.map((s) => s[name]!);
    const values = [...raw].sort((a, b) => a - b);
    figures[name] = {
      values: raw,
      median: values[Math.floor(values.length / 2)]!,
      min: values[0]!,
      max: values[values.length - 1]!,
      unit: UNITS[name] ?? '',
    };
  }
  return { scenario, params, figures };
}

export async function runRuntimeBenchmarks(runs?: number, pgUrlOverride?: string): Promise<ScenarioResult[]> {
  const repeat = runs ?? Number(process.env.BENCH_REPEAT ?? 3);
  const jobs = Number(process.env.BENCH_JOBS ?? 5000);
  const pgUrl = pgUrlOverride ?? process.env.DATASYNC_BENCH_PG_URL ?? process.env.DATASYNC_TEST_PG_URL;
  const latency = { samples: 200, gapMs: 5 };
  const results: ScenarioResult[] = [];
  const backends = pgUrl ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const);
  for (const backend of backends) {
    const t = { backend, jobs, concurrency: 10, batchSize: 50 };
    results.push(
      await measure(`runtime.noop-throughput.${backend}`, t, repeat, () =>
        noopThroughput({ ...t, ...(pgUrl ? { pgUrl } : {}) }),
      ),
    );
    const l = { backend, ...latency };
    results.push(
      await measure(`runtime.enqueue-to-start.${backend}`, l, repeat, () =>
        enqueueToStart({ ...l, ...(pgUrl ? { pgUrl } : {}) }),
      ),
    );
  }
  if (pgUrl) {
    const g = {
      jobs,
      concurrency: 10,
      localQueueSize: 50,
      latencySamples: latency.samples,
      gapMs: latency.gapMs,
    };
    results.push(await measure('runtime.graphile-direct', g, repeat, () => graphileDirect({ ...g, pgUrl })));
  }
  return results;
}

function print(results: ScenarioResult[]): void {
  for (const r of results) {
    const figures = Object.entries(r.figures)
      .map(
        ([name, f]) =>
          `${name} ${f.median.toFixed(1)} ${f.unit} (min ${f.min.toFixed(1)}, max ${f.max.toFixed(1)})`,
      )
      .join('; ');
    console.log(`${r.scenario.padEnd(36)} ${figures}`);
  }
}

const isMain =
  process.argv[1] && path.resolve(process.argv[1]).replace(/\.ts$/, '') === path.resolve('bench/runtime');
if (isMain) {
  const results = await runRuntimeBenchmarks();
  print(results);
  const dir = path.resolve('bench/results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `runtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${file}`);
}
