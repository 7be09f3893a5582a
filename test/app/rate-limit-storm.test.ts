/**
 * A 429 storm on reads during a real `sync.run` job against the Synup simulator: every 429 carries Retry-After,
 * the client's pacer blocks the connection's bucket that long and sends the same request again inside the run,
 * and the run ends `success` with every post on Synup (slower, not failed, and no job retry).
 */
import { expect, it } from 'vitest';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { runFinished, synupPostsSync, testAppContext } from '../helpers/app-context.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('429 storm in sync runs', (get) => {
  it('waits out Retry-After and finishes the run successfully', async () => {
    const fixture = get();
    const { store, repos } = fixture;
    const ctx = testAppContext(fixture);
    const s = (await startSimulator('synup', {
      seedRecords: 0,
      rateLimit: { limit: 1000, windowMs: 1000 },
    })) as SynupSimulator;
    const { org, sync } = await synupPostsSync(repos, s, 12);
    const runtime = await createAppRuntime(ctx, {
      scheduler: false,
      concurrency: 1,
    });
    const retries: string[] = [];
    const off = runtime.events.on('job.retry', (e) => retries.push(e.error));
    await runtime.start();
    try {
      // Three 429s in a row on reads, each announcing a 300 ms wait, then two on creates: a 429 is a refusal
      // (nothing was written), so the same create is sent again and no post is made twice.
      s.faults.add({ kind: 'rate_limit', count: 3, retryAfterMs: 300, match: { method: 'GET' } });
      s.faults.add({ kind: 'rate_limit', count: 2, retryAfterMs: 300, match: { method: 'POST' } });
      const started = Date.now();
      const { runId } = await store.db.transaction().execute((trx) =>
        enqueueRun(trx, runtime.queue, {
          orgId: org.id,
          kind: 'sync.run',
          trigger: 'manual',
          syncId: sync.id,
          params: {},
        }),
      );
      expect(await runFinished(runtime, runId)).toBe('success');
      expect(retries).toEqual([]);
      expect(s.log.entries().filter((r) => r.fault === 'rate_limit').length).toBe(5);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      expect(
        s.account.posts
          .values()
          .map((p) => p.content)
          .sort(),
      ).toEqual(Array.from({ length: 12 }, (_, i) => `post ${i}`).sort());
    } finally {
      off();
      await runtime.stop(1000);
      await s.close();
    }
  });
});
