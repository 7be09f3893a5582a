/**
 * SIGTERM in the middle of a sync: `datasync start` stops taking work, the running sync stops at its next batch
 * boundary with its checkpoint committed, the process exits 0 inside its shutdown timeout, and the run is left
 * queued (interrupted, not failed). The next start resumes it: every record reaches the platform exactly once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { createQueue } from '../../src/runtime/queue/create-queue.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { startSynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { fromJson } from '../../src/store/json.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { synupPostsSync } from '../helpers/app-context.js';
import { baseEnv, runCli, runCliToEnd } from '../helpers/cli.js';
import { createTestDatabase, DIALECTS } from '../helpers/dialects.js';
import { until } from '../helpers/until.js';

const POSTS = 60;

describe.each(DIALECTS)('SIGTERM drain [%s]', (dialect) => {
  it('drains a running sync on SIGTERM, exits 0, and the next start finishes the run with nothing duplicated', async () => {
    const database = await createTestDatabase(dialect);
    const dir = database.dir;
    // Postgres: the test's own schema, created by opening it; SQLite: the data dir's file, made by the CLI.
    const pgStore = dialect === 'postgres' ? await database.open() : undefined;
    await pgStore?.close();
    const env = baseEnv({ DATABASE_URL: database.url });
    // Only for the data dir (database, migrations, secret.key) the CLI makes: the sync gets its own organization.
    const init = await runCliToEnd(['org', 'create', '--name', 'Drain', '--data', dir], env);
    expect(init.code, init.stderr).toBe(0);
    const sim = await startSynupSimulator({ seedRecords: 0 });
    const target = database.target;
    const key = Buffer.from(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim(), 'hex');
    const store = await database.open();
    const repos = createRepositories(store.db, new SecretBox(key));
    try {
      // Synup takes one post per request at 10 requests/s: batches of 5 give a boundary every half second.
      const { org, sync } = await synupPostsSync(repos, sim, POSTS, { batchSize: 5 });
      const queue = await createQueue(store, target);
      const { runId } = await store.db.transaction().execute((trx) =>
        enqueueRun(trx, queue, {
          orgId: org.id,
          kind: 'sync.run',
          trigger: 'manual',
          syncId: sync.id,
          params: {},
        }),
      );
      const runRow = () =>
        store.db
          .selectFrom('runs')
          .select(['status', 'counts'])
          .where('id', '=', runId)
          .executeTakeFirstOrThrow();
      const runStatus = async () => (await runRow()).status;
      const created = async () => fromJson<{ created: number }>((await runRow()).counts).created;

      const first = runCli(['start', '--port', '0', '--data', dir], env);
      await first.waitFor(/stop:/);
      await until('the first posts on the platform', () => sim.account.posts.values().length >= 10);
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const end = await first.exited;
      const drainMs = Date.now() - signalled;
      expect(end.code, first.stderr()).toBe(0);
      // The default shutdown timeout is 10 s; a drained sync leaves well before it.
      expect(drainMs).toBeLessThan(10_000);
      const made = sim.account.posts.values().length;
      expect(made).toBeLessThan(POSTS);
      expect(await runStatus()).toBe('queued');
      // Every create that reached the platform was in a committed batch, and the run's counts say so.
      expect(await created()).toBe(made);
      const lines = await store.db
        .selectFrom('run_logs')
        .select('message')
        .where('run_id', '=', runId)
        .execute();
      expect(lines.map((l) => l.message)).toContain(
        'stopped at a batch boundary for shutdown; resumes from its checkpoint',
      );
      // The checkpoint held: nothing the first process committed is written again.
      const second = runCli(['start', '--port', '0', '--data', dir], env);
      await second.waitFor(/stop:/);
      await until('the run to finish', async () => !['queued', 'running'].includes(await runStatus()));
      expect(await runStatus()).toBe('success');
      expect(await created()).toBe(POSTS);
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      const contents = sim.account.posts.values().map((p) => String(p.content));
      expect(contents).toHaveLength(POSTS);
      expect(new Set(contents).size).toBe(POSTS);
      await queue.close();
    } finally {
      await store.close();
      await sim.close();
      await database.dispose();
    }
  }, 120_000);
});
