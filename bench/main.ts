/**
 * Engine benchmarks. `npm run bench` runs every scenario; `npm run bench -- <scenario> [--runs N] [--n N]
 * [--dialect sqlite|postgres]` runs one. Each measured sync runs in a child process (bench/child.ts) so its peak
 * RSS is its own. Each scenario prints a table and writes bench/results/<scenario>-<time>.json with parameters,
 * figures (median, min, max over the runs) and machine info. Beside every figure is a storage ceiling: bare
 * batched inserts of as many rows into the same database, so the engine's cost reads as a ratio.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { SecretBox } from '../src/lib/crypto/secret-box.js';
import { openDatabase, type Store } from '../src/store/database.js';
import { migrateToLatest } from '../src/store/migrator.js';
import { createRepositories, type Repositories } from '../src/store/repositories/index.js';
import { runRuntimeBenchmarks } from './runtime.js';
import type { SyncDefinitionInput } from '../src/engine/definition.js';
import { definition, row, seedLinked, seedRecords, toB } from './seed.js';
import { outboxPush } from './scenarios/outbox-push.js';
import { webhookIngest } from './scenarios/webhook-ingest.js';
import { coldStartDemo, fanOut } from './scenarios/syndication.js';
import { socialTick } from './scenarios/social-tick.js';
import { adServerImport } from './scenarios/adserver-import.js';
import { rateLimitedPush } from './scenarios/rate-limited-push.js';
import {
  PACED_PLATFORMS,
  PLATFORM_CEILINGS,
  platformPacing,
  type PacedPlatform,
} from './scenarios/platform-pacing.js';
import { request } from 'undici';
import { startHubSpotSimulator } from '../src/simulators/hubspot/hubspot-simulator.js';

const run = promisify(execFile);
const PG_URL = process.env.DATASYNC_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface ChildResult {
  outcome: string;
  error?: unknown;
  counts: Record<string, number>;
  traffic: { a: { read: number; written: number }; b: { read: number; written: number } };
  ms: number;
  peakRssMb: number;
}

interface Env {
  store: Store;
  repos: Repositories;
  orgId: string;
  target: string;
  schema: string;
  dispose(): Promise<void>;
}

async function openEnv(dialect: 'sqlite' | 'postgres'): Promise<Env> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-bench-'));
  let store: Store;
  let target: string;
  let schema = '-';
  if (dialect === 'sqlite') {
    target = path.join(dir, 'bench.db');
    store = await openDatabase({ dialect: 'sqlite', file: target });
  } else {
    target = PG_URL;
    schema = `t_${Math.floor(Date.now() / 1000)}_bench_${randomBytes(3).toString('hex')}`;
    store = await openDatabase({ dialect: 'postgres', url: PG_URL }, { schema });
  }
  await migrateToLatest(store.db as never, store.dialect);
  const repos = createRepositories(store.db, new SecretBox(randomBytes(32)));
  const org = await repos.organizations.create({ name: 'bench', slug: `bench-${Date.now()}` });
  return {
    store,
    repos,
    orgId: org.id,
    target,
    schema,
    dispose: async () => {
      await store.close();
      if (dialect === 'postgres') {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function measure(env: Env, syncId: string): Promise<ChildResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join('bench', 'child.ts'), env.target, env.schema, env.orgId, syncId],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult;
  if (result.outcome !== 'success')
    throw new Error(`sync run ${result.outcome}: ${JSON.stringify(result.error)}`);
  return result;
}

interface PeerResult {
  ms: number;
  peakRssMb: number;
  changed?: number;
  conflicts?: number;
}

/** A peer (bench/peers/<name>.ts) on the same records, in its own process so its peak RSS is its own. */
async function peer(
  name: 'rxdb' | 'pouchdb',
  scenario: 'one-way' | 'two-way',
  n: number,
): Promise<PeerResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join('bench', 'peers', `${name}.ts`), scenario, String(n)],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as PeerResult;
}

/**
 * RxDB and PouchDB doing what one run of the scenario did (`moved` records): records/s, peak RSS MB, each, then
 * their durations in ms. BENCH_PEERS=0 leaves them out.
 */
async function peerFigures(scenario: 'one-way' | 'two-way', n: number, moved: number): Promise<number[]> {
  if (process.env.BENCH_PEERS === '0') return [NaN, NaN, NaN, NaN, NaN, NaN];
  const rx = await peer('rxdb', scenario, n);
  const pouch = await peer('pouchdb', scenario, n);
  return [moved / (rx.ms / 1000), rx.peakRssMb, moved / (pouch.ms / 1000), pouch.peakRssMb, rx.ms, pouch.ms];
}

