/**
 * Issue 20: every HTTP request a connector makes is paced, not every engine operation. Real `sync.run` jobs
 * through the runtime against simulators that enforce the platforms' documented limits per request (Airtable 5
 * per second per base with a 30 s lock-out after a 429; HubSpot 100 per 10 s plus 5 searches per second): schema
 * loads, list pages, searches and writes all draw on the connection's buckets, so the platform never answers
 * 429. And a 429 that does come (a storm the simulator injects) is waited out inside the run, which goes on and
 * ends `success` without a job retry.
 */
import { expect, it } from 'vitest';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import {
  startAirtableSimulator,
  type AirtableSimulator,
} from '../../src/simulators/airtable/airtable-simulator.js';
import {
  startHubSpotSimulator,
  type HubSpotSimulator,
} from '../../src/simulators/hubspot/hubspot-simulator.js';
import type { SimulatorHandle } from '../../src/simulators/kit/simulator-handle.js';
import { startNotionSimulator, type NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startSynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { runFinished, synupPostsSync, testAppContext } from '../helpers/app-context.js';
import { describeEachDialect, type MigratedStore } from '../helpers/dialects.js';

/** Runs `syncId` `times` times through a real runtime; returns each run's status and the job retries seen. */
async function runThroughRuntime(
  fixture: MigratedStore,
  ctx: AppContext,
  orgId: string,
  syncId: string,
  times = 1,
) {
  const { store } = fixture;
  const runtime = await createAppRuntime(ctx, {
    scheduler: false,
    concurrency: 1,
  });
  const retries: string[] = [];
  const off = runtime.events.on('job.retry', (e) => retries.push(e.error));
  await runtime.start();
  const statuses: string[] = [];
  try {
    for (let i = 0; i < times; i++) {
      const { runId } = await store.db
        .transaction()
        .execute((trx) =>
          enqueueRun(trx, runtime.queue, { orgId, kind: 'sync.run', trigger: 'manual', syncId, params: {} }),
        );
      statuses.push(await runFinished(runtime, runId));
    }
  } finally {
    off();
    await runtime.stop(1000);
  }
  return { statuses, retries };
}

/** 429s the platform's own limit answered (not the faults a test injects). */
const refused = (s: SimulatorHandle) => s.log.entries().filter((r) => r.status === 429 && !r.fault);

describeEachDialect('request pacing', (get) => {
  async function airtableSync(s: AirtableSimulator, local: number) {
    const { repos } = get();
    const org = await repos.organizations.create({
      name: 'Pace',
      slug: `pace-${Date.now()}-${Math.random()}`,
    });
    const tasks = await repos.collections.create(org.id, { key: 'tasks', name: 'Tasks' });
    await repos.records.writeMany(
      org.id,
      tasks.id,
      Array.from({ length: local }, (_, i) => ({ data: { name: `local ${i}`, key: `l-${i}` } })),
    );
    const connection = await repos.connections.create(org.id, {
      name: 'airtable',
      connector: 'airtable',
      settings: { baseUrl: s.url, baseId: s.baseId },
      credentials: { token: s.credentials.token! },
    });
    const sync = await repos.syncs.create(org.id, {
      name: 'tasks',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        objects: [
          {
            name: 'tasks',
            a: 'tasks',
            b: s.tableId,
            matchKeys: ['key'],
            fields: [
              { a: 'name', b: 'Name' },
              { a: 'key', b: 'Key' },
            ],
          },
        ],
      },
    });
    return { org, sync };
  }

  it('Airtable at its documented 5 requests/s per base: schema, pages and writes paced, no 429', async () => {
    const fixture = get();
    const s = await startAirtableSimulator({ seedRecords: 25 });
    try {
      const { org, sync } = await airtableSync(s, 60);
      const { statuses, retries } = await runThroughRuntime(
        fixture,
        testAppContext(fixture),
        org.id,
        sync.id,
        2,
      );
      expect(statuses).toEqual(['success', 'success']);
      expect(retries).toEqual([]);
      expect(refused(s)).toEqual([]);
      // Paced per request: no second of the simulator's clock saw more than the documented five.
      const times = s.log.entries().map((r) => r.at);
      for (const t of times)
        expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
      expect(s.log.find('POST', s.tableId).length).toBeGreaterThanOrEqual(6); // 60 creates in batches of 10
      expect(s.log.find('GET', '/v0/meta/bases').length).toBeGreaterThanOrEqual(1); // the schema load is paced too
    } finally {
      await s.close();
    }
  }, 60_000);

  it('Synup at its 10 requests/s per API key: every list page and each one-post write paced, no 429', async () => {
    const fixture = get();
    const { repos } = fixture;
    const s = await startSynupSimulator({ seedRecords: 15 });
    try {
      const { org, collection: posts, sync } = await synupPostsSync(repos, s, 40);
      const { statuses, retries } = await runThroughRuntime(
        fixture,
        testAppContext(fixture),
        org.id,
        sync.id,
      );
      expect(statuses).toEqual(['success']);
      expect(retries).toEqual([]);
      expect(refused(s)).toEqual([]);
      const times = s.log.entries().map((r) => r.at);
      for (const t of times)
        expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(10);
      expect(s.account.posts.values().length).toBe(55);
      expect(await repos.records.count(org.id, posts.id)).toBe(55);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('a 429 in the middle of a run is waited out inside it: the run goes on and ends success, no job retry', async () => {
    const fixture = get();
    const { repos } = fixture;
    // Notion at its documented average of 3 requests/s; its 429 says how long in Retry-After (seconds).
    const s: NotionSimulator = await startNotionSimulator({ seedRecords: 3 });
    try {
      const org = await repos.organizations.create({ name: 'N', slug: `n-${Date.now()}-${Math.random()}` });
      const tasks = await repos.collections.create(org.id, { key: 'tasks', name: 'Tasks' });
      await repos.records.writeMany(
        org.id,
        tasks.id,
        Array.from({ length: 6 }, (_, i) => ({ data: { name: `local ${i}`, key: `l-${i}` } })),
      );
      const connection = await repos.connections.create(org.id, {
        name: 'notion',
        connector: 'notion',
        settings: { baseUrl: s.url, databaseId: s.credentials.databaseId },
        credentials: { token: s.credentials.token! },
      });
      const sync = await repos.syncs.create(org.id, {
        name: 'tasks',
        definition: {
          a: { connector: 'collection' },
          b: { connectionId: connection.id },
          direction: 'two-way',
          objects: [
            {
              name: 'tasks',
              a: 'tasks',
              b: s.credentials.databaseId!,
              matchKeys: ['key'],
              fields: [
                { a: 'name', b: 'Name' },
                { a: 'key', b: 'Key' },
              ],
            },
          ],
        },
      });
      // Two creates refused in a row, each asking for a second.
      s.faults.add({
        kind: 'rate_limit',
        count: 2,
        retryAfterMs: 1000,
        match: { method: 'POST', pathIncludes: '/v1/pages' },
      });
      const started = Date.now();
      const { statuses, retries } = await runThroughRuntime(
        fixture,
        testAppContext(fixture),
        org.id,
        sync.id,
      );
      expect(statuses).toEqual(['success']);
      expect(retries).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      expect(s.log.entries().filter((r) => r.fault === 'rate_limit').length).toBe(2);
      const keys = s.database.pages
        .values()
        .filter((p) => !p.archived)
        .map((p) => String(p.props.Key ?? ''));
      expect(keys.filter((k) => k.startsWith('l-')).sort()).toEqual(
        Array.from({ length: 6 }, (_, i) => `l-${i}`).sort(),
      );
      expect(refused(s)).toEqual([]);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('HubSpot: searches draw on their own 5/s bucket beside the general one, so incremental pulls get no 429', async () => {
    const fixture = get();
    const { repos } = fixture;
    const s: HubSpotSimulator = await startHubSpotSimulator({ seedRecords: 30 });
    try {
      const org = await repos.organizations.create({ name: 'Hs', slug: `hs-${Date.now()}-${Math.random()}` });
      await repos.collections.create(org.id, { key: 'companies', name: 'Companies' });
      const connection = await repos.connections.create(org.id, {
        name: 'hubspot',
        connector: 'hubspot',
        settings: { baseUrl: s.url, objects: ['companies', 'contacts', 'deals'], refProperty: 'city' },
        credentials: { token: s.credentials.token! },
      });
      const pair = (name: string, props: [string, string][]) => ({
        name,
        a: name,
        b: name,
        fields: props.map(([a, b]) => ({ a, b })),
      });
      for (const key of ['contacts', 'deals']) await repos.collections.create(org.id, { key, name: key });
      const sync = await repos.syncs.create(org.id, {
        name: 'crm',
        definition: {
          a: { connector: 'collection' },
          b: { connectionId: connection.id },
          direction: 'two-way',
          mode: 'incremental',
          objects: [
            pair('companies', [
              ['name', 'name'],
              ['domain', 'domain'],
            ]),
            pair('contacts', [['email', 'email']]),
            pair('deals', [['dealname', 'dealname']]),
          ],
        },
      });
      const ctx = testAppContext(fixture);
      const first = await runThroughRuntime(fixture, ctx, org.id, sync.id);
      expect(first.statuses).toEqual(['success']);
      // Edits on HubSpot between runs: the incremental pulls search for them, several searches per run.
      for (const o of s.crm.types.companies!.store.values().slice(0, 5))
        s.ui.update('companies', o.id, { name: `${o.properties.name} (edited)` });
      const { statuses, retries } = await runThroughRuntime(fixture, ctx, org.id, sync.id, 3);
      expect(statuses).toEqual(['success', 'success', 'success']);
      expect(retries).toEqual([]);
      expect(s.log.find('POST', /\/search$/).length).toBeGreaterThanOrEqual(6);
      expect(refused(s)).toEqual([]);
    } finally {
      await s.close();
    }
  }, 90_000);
});
