/**
 * The shared rate limit, end to end: three worker processes run jobs that all call one endpoint through one
 * connection. The endpoint allows R requests per sliding second and answers 429 + Retry-After beyond. The
 * runtime must keep every one-second window at or under R, across processes, and still finish all the work.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { FINAL_RUN_STATUSES } from '../../src/store/repositories/runs.js';
import { DIALECTS } from '../helpers/dialects.js';
import { openQueueFixture } from '../helpers/queues.js';
import { startSimEndpoint } from '../helpers/sim-endpoint.js';
import { startWorker } from '../helpers/worker-process.js';

const R = 20;
const RUNS = 24;
const ITEMS = 5;

describe('shared rate limit', () => {
  for (const dialect of DIALECTS) {
    it(`[${dialect}] 3 workers stay under ${R} requests/s on one connection and finish everything`, async () => {
      const f = await openQueueFixture(dialect);
      const endpoint = await startSimEndpoint({ perSecond: R });
      const procs = Array.from({ length: 3 }, () => startWorker(f, endpoint.url, { concurrency: 4 }));
      try {
        await Promise.all(procs.map((p) => p.ready));
        const org = await f.repos.organizations.create({
          name: 'R',
          slug: `r-${randomBytes(3).toString('hex')}`,
        });
        await f.store.db.transaction().execute(async (trx) => {
          for (let i = 0; i < RUNS; i++) {
            await enqueueRun(trx, f.queue, {
              orgId: org.id,
              kind: 'test.limited',
              trigger: 'api',
              syncId: `syn_${i}`,
              params: { items: ITEMS, seq: i, connectionId: 'con_shared', perSecond: R },
              dedupeKey: null,
            });
          }
        });
        const deadline = Date.now() + 60_000;
        for (;;) {
          const open = await f.store.db
            .selectFrom('runs')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', org.id)
            .where('status', 'not in', [...FINAL_RUN_STATUSES])
            .executeTakeFirstOrThrow();
          if (Number(open.n) === 0) break;
          if (Date.now() > deadline) throw new Error(`${open.n} runs unfinished`);
          await new Promise((r) => setTimeout(r, 200));
        }
        const runs = await f.store.db
          .selectFrom('runs')
          .select('status')
          .where('org_id', '=', org.id)
          .execute();
        expect(runs.every((r) => r.status === 'success')).toBe(true);
        expect(endpoint.data.size).toBe(RUNS * ITEMS);
        expect(endpoint.maxPerSecond()).toBeLessThanOrEqual(R);
      } finally {
        for (const p of procs) p.child.kill('SIGKILL');
        await Promise.all(procs.map((p) => p.exited));
        await endpoint.close();
        await f.dispose();
      }
    }, 90_000);
  }
});
