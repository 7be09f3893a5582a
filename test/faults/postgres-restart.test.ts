/**
 * Postgres "restarted" in the middle of runs, in scale-out mode (several worker processes on one database): the
 * workers reach Postgres through a loopback TCP proxy that twice severs every connection and refuses new ones
 * for a few seconds (the real server is shared and stays up), and one worker is killed with SIGKILL between the
 * two. The survivors must reconnect by themselves and finish every run exactly once: all runs succeed, the
 * endpoint holds exactly the expected data, no job ran in two places at once, no survivor died.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { FINAL_RUN_STATUSES } from '../../src/store/repositories/runs.js';
import { PG_URL } from '../helpers/dialects.js';
import { openQueueFixture, type QueueFixture } from '../helpers/queues.js';
import { startSimEndpoint } from '../helpers/sim-endpoint.js';
import { startWorker } from '../helpers/worker-process.js';
import { tally } from './tally.js';
import { startTcpProxy } from './tcp-proxy.js';

const RUNS = 200;
const SYNCS = 20;
const ITEMS = 5;
const WORKERS = 3;
const DOWN_MS = 3000;

async function allRunsFinal(
  f: QueueFixture,
  orgId: string,
  timeoutMs: number,
  broken: () => string | undefined,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const why = broken();
    if (why) throw new Error(why);
    const open = await f.store.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('status', 'not in', [...FINAL_RUN_STATUSES])
      .executeTakeFirstOrThrow();
    if (Number(open.n) === 0) return;
    if (Date.now() > deadline) throw new Error(`${open.n} runs still unfinished`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Postgres restart in scale-out mode', () => {
  it.runIf(PG_URL)(
    `${WORKERS} workers, connections severed twice for ${DOWN_MS} ms and one worker killed: every run finishes once`,
    async () => {
      const f = await openQueueFixture('postgres');
      const endpoint = await startSimEndpoint();
      const pgUrl = new URL(PG_URL!);
      const proxy = await startTcpProxy(pgUrl.hostname, Number(pgUrl.port || 5432));
      const procs: Array<ReturnType<typeof startWorker>> = [];
      try {
        const org = await f.repos.organizations.create({
          name: 'Restart',
          slug: `restart-${randomBytes(3).toString('hex')}`,
        });
        await f.store.db.transaction().execute(async (trx) => {
          for (let i = 0; i < RUNS; i++) {
            await enqueueRun(trx, f.queue, {
              orgId: org.id,
              kind: 'test.sync',
              trigger: 'api',
              syncId: `syn_${i % SYNCS}`,
              params: { items: ITEMS, seq: i },
              dedupeKey: null,
              maxAttempts: 25,
            });
          }
        });
        const proxied = (url: string) => {
          const u = new URL(url);
          u.hostname = '127.0.0.1';
          u.port = String(proxy.port);
          return u.toString();
        };
        for (let i = 0; i < WORKERS; i++)
          procs.push(
            startWorker(f, endpoint.url, {
              target: { dialect: 'postgres', url: proxied(PG_URL!) },
              url: proxied(f.database.url!),
            }),
          );
        await Promise.all(procs.map((p) => p.ready));
        const total = RUNS * ITEMS;
        await endpoint.waitForArrivals(Math.floor(total / 4));
        await proxy.restart(DOWN_MS);
        await endpoint.waitForArrivals(Math.floor((total * 3) / 8));
        // A worker dies mid-batch: the others see its process is gone (owners.ts) and take its runs back at once.
        procs[0]!.child.kill('SIGKILL');
        await procs[0]!.exited;
        await endpoint.waitForArrivals(Math.floor(total / 2));
        await proxy.restart(DOWN_MS);
        const survivors = procs.slice(1);
        await allRunsFinal(f, org.id, 150_000, () =>
          survivors.some((p) => p.child.exitCode !== null)
            ? `a worker exited: ${survivors.map((p) => p.stderr().slice(0, 400)).join(' | ')}`
            : undefined,
        );

        const statuses = await f.store.db
          .selectFrom('runs')
          .select(['status'])
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', org.id)
          .groupBy('status')
          .execute();
        let lost = 0;
        for (let i = 0; i < RUNS; i++)
          for (let j = 0; j < ITEMS; j++)
            if (endpoint.data.get(`syn_${i % SYNCS}/${i}/${j}`) !== `v${j}`) lost++;
        tally({
          suite: 'Postgres restart (TCP proxy) in scale-out mode',
          faultsInjected: 3,
          runsCompleted: RUNS,
          recordsChecked: total,
          lost,
          duplicated: endpoint.data.size - (total - lost),
        });
        expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['success', RUNS]]);
        expect(proxy.severed).toBeGreaterThan(0);
        expect(lost).toBe(0);
        expect(endpoint.data.size).toBe(total);
        expect(endpoint.overlaps()).toEqual([]);
        expect(survivors.map((p) => p.child.exitCode)).toEqual(survivors.map(() => null));
        expect(await f.queue.deadLetters()).toEqual([]);
      } finally {
        for (const p of procs) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        await proxy.close();
        await endpoint.close();
        await f.dispose();
      }
    },
    240_000,
  );
});
