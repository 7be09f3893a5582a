/**
 * @module Platform pacing benchmark: per platform, a two-way sync whose first run creates n local records on an
 * empty platform, through real `sync.run` jobs (the app runtime, so the connection's database-backed buckets pace
 * every HTTP request, as in production), against the platform's simulator enforcing its documented limit per
 * request. The ceiling is the documented rate × the platform's batch size (Airtable 5/s × 10, HubSpot 100/10 s ×
 * 100, Notion 3/s × 1, Synup 10/s × 1). Figures of the first run: wall time from enqueue to its last
 * continuation's end, records/s, the share of the ceiling, requests. Of the next run, which reads those creates
 * back through the platform's cursor: its time, requests and writes (0). Over both: the platform's own 429s
 * (requests over its limit), failed runs and runs (a run that used up its time budget ends partial and continues,
 * which is not a failure).
 * `npm run bench -- platform-pacing [--platform airtable|hubspot|notion|synup] [--n N] [--dialect …]`.
 */
import type { SyncDefinitionInput } from '../../src/engine/definition.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { openBenchApp } from './app-env.js';
import { startAirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import { startHubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import type { SimulatorHandle } from '../../src/simulators/kit/simulator-handle.js';
import { startNotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startSynupSimulator } from '../../src/simulators/synup/synup-simulator.js';

export const PACED_PLATFORMS = ['airtable', 'hubspot', 'notion', 'synup'] as const;
export type PacedPlatform = (typeof PACED_PLATFORMS)[number];

interface PlatformUnderTest {
  sim: SimulatorHandle;
  connection: { settings: Record<string, unknown>; credentials: Record<string, string> };
  object: Pick<SyncDefinitionInput['objects'][number], 'b' | 'fields'>;
  /** Local record `i`, in the collection's field names. */
  record(i: number): Record<string, unknown>;
  /** Records now on the platform. */
  count(): number;
}

/** The documented limit and batch size: requests/s × records per request is the ceiling. */
export const PLATFORM_CEILINGS: Record<
  PacedPlatform,
  { requestsPerSecond: number; batch: number; limit: string; defaultN: number }
> = {
  airtable: {
    requestsPerSecond: 5,
    batch: 10,
    limit: '5 requests/s per base, 30 s lockout',
    defaultN: 10_000,
  },
  hubspot: { requestsPerSecond: 10, batch: 100, limit: '100 requests / 10 s, search 5/s', defaultN: 10_000 },
  notion: { requestsPerSecond: 3, batch: 1, limit: 'an average of 3 requests/s', defaultN: 300 },
  synup: { requestsPerSecond: 10, batch: 1, limit: '10 requests/s per API key', defaultN: 1_000 },
};

async function platformUnderTest(platform: PacedPlatform): Promise<PlatformUnderTest> {
  const fields = (pairs: [string, string][]) => pairs.map(([a, b]) => ({ a, b }));
  switch (platform) {
    case 'airtable': {
      const sim = await startAirtableSimulator({ seedRecords: 0 });
      return {
        sim,
        connection: {
          settings: { baseUrl: sim.url, baseId: sim.baseId },
          credentials: { token: sim.credentials.token! },
        },
        object: {
          b: sim.tableId,
          fields: fields([
            ['name', 'Name'],
            ['key', 'Key'],
          ]),
        },
        record: (i) => ({ name: `Task ${i}`, key: `task-${i}` }),
        count: () => sim.base.tables[0]!.records.size,
      };
    }
    case 'hubspot': {
      const sim = await startHubSpotSimulator({ seedRecords: 0 });
      return {
        sim,
        connection: {
          settings: { baseUrl: sim.url, objects: ['companies'] },
          credentials: { token: sim.credentials.token! },
        },
        object: {
          b: 'companies',
          fields: fields([
            ['name', 'name'],
            ['domain', 'domain'],
          ]),
        },
        record: (i) => ({ name: `Company ${i}`, domain: `c${i}.example.com` }),
        count: () => sim.crm.types.companies!.store.values().filter((r) => !r.archived).length,
      };
    }
    case 'notion': {
      const sim = await startNotionSimulator({ seedRecords: 0 });
      return {
        sim,
        connection: {
          settings: { baseUrl: sim.url, databaseId: sim.credentials.databaseId },
          credentials: { token: sim.credentials.token! },
        },
        object: {
          b: sim.credentials.databaseId!,
          fields: fields([
            ['name', 'Name'],
            ['key', 'Key'],
          ]),
        },
        record: (i) => ({ name: `Task ${i}`, key: `task-${i}` }),
        count: () => sim.database.pages.values().filter((p) => !p.archived).length,
      };
    }
    case 'synup': {
      const sim = await startSynupSimulator({ seedRecords: 0 });
      return {
        sim,
        connection: {
          settings: { baseUrl: sim.url, locationId: sim.credentials.locationId },
          credentials: { apiKey: sim.credentials.apiKey! },
        },
        object: { b: 'posts', fields: fields([['content', 'content']]) },
        record: (i) => ({ content: `Post ${i}` }),
        count: () => sim.account.posts.values().length,
      };
    }
  }
}

export interface PlatformPacingOptions {
  platform: PacedPlatform;
  dialect: 'sqlite' | 'postgres';
  n: number;
  pgUrl: string;
}

export interface PlatformPacingSample {
  seconds: number;
  recordsPerSecond: number;
  ceilingPerSecond: number;
  shareOfCeiling: number;
  requests: number;
  /** The platform's own 429s: requests over its documented limit. */
  overLimit: number;
  failedRuns: number;
  runs: number;
  /** The run after: it reads the first run's creates back (echoes) and must write nothing. */
  nextRunSeconds: number;
  nextRunRequests: number;
  nextRunWrites: number;
}

/** POSTs that read: HubSpot's search, Notion's database query. */
function isReadOnly(platform: PacedPlatform, path: string): boolean {
  return (
    (platform === 'hubspot' && path.endsWith('/search')) || (platform === 'notion' && path.endsWith('/query'))
  );
}

export async function platformPacing(o: PlatformPacingOptions): Promise<PlatformPacingSample> {
  const target = await platformUnderTest(o.platform);
  const app = await openBenchApp(o.dialect, o.pgUrl, 'pace');
  const { store, repos } = app.ctx;
  try {
    const org = await repos.organizations.create({ name: 'bench', slug: `bench-pace-${Date.now()}` });
    const local = await repos.collections.create(org.id, { key: 'items', name: 'Items' });
    for (let i = 0; i < o.n; i += 1000) {
      const writes = [];
      for (let j = i; j < Math.min(o.n, i + 1000); j++) writes.push({ data: target.record(j) });
      await repos.records.writeMany(org.id, local.id, writes);
    }
    const connection = await repos.connections.create(org.id, {
      name: o.platform,
      connector: o.platform,
      ...target.connection,
    });
    const ceiling = PLATFORM_CEILINGS[o.platform];
    const sync = await repos.syncs.create(org.id, {
      name: 'pacing',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        batchSize: ceiling.batch,
        objects: [{ name: 'items', a: 'items', ...target.object }],
      },
    });
    const runtime = await app.runtime();
    await runtime.start();
    try {
      // One run and any continuation it queues (a run that used up its budget ends partial).
      const runToEnd = async () => {
        target.sim.log.clear();
        const statuses: string[] = [];
        const done = new Promise<void>((resolve) => {
          const off = runtime.events.on('run.finished', (e) => {
            statuses.push(e.status);
            if (e.status !== 'partial') {
              off();
              resolve();
            }
          });
        });
        const started = performance.now();
        // BENCH_TRACE=1: requests by method and path every 5 s, to see where a slow run spends its requests.
        const trace =
          process.env.BENCH_TRACE === '1'
            ? setInterval(() => {
                const byPath = new Map<string, number>();
                for (const r of target.sim.log.entries()) {
                  const k = `${r.method} ${r.path.replace(/[0-9a-f-]{20,}/g, ':id')} ${r.status}`;
                  byPath.set(k, (byPath.get(k) ?? 0) + 1);
                }
                console.error(JSON.stringify(Object.fromEntries(byPath)), target.count());
              }, 5000)
            : undefined;
        await store.db.transaction().execute((trx) =>
          enqueueRun(trx, runtime.queue, {
            orgId: org.id,
            kind: 'sync.run',
            trigger: 'manual',
            syncId: sync.id,
            params: {},
          }),
        );
        await done;
        clearInterval(trace);
        const seconds = (performance.now() - started) / 1000;
        const onPlatform = target.count();
        if (statuses.at(-1) !== 'success' || onPlatform !== o.n)
          throw new Error(
            `${o.platform}: runs ended ${statuses.join(', ')} with ${onPlatform} of ${o.n} records`,
          );
        return { seconds, statuses, log: [...target.sim.log.entries()] };
      };
      const first = await runToEnd();
      // The next run meets the first run's creates through the platform's cursor and writes nothing back: that
      // read is the rest of a two-way first sync's cost, so it is measured too.
      const next = await runToEnd();
      const ceilingPerSecond = ceiling.requestsPerSecond * ceiling.batch;
      const recordsPerSecond = o.n / first.seconds;
      const statuses = [...first.statuses, ...next.statuses];
      return {
        seconds: first.seconds,
        recordsPerSecond,
        ceilingPerSecond,
        shareOfCeiling: recordsPerSecond / ceilingPerSecond,
        requests: first.log.length,
        overLimit: [...first.log, ...next.log].filter((r) => r.status === 429 && !r.fault).length,
        failedRuns: statuses.filter((st) => st === 'failed').length,
        runs: statuses.length,
        nextRunSeconds: next.seconds,
        nextRunRequests: next.log.length,
        nextRunWrites: next.log.filter((r) => r.method !== 'GET' && !isReadOnly(o.platform, r.path)).length,
      };
    } finally {
      await runtime.stop(1000);
    }
  } finally {
    await target.sim.close();
    await app.dispose();
  }
}
