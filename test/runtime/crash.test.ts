/**
 * Crash recovery, end to end: worker processes run sync runs against a loopback endpoint while the test
 * SIGKILLs them at random moments and starts them again. At the end every run is final (success), no sync ever
 * had two writers at once (the endpoint records each writer's interval per sync), and the endpoint holds
 * exactly the expected data: nothing lost, nothing extra.
 *
 * Default size keeps `npm test` quick (Postgres: 3 workers, 300 runs over 30 syncs; SQLite: 1 worker, 150 runs);
 * DATASYNC_FULL_FAULTS=1 runs the acceptance size: 1,000 runs over 100 syncs on both.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CRASH_LOOP_AFTER } from '../../src/runtime/worker.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { FINAL_RUN_STATUSES } from '../../src/store/repositories/runs.js';
import { DIALECTS, PG_URL } from '../helpers/dialects.js';
import { openQueueFixture, type QueueFixture } from '../helpers/queues.js';
import { startSimEndpoint } from '../helpers/sim-endpoint.js';
import { until } from '../helpers/until.js';
import { startWorker } from '../helpers/worker-process.js';

const FULL = process.env.DATASYNC_FULL_FAULTS === '1';
const ITEMS = 5;

/** Resolves when no run is left unfinished; checks after each change the workers report, at most every 200 ms. */
async function allRunsFinal(f: QueueFixture, orgId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
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

async function chaos(dialect: 'sqlite' | 'postgres', workers: number, runs: number, syncs: number) {
  const f = await openQueueFixture(dialect);
  const endpoint = await startSimEndpoint();
  const procs: Array<ReturnType<typeof startWorker>> = [];
  try {
    const org = await f.repos.organizations.create({
      name: 'Crash',
      slug: `crash-${randomBytes(3).toString('hex')}`,
    });
    await f.store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < runs; i++) {
        await enqueueRun(trx, f.queue, {
          orgId: org.id,
          kind: 'test.sync',
          trigger: 'api',
          syncId: `syn_${i % syncs}`,
          params: { items: ITEMS, seq: i },
          dedupeKey: null,
          maxAttempts: 25,
        });
      }
    });
    for (let i = 0; i < workers; i++) procs.push(startWorker(f, endpoint.url));
    const finishedAll = allRunsFinal(f, org.id, FULL ? 600_000 : 150_000);
    await Promise.all(procs.map((p) => p.ready));

    let kills = 0;
    let stop = false;
    const killer = (async () => {
      // Kill a random worker each time another eighth of the writes has arrived, so the kills land in the
      // middle of the work however fast the machine is; then start a replacement.
      for (let k = 1; k <= 7 && !stop; k++) {
        await Promise.race([endpoint.waitForArrivals(Math.floor((k * runs * ITEMS) / 8)), finishedAll]);
        if (stop) break;
        const index = Math.floor(Math.random() * procs.length);
        const victim = procs[index]!;
        victim.child.kill('SIGKILL');
        await victim.exited;
        kills++;
        // Not waiting for it to be ready: the next kill may land while it starts, which is a crash too.
        procs[index] = startWorker(f, endpoint.url);
      }
    })();
    await finishedAll;
    stop = true;
    await killer;

    const statuses = await f.store.db
      .selectFrom('runs')
      .select(['status'])
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.id)
      .groupBy('status')
      .execute();
    expect(statuses.map((s) => [s.status, Number(s.n)])).toEqual([['success', runs]]);
    expect(endpoint.overlaps()).toEqual([]);
    expect(endpoint.data.size).toBe(runs * ITEMS);
    for (let i = 0; i < runs; i++) {
      for (let j = 0; j < ITEMS; j++) expect(endpoint.data.get(`syn_${i % syncs}/${i}/${j}`)).toBe(`v${j}`);
    }
    expect(kills).toBe(7);
    expect(await f.queue.deadLetters()).toEqual([]);
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await endpoint.close();
    await f.dispose();
  }
}

