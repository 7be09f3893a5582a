/**
 * The `sync.run` job end to end: a run enqueued like the API and CLI do, executed by the app runtime's worker
 * through the engine, ends with its counts, checkpoint and log lines; a second run writes nothing.
 */
import { expect, it, vi } from 'vitest';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import { RunContext } from '../../src/runtime/run-context.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { runFinished, testAppContext } from '../helpers/app-context.js';
import { describeEachDialect } from '../helpers/dialects.js';

const fields = [
  { a: 'email', b: 'email' },
  { a: 'name', b: 'name' },
];

/** An organization with 25 people in `people` and a push sync copying them to `people_copy`. */
async function copyPeople(
  repos: ReturnType<typeof testAppContext>['repos'],
  slug: string,
  options: { batchSize?: number } = {},
) {
  const org = await repos.organizations.create({ name: 'Acme', slug: `${slug}-${Date.now()}` });
  const source = await repos.collections.create(org.id, { key: 'people', name: 'People' });
  await repos.collections.create(org.id, { key: 'people_copy', name: 'People copy' });
  await repos.records.writeMany(
    org.id,
    source.id,
    Array.from({ length: 25 }, (_, i) => ({ data: { email: `p${i}@x`, name: `P${i}` } })),
  );
  const sync = await repos.syncs.create(org.id, {
    name: 'copy people',
    definition: {
      a: { connector: 'collection' },
      b: { connector: 'collection' },
      direction: 'push',
      ...options,
      objects: [{ name: 'people', a: 'people', b: 'people_copy', fields }],
    },
  });
  return { org, sync };
}

describeEachDialect('sync.run job', (get) => {
  it('runs a sync through the worker and records counts, checkpoint and log lines', async () => {
    const fixture = get();
    const { store, repos } = fixture;
    const ctx = testAppContext(fixture);
    const { org, sync } = await copyPeople(repos, 'acme');

    const runtime = await createAppRuntime(ctx, {
      scheduler: false,
      concurrency: 2,
    });
    await runtime.start();
    try {
      const enqueue = () =>
        store.db.transaction().execute((trx) =>
          enqueueRun(trx, runtime.queue, {
            orgId: org.id,
            kind: 'sync.run',
            trigger: 'manual',
            syncId: sync.id,
            params: {},
          }),
        );
      const first = await enqueue();
      expect(await runFinished(runtime, first.runId)).toBe('success');
      const run = await repos.runs.get(org.id, first.runId);
      expect(run?.counts).toMatchObject({ created: 25, errors: 0 });
      expect(run?.checkpoint).toMatchObject({ pair: 'people' });
      const copy = (await repos.collections.byKey(org.id, 'people_copy'))!;
      expect(await repos.records.count(org.id, copy.id)).toBe(25);
      const lines = await repos.runLogs.after(org.id, first.runId, 0, 1000);
      expect(lines.some((l) => /^created a /.test(l.message))).toBe(true);
      expect(lines.at(-1)?.message).toMatch(/^success: .* 25 created/);

      const second = await enqueue();
      expect(await runFinished(runtime, second.runId)).toBe('success');
      expect((await repos.runs.get(org.id, second.runId))?.counts).toMatchObject({ created: 0, updated: 0 });
    } finally {
      await runtime.stop(1000);
    }
  });

  it('a progress write that fails mid-run (the database went away) is made good by the next one, and never ends the process', async () => {
    const fixture = get();
    const { store, repos } = fixture;
    const ctx = testAppContext(fixture);
    const { org, sync } = await copyPeople(repos, 'acme-p', { batchSize: 5 });
    // The second progress write of the first attempt fails, as a query does when its connection drops.
    const original = RunContext.prototype.commit;
    let calls = 0;
    const spy = vi.spyOn(RunContext.prototype, 'commit').mockImplementation(function (
      this: RunContext,
      ...args
    ) {
      if (++calls === 2) return Promise.reject(new Error('Connection terminated unexpectedly (injected)'));
      return original.apply(this, args);
    });
    const runtime = await createAppRuntime(ctx, { scheduler: false, concurrency: 2 });
    await runtime.start();
    try {
      const { runId } = await store.db.transaction().execute((trx) =>
        enqueueRun(trx, runtime.queue, {
          orgId: org.id,
          kind: 'sync.run',
          trigger: 'manual',
          syncId: sync.id,
        }),
      );
      expect(await runFinished(runtime, runId)).toBe('success');
      const run = await repos.runs.get(org.id, runId);
      // The failed write is made good by the next one: the counts hold every batch.
      expect(run).toMatchObject({ attempt: 1, counts: expect.objectContaining({ created: 25 }) });
      const lines = await repos.runLogs.after(org.id, runId, 0, 1000);
      expect(calls).toBeGreaterThan(2);
      expect(lines.filter((l) => /^created a /.test(l.message))).toHaveLength(25);
      const copy = (await repos.collections.byKey(org.id, 'people_copy'))!;
      expect(await repos.records.count(org.id, copy.id)).toBe(25);
    } finally {
      spy.mockRestore();
      await runtime.stop(1000);
    }
  });
});
