/**
 * The product in scale-out mode through a Postgres "restart": one API server (`datasync start --no-worker`) and
 * three `datasync worker` processes, all reaching Postgres through a loopback TCP proxy, run a two-way sync of 10,000
 * records between a collection and the HubSpot simulator. Mid-sync the proxy twice severs every connection and
 * refuses new ones for a few seconds, and the worker running the sync is killed with SIGKILL between the two. Every run must end
 * without a failure, both sides must hold exactly what a reference model says (one record per tag on each side,
 * so no create was made twice), the processes that were not killed must still be up, and one more run started
 * through the API afterwards writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import {
  startHubSpotSimulator,
  type HubSpotSimulator,
} from '../../src/simulators/hubspot/hubspot-simulator.js';
import { fromJson } from '../../src/store/json.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { FINAL_RUN_STATUSES } from '../../src/store/repositories/runs.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { baseEnv, runCli, type Running } from '../helpers/cli.js';
import { createTestDatabase, PG_URL } from '../helpers/dialects.js';
import { until } from '../helpers/until.js';
import { checkCompanies, companiesWorld } from './companies-world.js';
import { tally } from './tally.js';
import { startTcpProxy } from './tcp-proxy.js';

const RECORDS = 10_000;
const REMOTE = 300;
const WORKERS = 3;
const DOWN_MS = 3000;
/** How long one phase may take on a loaded 2-core machine. */
const WAIT = 120_000;

it.runIf(PG_URL)(
  `${WORKERS} workers and an API server on Postgres, severed twice and one worker killed during a ${RECORDS.toLocaleString('en-US')}-record two-way sync: nothing lost or duplicated`,
  async () => {
    const database = await createTestDatabase('postgres');
    const store = await database.open();
    await migrateToLatest(store.db as never, store.dialect);
    const key = randomBytes(32);
    const repos = createRepositories(store.db, new SecretBox(key));
    const sim: HubSpotSimulator = await startHubSpotSimulator({
      seedRecords: 0,
      rateLimit: false,
      searchRateLimit: false,
    });
    const pgUrl = new URL(PG_URL!);
    const proxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'datasync-scale-out-'));
    const procs: Running[] = [];
    try {
      const world = await companiesWorld(repos, sim, 'Scale');
      const { org, sync } = world;
      const { key: apiKey } = await repos.apiKeys.create(org.id, { name: 'ops', role: 'admin' });
      await world.createLocal(RECORDS);
      world.createRemote(REMOTE);

      const proxied = new URL(database.url!);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const env = baseEnv({
        DATABASE_URL: proxied.toString(),
        DATASYNC_SECRET_KEY: key.toString('hex'),
        DATASYNC_DATA_DIR: dataDir,
        DATASYNC_DEMO: 'false',
        DATASYNC_WORKER_CONCURRENCY: '2',
      });
      const api = runCli(['start', '--port', '0', '--no-worker'], env);
      procs.push(api);
      const base = (await api.waitFor(/running at (http:\/\/\S+)/, 30_000))[1]!;
      const workers = Array.from({ length: WORKERS }, () => runCli(['worker'], env));
      procs.push(...workers);
      await Promise.all(workers.map((w) => w.waitFor(/worker started/, 30_000)));

      const startRun = async () => {
        const res = await fetch(`${base}/api/v1/syncs/${sync.id}/runs`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(res.status, await res.clone().text()).toBe(202);
        return ((await res.json()) as { id: string }).id;
      };
      const platformLive = () => world.platformLive();
      const openRuns = async () =>
        Number(
          (
            await store.db
              .selectFrom('runs')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('org_id', '=', org.id)
              .where('status', 'not in', [...FINAL_RUN_STATUSES])
              .executeTakeFirstOrThrow()
          ).n,
        );
      let survivors = [api, ...workers];
      const noneDied = () => {
        const dead = survivors.find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
        if (dead) throw new Error(`a process died: ${dead.stderr().slice(-4000)}`);
        return true;
      };

      const firstRun = await startRun();
      await until(
        'the first creates on the platform',
        () => noneDied() && platformLive().length >= 2000,
        WAIT,
      );
      await proxy.restart(DOWN_MS);
      await until('more creates', () => noneDied() && platformLive().length >= 5000, WAIT);
      // The worker that holds the sync's job right now dies mid-batch (its lease names its pid, owners.ts).
      let victim: Running | undefined;
      await until('a worker running the sync', async () => {
        const row = await store.db
          .selectFrom('runtime_jobs')
          .select('lease_owner')
          .where('lock_key', '=', `sync:${sync.id}`)
          .where('status', '=', 'running')
          .executeTakeFirst();
        const pid = Number(/#(\d+)/.exec(row?.lease_owner ?? '')?.[1]);
        victim = workers.find((w) => w.child.pid === pid);
        return victim !== undefined;
      });
      victim!.child.kill('SIGKILL');
      await victim!.exited;
      survivors = [api, ...workers.filter((w) => w !== victim)];
      await until('more creates again', () => noneDied() && platformLive().length >= 7000, WAIT);
      await proxy.restart(DOWN_MS);
      await until('every run to end', async () => noneDied() && (await openRuns()) === 0, 240_000);

      const runs = await store.db
        .selectFrom('runs')
        .select(['id', 'status', 'error', 'counts', 'continuation_of', 'crashes'])
        .where('org_id', '=', org.id)
        .orderBy('created_at')
        .execute();
      expect(runs.filter((r) => r.status === 'failed')).toEqual([]);
      expect(runs.at(-1)!.status).toBe('success');
      expect(runs[0]!.id).toBe(firstRun);
      // The kill hit the run: it was picked up again as a crash (not an attempt) and resumed.
      expect(runs.reduce((n, r) => n + Number(r.crashes), 0)).toBeGreaterThan(0);

      // The API answers after the severings, and a run started through it now has nothing left to do.
      const quietRun = await startRun();
      await until('the quiet run to end', async () => noneDied() && (await openRuns()) === 0, WAIT);
      const quiet = await store.db
        .selectFrom('runs')
        .select(['status', 'counts'])
        .where('id', '=', quietRun)
        .executeTakeFirstOrThrow();
      expect(quiet.status).toBe('success');
      const counts = fromJson<{ created: number; updated: number; deleted: number }>(quiet.counts);
      expect(counts.created + counts.updated + counts.deleted).toBe(0);

      const { local, remote, duplicated, lost, wrong } = await checkCompanies(world);
      tally({
        suite: 'Postgres severed twice + a worker killed, 1 API + 3 workers, 10k two-way',
        faultsInjected: 3,
        runsCompleted: runs.length + 1,
        recordsChecked: local.length + remote.length,
        lost: lost + wrong.length,
        duplicated,
      });
      expect(proxy.severed).toBeGreaterThan(0);
      expect(duplicated).toBe(0);
      expect(lost).toBe(0);
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(local.length).toBe(world.model.size);
      expect(remote.length).toBe(world.model.size);
      noneDied();
    } finally {
      for (const p of procs) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await proxy.close();
      await sim.close();
      await store.close();
      await database.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  },
  300_000,
);