describe('crash recovery', () => {
  it.runIf(PG_URL)(
    'Postgres: 3 workers, 7 SIGKILLs mid-work: every run finishes exactly, one writer per sync',
    () => chaos('postgres', 3, FULL ? 1000 : 300, FULL ? 100 : 30),
    FULL ? 700_000 : 180_000,
  );

  it(
    'SQLite: one worker SIGKILLed 7 times mid-work: every run finishes exactly, one writer per sync',
    () => chaos('sqlite', 1, FULL ? 1000 : 150, FULL ? 100 : 15),
    FULL ? 700_000 : 180_000,
  );

  it('SQLite: a worker started after one was SIGKILLed on this host takes its run at once, not after the lease', async () => {
    const f = await openQueueFixture('sqlite');
    // 5 writes a second: the run outlasts the kill by seconds.
    const endpoint = await startSimEndpoint({ perSecond: 5 });
    const procs: Array<ReturnType<typeof startWorker>> = [];
    try {
      const org = await f.repos.organizations.create({
        name: 'Reclaim',
        slug: `reclaim-${randomBytes(3).toString('hex')}`,
      });
      const { runId } = await f.store.db.transaction().execute((trx) =>
        enqueueRun(trx, f.queue, {
          orgId: org.id,
          kind: 'test.limited',
          trigger: 'api',
          syncId: 'syn_reclaim',
          params: { items: 20, seq: 0, connectionId: 'con_reclaim', perSecond: 5 },
        }),
      );
      // A lease far longer than the run: only the dead-owner check can hand it over in time.
      const leaseMs = 120_000;
      procs.push(startWorker(f, endpoint.url, { leaseMs }));
      await endpoint.waitForArrivals(3);
      procs[0]!.child.kill('SIGKILL');
      await procs[0]!.exited;
      const leased = await f.store.db
        .selectFrom('runtime_jobs')
        .select(['lease_owner', 'lease_expires_at'])
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow();
      expect(leased.lease_owner).toMatch(/@.+#\d+(:\d+)?$/);
      procs.push(startWorker(f, endpoint.url, { leaseMs }));
      await allRunsFinal(f, org.id, 60_000);
      const run = await f.store.db
        .selectFrom('runs')
        .select(['status', 'finished_at'])
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      expect(run.status).toBe('success');
      expect(Date.parse(run.finished_at!)).toBeLessThan(Date.parse(leased.lease_expires_at!));
    } finally {
      for (const p of procs) p.child.kill('SIGKILL');
      await Promise.all(procs.map((p) => p.exited));
      await endpoint.close();
      await f.dispose();
    }
  }, 90_000);

  it.each(DIALECTS)(
    '%s: a run that crashes every worker before a checkpoint ends failed as crash-looping; other runs go on',
    async (dialect) => {
      const f = await openQueueFixture(dialect);
      const endpoint = await startSimEndpoint();
      let proc: ReturnType<typeof startWorker> | undefined;
      try {
        const org = await f.repos.organizations.create({
          name: 'Loop',
          slug: `loop-${randomBytes(3).toString('hex')}`,
        });
        const enqueue = (kind: string, syncId: string) =>
          enqueueRun(f.store.db, f.queue, {
            orgId: org.id,
            kind,
            trigger: 'api',
            syncId,
            params: { items: 3, seq: 0 },
          });
        const looping = await enqueue('test.crash', 'syn_loop');
        let deaths = 0;
        // Each worker takes the run, dies with it, and the next one (same host: the dead owner is seen at once)
        // picks it up as a crash; the last one stops it.
        proc = startWorker(f, endpoint.url, { leaseMs: 60_000 });
        await until(
          'the crash-looping run to end',
          async () => {
            if (proc!.child.exitCode !== null || proc!.child.signalCode !== null) {
              deaths++;
              proc = startWorker(f, endpoint.url, { leaseMs: 60_000 });
            }
            const run = await f.repos.runs.get(org.id, looping.runId);
            return FINAL_RUN_STATUSES.includes(run!.status as never);
          },
          90_000,
        );
        expect(deaths).toBe(CRASH_LOOP_AFTER + 1);
        const run = await f.repos.runs.get(org.id, looping.runId);
        expect(run).toMatchObject({
          status: 'failed',
          crashes: CRASH_LOOP_AFTER + 1,
          error: expect.stringMatching(
            /^crash-looping: its worker stopped 6 times in a row before the next checkpoint/,
          ),
        });
        // The next run on the same worker is not held up by it.
        const after = await enqueue('test.sync', 'syn_after');
        await allRunsFinal(f, org.id, 60_000);
        expect(await f.repos.runs.get(org.id, after.runId)).toMatchObject({ status: 'success' });
        expect(endpoint.data.size).toBe(3);
      } finally {
        proc?.child.kill('SIGKILL');
        await proc?.exited;
        await endpoint.close();
        await f.dispose();
      }
    },
    120_000,
  );
});
