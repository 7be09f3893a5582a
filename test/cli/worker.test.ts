/**
 * `datasync worker` runs queued work and stops cleanly on SIGTERM; `datasync sync run` queues a run (and says
 * plainly when the sync does not exist).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { TableQueue } from '../../src/runtime/queue/table-queue.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { RunRepository } from '../../src/store/repositories/runs.js';
import { baseEnv, runCli, runCliToEnd } from '../helpers/cli.js';

describe('datasync worker', () => {
  it('runs a queued run, and stops on SIGTERM with exit 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-worker-'));
    expect((await runCliToEnd(['migrate', '--data', dir], baseEnv())).code).toBe(0);
    const store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
    try {
      await store.db
        .insertInto('organizations')
        .values({ id: 'org_1', name: 'O', slug: 'o', created_at: new Date().toISOString() })
        .execute();
      const { runId } = await enqueueRun(store.db, new TableQueue(store), {
        orgId: 'org_1',
        kind: 'runtime.noop',
        trigger: 'manual',
      });
      const worker = runCli(['worker', '--data', dir], baseEnv());
      await worker.waitFor(/worker started \(sqlite/);
      const runs = new RunRepository(store.db);
      const deadline = Date.now() + 15_000;
      while ((await runs.byId(runId))?.status !== 'success') {
        if (Date.now() > deadline) throw new Error('the worker did not run the job');
        await new Promise((r) => setTimeout(r, 100));
      }
      worker.child.kill('SIGTERM');
      expect((await worker.exited).code).toBe(0);

      const missing = await runCliToEnd(['sync', 'run', 'syn_missing', '--data', dir], baseEnv());
      expect(missing.code).toBe(1);
      expect(missing.stderr.trim()).toMatch(/^datasync: no sync with id syn_missing: check the id/);
    } finally {
      await store.close();
    }
  });
});
