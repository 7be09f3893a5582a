/**
 * The outbox across a crash: a post written through the API of a server that dies (SIGKILL) right after its
 * answer still reaches Synup, exactly once, when the next server starts. The API server runs without a worker
 * (`--no-worker`), so nothing can have pushed the post before the kill: only the change event the write committed
 * with the post can bring it to the platform.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { startSynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { synupPostsSync } from '../helpers/app-context.js';
import { baseEnv, runCli, runCliToEnd } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/dialects.js';
import { until } from '../helpers/until.js';

it('a post written just before a kill -9 reaches Synup once after the restart', async () => {
  const database = await createTestDatabase('sqlite');
  const dir = database.dir;
  const env = baseEnv();
  const init = await runCliToEnd(['org', 'create', '--name', 'Outbox', '--data', dir], env);
  expect(init.code, init.stderr).toBe(0);
  const sim = await startSynupSimulator({ seedRecords: 0 });
  const key = Buffer.from(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim(), 'hex');
  const store = await database.open();
  const repos = createRepositories(store.db, new SecretBox(key));
  const servers: Array<ReturnType<typeof runCli>> = [];
  try {
    const { org } = await synupPostsSync(repos, sim, 0);
    const { key: apiKey } = await repos.apiKeys.create(org.id, { name: 'app', role: 'editor' });

    const api = runCli(['start', '--port', '0', '--no-worker', '--data', dir], env);
    servers.push(api);
    const base = (await api.waitFor(/running at (http:\/\/\S+)/, 30_000))[1]!;
    const res = await fetch(`${base}/api/v1/collections/posts/records`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { content: 'Written just before the crash' } }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    api.child.kill('SIGKILL');
    await api.exited;
    expect(sim.account.posts.values()).toHaveLength(0);

    const next = runCli(['start', '--port', '0', '--data', dir], env);
    servers.push(next);
    await next.waitFor(/stop:/, 30_000);
    await until('the post on Synup', () => sim.account.posts.values().length > 0, 30_000);
    // Every run the event queued has ended: nothing more will reach the platform.
    await until('the event run to end', async () => {
      const runs = (await repos.runs.list(org.id, {})).data;
      return runs.length > 0 && runs.every((r) => !['queued', 'running'].includes(r.status));
    });
    const runs = (await repos.runs.list(org.id, {})).data;
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([['event', 'success']]);
    expect(sim.account.posts.values().map((p) => p.content)).toEqual(['Written just before the crash']);
  } finally {
    for (const s of servers) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await store.close();
    await sim.close();
    await database.dispose();
  }
}, 90_000);