/** Bare batched inserts of `count` rows into a fresh collection: the storage ceiling, in ms. */
async function ceiling(env: Env, count: number): Promise<number> {
  const col = await env.repos.collections.create(env.orgId, {
    key: `ceiling-${Date.now()}-${Math.random()}`,
    name: 'c',
  });
  const started = performance.now();
  const BATCH = 1000;
  for (let i = 0; i < count; i += BATCH) {
    const writes: { data: Record<string, unknown> }[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) writes.push({ data: toB(row(j)) });
    await env.store.db
      .transaction()
      .execute((trx) =>
        createRepositories(trx, new SecretBox(randomBytes(32))).records.writeMany(env.orgId, col.id, writes),
      );
  }
  return performance.now() - started;
}

async function allIds(env: Env, collectionId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.repos.records.list(env.orgId, collectionId, { cursor, limit: 5000 });
    ids.push(...page.data.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return ids;
}

function pick(count: number, total: number, exclude = new Set<number>()): number[] {
  const out = new Set<number>();
  while (out.size < count) {
    const i = Math.floor(Math.random() * total);
    if (!exclude.has(i)) out.add(i);
  }
  return [...out];
}

async function touch(
  env: Env,
  collectionId: string,
  ids: string[],
  indices: number[],
  salt: string,
  side: 'a' | 'b',
) {
  for (let i = 0; i < indices.length; i += 1000) {
    const writes = indices.slice(i, i + 1000).map((k) => {
      const data = row(k, salt);
      return { id: ids[k]!, data: side === 'a' ? data : toB(data) };
    });
    await env.store.db
      .transaction()
      .execute((trx) =>
        createRepositories(trx, new SecretBox(randomBytes(32))).records.writeMany(
          env.orgId,
          collectionId,
          writes,
        ),
      );
  }
}

/** Writes `make(i)` over the records at `indices` (whole data), in batches. */
async function write(
  env: Env,
  collectionId: string,
  ids: string[],
  indices: number[],
  make: (i: number) => Record<string, unknown>,
) {
  for (let i = 0; i < indices.length; i += 1000) {
    const writes = indices.slice(i, i + 1000).map((k) => ({ id: ids[k]!, data: make(k) }));
    await env.store.db
      .transaction()
      .execute((trx) =>
        createRepositories(trx, new SecretBox(randomBytes(32))).records.writeMany(
          env.orgId,
          collectionId,
          writes,
        ),
      );
  }
}

/** Throws unless every record at `indices` holds exactly `expected(i)`. */
async function expectData(
  env: Env,
  collectionId: string,
  ids: string[],
  indices: number[],
  expected: (i: number) => Record<string, unknown>,
  what: string,
) {
  for (let i = 0; i < indices.length; i += 1000) {
    const slice = indices.slice(i, i + 1000);
    const found = new Map(
      (
        await env.repos.records.getMany(
          env.orgId,
          collectionId,
          slice.map((k) => ids[k]!),
        )
      ).map((r) => [r.id, r.data]),
    );
    for (const k of slice) {
      const want = JSON.stringify(expected(k));
      const got = JSON.stringify(found.get(ids[k]!));
      if (got !== want) throw new Error(`${what}: record ${k} holds ${got}, expected ${want}`);
    }
  }
}

async function openConflicts(env: Env, syncId: string): Promise<number> {
  const row = await env.store.db
    .selectFrom('conflicts')
    .select((eb) => eb.fn.countAll().as('c'))
    .where('org_id', '=', env.orgId)
    .where('sync_id', '=', syncId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(row?.c ?? 0);
}

interface Figure {
  name: string;
  unit: string;
  values: number[];
}

function stats(values: number[]) {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

interface Options {
  runs: number;
  dialect: 'sqlite' | 'postgres';
  n: number | undefined;
  /** `platform-pacing` only: one platform instead of all. */
  platform: string | undefined;
}

type Scenario = (options: Options) => Promise<{ parameters: Record<string, unknown>; figures: Figure[] }>;

const scenarios: Record<string, Scenario> = {
  /**
   * The job queue: no-op jobs/s and enqueue-to-start latency on SQLite and Postgres, beside graphile-worker
   * driven directly (the ceiling). See bench/runtime.ts.
   */
  'runtime-queue': async (o) => {
    const results = await runRuntimeBenchmarks(o.runs, PG_URL);
    const out: Figure[] = [];
    for (const r of results) {
      for (const [name, f] of Object.entries(r.figures)) {
        out.push({ name: `${r.scenario.replace(/^runtime\./, '')} ${name}`, unit: f.unit, values: f.values });
      }
    }
    return { parameters: Object.fromEntries(results.map((r) => [r.scenario, r.params])), figures: out };
  },
  /**
   * Signed webhooks POSTed over loopback HTTP while the worker processes them: ack latency with 1 sender and
   * with 16 in flight at once (a burst).
   */
  'webhook-ingest': async (o) => {
    const n = o.n ?? 3000;
    const levels = [1, 16];
    const f = figures(
      levels.flatMap((c) => [
        `ack p50 (${c} in flight) ms`,
        `ack p99 (${c} in flight) ms`,
        `acks/s (${c} in flight) /s`,
      ]),
    );
    for (let r = 0; r < o.runs; r++) {
      const values: number[] = [];
      for (const concurrency of levels) {
        const s = await webhookIngest({ dialect: o.dialect, n, concurrency, pgUrl: PG_URL });
        if (s.stored !== n) throw new Error(`stored ${s.stored} events of ${n}`);
        values.push(s.p50, s.p99, s.perSecond);
      }
      add(f, values);
    }
    return { parameters: { n, dialect: o.dialect }, figures: f };
  },
  /**
   * The outbox: a post written through the API → on the Synup simulator, one write at a time (idle machine).
   */
  'outbox-push': async (o) => {
    const n = o.n ?? 50;
    const f = figures(['write → on Synup p50 ms', 'write → on Synup p99 ms', 'write → on Synup max ms']);
    for (let r = 0; r < o.runs; r++) {
      const s = await outboxPush({ dialect: o.dialect, n, pgUrl: PG_URL });
      if (s.failedRuns > 0) throw new Error(`${s.failedRuns} event runs did not succeed`);
      add(f, [s.p50, s.p99, s.max]);
    }
    return { parameters: { n, dialect: o.dialect, platform: 'synup (10 requests/s)' }, figures: f };
  },
  /**
   * Syndication (SQLite): the seeded demo (3 sites × 3 items) from a cold `datasync start` to the run finished,
   * then one fan-out run of 100 sites × 1,000 items (`--n` sets the sites) through the app runtime.
   */
  syndication: async (o) => {
    const sites = o.n ?? 100;
    const items = 1000;
    const cold = figures(['cold start → run finished ms', 'cold start → listening ms', 'demo run ms']);
    const fan = figures([
      `${sites}×${items} job ms`,
      `${sites}×${items} deliveries/s`,
      `${sites}×${items} items/s`,
    ]);
    for (let r = 0; r < o.runs; r++) {
      const c = await coldStartDemo();
      add(cold, [c['start → run finished ms']!, c['start → listening ms']!, c['run duration ms']!]);
      const f = await fanOut(sites, items);
      add(fan, [f['job ms']!, f['deliveries/s']!, f['items delivered/s']!]);
    }
    return {
      parameters: { demo: '3 sites × 3 items', sites, items, dialect: 'sqlite' },
      figures: [...cold, ...fan],
    };
  },
  /**
   * Social polling: one tick over 1,000 simulated accounts (`--n`), half Instagram, half TikTok, against the
   * simulators with their rate limits on; wall time, accounts/s and the tick's outcome counts.
   */
  'social-tick': async (o) => {
    const accounts = o.n ?? 1000;
    const concurrency = 16;
    const f = figures([
      'tick wall ms',
      'accounts synced/s',
      'accounts synced',
      'accounts pending (budget)',
      'accounts failed',
      'posts synced',
    ]);
    for (let r = 0; r < o.runs; r++) {
      const s = await socialTick({ dialect: o.dialect, accounts, concurrency, pgUrl: PG_URL });
      add(f, [s.wallMs, s.accountsPerSecond, s.synced, s.pending, s.failed, s.postsSynced]);
    }
    return {
      parameters: {
        accounts,
        split: 'half instagram (200 calls/h per account), half tiktok (600 calls/min per app)',
        postsPerAccount: 10,
        concurrency,
        tickBudgetMs: 55_000,
        dialect: o.dialect,
      },
      figures: f,
    };
  },
  /**
   * A full ad server import of a seeded Broadstreet account (10,000 entities; `--n`) against the simulator's
   * 10 requests/s: throughput as a share of the ceiling, rate × mean list size (Broadstreet does not paginate).
   */
  'adserver-import': async (o) => {
    const n = o.n ?? 10_000;
    const rate = 10;
    const f = figures([
      'wall time s',
      'entities/s',
      'requests',
      '429s',
      'fewest requests',
      'ceiling entities/s',
      'share of ceiling %',
    ]);
    let entities = 0;
    for (let r = 0; r < o.runs; r++) {
      const s = await adServerImport({ dialect: o.dialect, n, rate, pgUrl: PG_URL });
      entities = s.entities;
      add(f, [
        s.seconds,
        s.entitiesPerSecond,
        s.requests,
        s.rejected,
        s.minRequests,
        s.ceilingPerSecond,
        s.shareOfCeiling * 100,
      ]);
    }
    return { parameters: { n, entities, rate, dialect: o.dialect }, figures: f };
  },
  /**
   * n records (`--n`, default 1,200: ~24 s at the ceiling) pushed to the Airtable simulator at 5 requests/s
   * with batches of 10, through a real sync.run job: throughput as a share of the ceiling (5 × 10 = 50
   * records/s) and the 429s received. See bench/scenarios/rate-limited-push.ts.
   */
  'rate-limited-push': async (o) => {
    const n = o.n ?? 1200;
    const f = figures([
      'wall time s',
      'records/s',
      'share of ceiling %',
      'requests',
      'requests/s',
      '429s',
      'job retries',
      'run duration s',
    ]);
    for (let r = 0; r < o.runs; r++) {
      const s = await rateLimitedPush({ dialect: o.dialect, n, pgUrl: PG_URL });
      add(f, [
        s.seconds,
        s.recordsPerSecond,
        s.shareOfCeiling * 100,
        s.requests,
        s.requestsPerSecond,
        s.rejected,
        s.retries,
        s.runSeconds,
      ]);
    }
    return {
      parameters: {
        n,
        platform: 'airtable simulator (loopback HTTP), 5 requests/s per base, 30 s lockout after a 429',
        batch: 10,
        ceilingRecordsPerSecond: 50,
        dialect: o.dialect,
      },
      figures: f,
    };
  },
  /**
   * Per platform (`--platform` for one), a two-way sync whose first run creates n records (`--n`, default per
   * platform: 10,000 for Airtable and HubSpot, 300 for Notion, 1,000 for Synup, each minutes at the ceiling) on
   * the empty simulator at its documented limit: records/s as a share of the ceiling (rate × batch), requests
   * over the limit and failed runs. See bench/scenarios/platform-pacing.ts.
   */
  'platform-pacing': async (o) => {
    const chosen = o.platform ? [o.platform] : [...PACED_PLATFORMS];
    for (const p of chosen)
      if (!(PACED_PLATFORMS as readonly string[]).includes(p))
        throw new Error(`--platform must be one of ${PACED_PLATFORMS.join(', ')}, not "${p}"`);
    const platforms = chosen as PacedPlatform[];
    const f = figures(
      platforms.flatMap((p) => [
        `${p} wall time s`,
        `${p} records/s`,
        `${p} share of ceiling %`,
        `${p} requests`,
        `${p} requests over the limit`,
        `${p} failed runs`,
        `${p} runs`,
        `${p} next run s`,
        `${p} next run requests`,
        `${p} next run writes`,
      ]),
    );
    const ns = Object.fromEntries(platforms.map((p) => [p, o.n ?? PLATFORM_CEILINGS[p].defaultN]));
    for (let r = 0; r < o.runs; r++) {
      const row: number[] = [];
      for (const platform of platforms) {
        const s = await platformPacing({ platform, dialect: o.dialect, n: ns[platform]!, pgUrl: PG_URL });
        row.push(
          s.seconds,
          s.recordsPerSecond,
          s.shareOfCeiling * 100,
          s.requests,
          s.overLimit,
          s.failedRuns,
          s.runs,
          s.nextRunSeconds,
          s.nextRunRequests,
          s.nextRunWrites,
        );
      }
      add(f, row);
    }
    return {
      parameters: {
        n: ns,
        dialect: o.dialect,
        ceilings: Object.fromEntries(
          platforms.map((p) => {
            const c = PLATFORM_CEILINGS[p];
            return [p, `${c.limit}; ${c.batch} per request = ${c.requestsPerSecond * c.batch} records/s`];
          }),
        ),
      },
      figures: f,
    };
  },
  /** 100k records pushed into an empty collection: a first sync (every record created, linked, committed). */
  'one-way-100k': async (o) => {
    const n = o.n ?? 100_000;
    const env = await openEnv(o.dialect);
    try {
      const source = await env.repos.collections.create(env.orgId, { key: 'source', name: 'source' });
      await seedRecords(env.repos, env.orgId, source.id, n, (i) => row(i));
      const f = figures([
        'records/s',
        'records read',
        'records written',
        'peak RSS MB',
        'ceiling rows/s',
        'ratio to ceiling',
        'sync ms',
        'RxDB records/s',
        'RxDB peak RSS MB',
        'PouchDB records/s',
        'PouchDB peak RSS MB',
      ]);
      for (let r = 0; r < o.runs; r++) {
        const target = await env.repos.collections.create(env.orgId, { key: `target${r}`, name: 't' });
        const sync = await env.repos.syncs.create(env.orgId, {
          name: `one-way-${r}`,
          definition: definition('incremental', 'push', 'source', target.key),
        });
        const res = await measure(env, sync.id);
        const ceil = await ceiling(env, n);
        add(f, [
          n / (res.ms / 1000),
          res.traffic.a.read + res.traffic.b.read,
          res.traffic.a.written + res.traffic.b.written,
          res.peakRssMb,
          n / (ceil / 1000),
          ceil / res.ms,
          res.ms,
          ...(await peerFigures('one-way', n, n)).slice(0, 4),
        ]);
      }
      return {
        parameters: {
          records: n,
          direction: 'push',
          mode: 'incremental (first run reads the whole feed)',
          dialect: o.dialect,
        },
        figures: f,
      };
    } finally {
      await env.dispose();
    }
  },

  /** 100k linked records, 1% changed on each side of which 0.5% changed on both (conflicts, local wins). */
  'two-way-100k': async (o) => {
    const n = o.n ?? 100_000;
    const env = await openEnv(o.dialect);
    try {
      const { a, b, syncId } = await linkedPair(env, n, 'incremental', 'two-way');
      const idsA = await allIds(env, a.id);
      const idsB = await allIds(env, b.id);
      const f = figures([
        'changed records/s',
        'records changed',
        'records read',
        'records written',
        'changed on both sides',
        'peak RSS MB',
        'ratio to ceiling',
        'sync ms',
        'RxDB changed records/s',
        'RxDB peak RSS MB',
        'PouchDB changed records/s',
        'PouchDB peak RSS MB',
        'RxDB sync ms',
        'PouchDB sync ms',
      ]);
      for (let r = 0; r < o.runs; r++) {
        const changed = Math.round(n * 0.01);
        const both = Math.round(n * 0.005);
        const onA = pick(changed, n);
        const onB = [...onA.slice(0, both), ...pick(changed - both, n, new Set(onA))];
        await touch(env, a.id, idsA, onA, `-a${r}`, 'a');
        await touch(env, b.id, idsB, onB, `-b${r}`, 'b');
        const res = await measure(env, syncId);
        const distinct = new Set([...onA, ...onB]).size;
        const ceil = await ceiling(env, res.traffic.a.written + res.traffic.b.written);
        add(f, [
          distinct / (res.ms / 1000),
          distinct,
          res.traffic.a.read + res.traffic.b.read,
          res.traffic.a.written + res.traffic.b.written,
          both,
          res.peakRssMb,
          ceil / res.ms,
          res.ms,
          ...(await peerFigures('two-way', n, distinct)),
        ]);
      }
      return {
        parameters: {
          records: n,
          changedEachSide: '1%',
          changedOnBoth: '0.5% (resolved by local_wins)',
          policy: 'local_wins',
          dialect: o.dialect,
        },
        figures: f,
      };
    } finally {
      await env.dispose();
    }
  },

  /**
   * 100k linked records (`--n`), then per run 1% changed on A only, 1% on B only and 0.1% on both, under a
   * policy of newest_wins on `title` and manual on `body`: half of the both-sides changes touch the titles
   * (B, written last, wins), half the bodies (held as Conflicts). The incremental run is measured, then checked:
   * every A-only change is on B, every B-only change on A, the newest title on both, and exactly the expected
   * number of conflicts counted and open. Every run touches records no earlier run touched.
   */
  'two-way-conflicts': async (o) => {
    const n = o.n ?? 100_000;
    const env = await openEnv(o.dialect);
    try {
      const { a, b, syncId } = await linkedPair(env, n, 'incremental', 'two-way', {
        default: { policy: 'local_wins' },
        fields: { title: { policy: 'newest_wins' }, body: { policy: 'manual' } },
      });
      const idsA = await allIds(env, a.id);
      const idsB = await allIds(env, b.id);
      const f = figures([
        'changed records/s',
        'records changed',
        'conflicts',
        'records read',
        'records written',
        'peak RSS MB',
        'sync ms',
      ]);
      const used = new Set<number>();
      for (let r = 0; r < o.runs; r++) {
        const oneSide = Math.max(1, Math.round(n * 0.01));
        const both = Math.max(2, Math.round(n * 0.001));
        const onA = pick(oneSide, n, used);
        onA.forEach((i) => used.add(i));
        const onB = pick(oneSide, n, used);
        onB.forEach((i) => used.add(i));
        const onBoth = pick(both, n, used);
        onBoth.forEach((i) => used.add(i));
        const titles = onBoth.slice(0, Math.floor(both / 2));
        const bodies = onBoth.slice(Math.floor(both / 2));
        const title = (i: number, salt: string) => ({ ...row(i), title: `Title ${i}${salt}` });
        const body = (i: number, salt: string) => ({ ...row(i), body: `Body ${i}${salt}` });
        await write(env, a.id, idsA, onA, (i) => title(i, `-a${r}`));
        await write(env, a.id, idsA, titles, (i) => title(i, `-both-a${r}`));
        await write(env, a.id, idsA, bodies, (i) => body(i, `-both-a${r}`));
        // B is written after A, so newest_wins gives the titles to B.
        await write(env, b.id, idsB, onB, (i) => toB(title(i, `-b${r}`)));
        await write(env, b.id, idsB, titles, (i) => toB(title(i, `-both-b${r}`)));
        await write(env, b.id, idsB, bodies, (i) => toB(body(i, `-both-b${r}`)));
        const conflictsBefore = await openConflicts(env, syncId);
        const res = await measure(env, syncId);
        const changed = onA.length + onB.length + onBoth.length;

        await expectData(env, b.id, idsB, onA, (i) => toB(title(i, `-a${r}`)), 'A-only change on B');
        await expectData(env, a.id, idsA, onB, (i) => title(i, `-b${r}`), 'B-only change on A');
        await expectData(env, a.id, idsA, titles, (i) => title(i, `-both-b${r}`), 'newest title on A');
        await expectData(env, b.id, idsB, titles, (i) => toB(title(i, `-both-b${r}`)), 'newest title on B');
        // Held: neither side is written.
        await expectData(env, a.id, idsA, bodies, (i) => body(i, `-both-a${r}`), 'held conflict on A');
        await expectData(env, b.id, idsB, bodies, (i) => toB(body(i, `-both-b${r}`)), 'held conflict on B');
        const raised = (await openConflicts(env, syncId)) - conflictsBefore;
        if (res.counts.conflicts !== bodies.length || raised !== bodies.length)
          throw new Error(
            `expected ${bodies.length} conflicts; the run counted ${res.counts.conflicts}, ${raised} were raised`,
          );
        add(f, [
          changed / (res.ms / 1000),
          changed,
          res.counts.conflicts!,
          res.traffic.a.read + res.traffic.b.read,
          res.traffic.a.written + res.traffic.b.written,
          res.peakRssMb,
          res.ms,
        ]);
      }
      return {
        parameters: {
          records: n,
          changedOnAOnly: '1%',
          changedOnBOnly: '1%',
          changedOnBoth: '0.1% (half titles: newest_wins; half bodies: manual → Conflicts)',
          policy: 'title newest_wins, body manual, other fields local_wins',
          dialect: o.dialect,
        },
        figures: f,
      };
    } finally {
      await env.dispose();
    }
  },

  'incremental-cursor': async (o) => incremental(o, 'incremental'),
  'incremental-scan': async (o) => incremental(o, 'full'),
  /**
   * A first full pull of 100k HubSpot companies from the simulator over loopback HTTP into an empty collection,
   * beside the HTTP ceiling: the same pages fetched from the same simulator by a bare undici loop (parse, follow
   * `paging.next.after`, nothing else).
   */
  'full-pull-100k': async (o) => {
    const n = o.n ?? 100_000;
    const env = await openEnv(o.dialect);
    const sim = await startHubSpotSimulator({ seedRecords: n, rateLimit: false, searchRateLimit: false });
    const key = randomBytes(32);
    try {
      const connection = await createRepositories(env.store.db, new SecretBox(key)).connections.create(
        env.orgId,
        {
          name: 'hubspot',
          connector: 'hubspot',
          settings: { baseUrl: sim.url, objects: ['companies'] },
          credentials: { token: sim.credentials.token! },
        },
      );
      const f = figures([
        'records/s',
        'sync ms',
        'peak RSS MB',
        'HTTP ceiling records/s',
        'ratio to ceiling',
      ]);
      for (let r = 0; r < o.runs; r++) {
        const target = await env.repos.collections.create(env.orgId, { key: `pulled${r}`, name: 'p' });
        const sync = await env.repos.syncs.create(env.orgId, {
          name: `pull-${r}`,
          definition: {
            a: { connector: 'collection' },
            b: { connectionId: connection.id },
            direction: 'pull',
            mode: 'full',
            batchSize: 1000,
            objects: [
              {
                name: 'companies',
                a: target.key,
                b: 'companies',
                fields: [
                  { a: 'name', b: 'name' },
                  { a: 'domain', b: 'domain' },
                ],
              },
            ],
          },
        });
        process.env.DATASYNC_BENCH_KEY = key.toString('hex');
        const res = await measure(env, sync.id).finally(() => delete process.env.DATASYNC_BENCH_KEY);
        if (res.counts.created !== n) throw new Error(`pulled ${res.counts.created} of ${n}`);
        const ceil = await httpCeiling(sim.url, sim.credentials.token!, n);
        add(f, [n / (res.ms / 1000), res.ms, res.peakRssMb, n / (ceil / 1000), ceil / res.ms]);
      }
      return {
        parameters: {
          records: n,
          platform: 'hubspot simulator (loopback HTTP)',
          pageSize: 100,
          dialect: o.dialect,
        },
        figures: f,
      };
    } finally {
      await sim.close();
      await env.dispose();
    }
  },
};

/**
 * Webhooks at a fixed rate (open loop, `--n` events at 200/s by default, BENCH_WEBHOOK_RATE to change): ack
 * latency from the planned send (p50/p99/p999), received → processed by the worker (p50/p99), and none lost.
 */
scenarios['webhook-fixed-rate'] = async (o) => {
  const n = o.n ?? 3000;
  const rate = Number(process.env.BENCH_WEBHOOK_RATE ?? 200);
  const f = figures([
    'ack p50 ms',
    'ack p99 ms',
    'ack p999 ms',
    'applied p50 ms',
    'applied p99 ms',
    'applied max ms',
    'lost events',
  ]);
  for (let r = 0; r < o.runs; r++) {
    const s = await webhookIngest({ dialect: o.dialect, n, concurrency: 1, rate, pgUrl: PG_URL });
    if (s.stored !== n) throw new Error(`stored ${s.stored} events of ${n}`);
    add(f, [s.p50, s.p99, s.p999, s.applied!.p50, s.applied!.p99, s.applied!.max, n - s.applied!.processed]);
  }
  return { parameters: { n, ratePerSecond: rate, dialect: o.dialect }, figures: f };
};

/** The HTTP ceiling: every page of companies by a bare undici loop; ms. */
async function httpCeiling(base: string, token: string, n: number): Promise<number> {
  const started = performance.now();
  let after: string | undefined;
  let seen = 0;
  do {
    const { body } = await request(
      `${base}/crm/v3/objects/companies?limit=100&properties=name%2Cdomain${after ? `&after=${after}` : ''}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    const page = (await body.json()) as { results: unknown[]; paging?: { next?: { after: string } } };
    seen += page.results.length;
    after = page.paging?.next?.after;
  } while (after);
  if (seen !== n) throw new Error(`ceiling saw ${seen} of ${n}`);
  return performance.now() - started;
}

/** 0.1% of A changed, pushed to B: through A's change cursor, or through a full checksum scan. At 100k and 1M. */
async function incremental(o: Options, mode: 'incremental' | 'full') {
  const sizes = o.n ? [o.n] : [100_000, 1_000_000];
  const f = figures([]);
  for (const n of sizes) {
    const env = await openEnv(o.dialect);
    try {
      const { a, syncId } = await linkedPair(env, n, mode, 'push');
      const ids = await allIds(env, a.id);
      const mine = figures([
        `${n} changed records/s`,
        `${n} scanned records/s`,
        `${n} records changed`,
        `${n} records read`,
        `${n} records written`,
        `${n} peak RSS MB`,
        `${n} ratio to ceiling`,
      ]);
      for (let r = 0; r < o.runs; r++) {
        const changed = Math.max(1, Math.round(n * 0.001));
        await touch(env, a.id, ids, pick(changed, n), `-r${r}`, 'a');
        const res = await measure(env, syncId);
        const read = res.traffic.a.read + res.traffic.b.read;
        const written = res.traffic.a.written + res.traffic.b.written;
        if (mode === 'incremental' && read !== changed)
          throw new Error(`cursor read ${read} records for ${changed} changed`);
        if (written !== changed) throw new Error(`wrote ${written} records for ${changed} changed`);
        const ceil = await ceiling(env, changed);
        add(mine, [
          changed / (res.ms / 1000),
          read / (res.ms / 1000),
          changed,
          read,
          written,
          res.peakRssMb,
          ceil / res.ms,
        ]);
      }
      f.push(...mine);
    } finally {
      await env.dispose();
    }
  }
  return {
    parameters: {
      sizes,
      changed: '0.1%',
      direction: 'push',
      mode: mode === 'full' ? 'full hash scan' : 'cursor',
      dialect: o.dialect,
    },
    figures: f,
  };
}

async function linkedPair(
  env: Env,
  n: number,
  mode: 'incremental' | 'full',
  direction: 'push' | 'two-way',
  conflicts?: SyncDefinitionInput['conflicts'],
) {
  const a = await env.repos.collections.create(env.orgId, { key: 'a', name: 'a' });
  const b = await env.repos.collections.create(env.orgId, { key: 'b', name: 'b' });
  await seedRecords(env.repos, env.orgId, a.id, n, (i) => row(i));
  await seedRecords(env.repos, env.orgId, b.id, n, (i) => toB(row(i)));
  const sync = await env.repos.syncs.create(env.orgId, {
    name: 'bench',
    definition: { ...definition(mode, direction, 'a', 'b'), ...(conflicts ? { conflicts } : {}) },
  });
  await seedLinked(
    env.store.db,
    env.repos,
    env.orgId,
    sync.id,
    { key: 'a', id: a.id },
    { key: 'b', id: b.id },
  );
  return { a, b, syncId: sync.id };
}

function figures(names: string[]): Figure[] {
  return names.map((name) => ({ name, unit: name.split(' ').pop()!, values: [] }));
}

function add(f: Figure[], values: number[]): void {
  values.forEach((v, i) => f[i]!.values.push(v));
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const names = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const options: Options = {
    runs: Number(flag('runs') ?? 3),
    dialect: (flag('dialect') as Options['dialect']) ?? 'sqlite',
    n: flag('n') ? Number(flag('n')) : undefined,
    platform: flag('platform'),
  };
  const chosen = names.length > 0 ? names : Object.keys(scenarios);
  for (const name of chosen) {
    const scenario = scenarios[name];
    if (!scenario) {
      console.error(`unknown scenario "${name}"; known: ${Object.keys(scenarios).join(', ')}`);
      process.exitCode = 1;
      return;
    }
    const { parameters, figures: f } = await scenario(options);
    console.log(`\n${name}  ${JSON.stringify(parameters)}  (${options.runs} runs)`);
    console.table(
      Object.fromEntries(
        f.map((x) => [
          x.name,
          Object.fromEntries(Object.entries(stats(x.values)).map(([k, v]) => [k, fmt(v)])),
        ]),
      ),
    );
    mkdirSync(path.join('bench', 'results'), { recursive: true });
    const file = path.join(
      'bench',
      'results',
      `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    );
    writeFileSync(
      file,
      JSON.stringify(
        {
          scenario: name,
          parameters,
          runs: options.runs,
          figures: f.map((x) => ({ name: x.name, ...stats(x.values), values: x.values })),
          machine: {
            cpus: os.cpus().length,
            cpu: os.cpus()[0]?.model,
            memoryGb: Math.round(os.totalmem() / 2 ** 30),
            node: process.version,
            platform: `${os.platform()} ${os.release()}`,
          },
          at: new Date().toISOString(),
        },
        null,
        2,
      ),
    );
    console.log(`written ${file}`);
  }
}

await main();
