/**
 * @module API write → visible on the platform: the real server and worker (started) on loopback, a two-way
 * posts sync with the Synup simulator (its documented rate limit on), and N posts created one after another
 * through `POST /collections/:key/records`, each only once the previous one is on Synup (an idle machine, no
 * backlog). Each latency runs from just before the request to the moment the post is in the simulator's store;
 * nothing but the record write queues the push (the outbox). `npm run bench -- outbox-push [--n 50]
 * [--runs 3] [--dialect sqlite|postgres]`.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { buildServer } from '../../src/api/server.js';
import { startSynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { openBenchApp } from './app-env.js';

export interface OutboxPushSample {
  p50: number;
  p99: number;
  max: number;
  /** Event runs that ended other than success. */
  failedRuns: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export async function outboxPush(o: {
  dialect: 'sqlite' | 'postgres';
  n: number;
  pgUrl: string;
}): Promise<OutboxPushSample> {
  const app = await openBenchApp(o.dialect, o.pgUrl, 'outbox');
  const sim = await startSynupSimulator({ seedRecords: 0 });
  const runtime = await app.runtime();
  const server = await buildServer(app.ctx, { runtime });
  try {
    await runtime.start();
    const base = await server.listen({ port: 0, host: '127.0.0.1' });
    const { repos } = app.ctx;
    const org = await repos.organizations.create({
      name: 'bench',
      slug: `bench-${randomBytes(3).toString('hex')}`,
    });
    await repos.collections.create(org.id, { key: 'posts', name: 'Posts' });
    const connection = await repos.connections.create(org.id, {
      name: 'synup',
      connector: 'synup',
      settings: { baseUrl: sim.url, locationId: sim.credentials.locationId },
      credentials: { apiKey: sim.credentials.apiKey! },
    });
    const sync = await repos.syncs.create(org.id, {
      name: 'posts',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        objects: [{ name: 'posts', a: 'posts', b: 'posts', fields: [{ a: 'content', b: 'content' }] }],
      },
    });
    const { key } = await repos.apiKeys.create(org.id, { name: 'bench', role: 'editor' });
    const onPlatform = (content: string) => sim.account.posts.values().some((p) => p.content === content);
    const latencies: number[] = [];
    for (let i = 0; i < o.n; i++) {
      const content = `bench post ${i}`;
      const t0 = performance.now();
      const res = await request(`${base}/api/v1/collections/posts/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ data: { content } }),
      });
      await res.body.dump();
      if (res.statusCode !== 201) throw new Error(`post ${i}: HTTP ${res.statusCode}`);
      const deadline = Date.now() + 30_000;
      // The simulator is in this process: looking at its store costs no request.
      while (!onPlatform(content)) {
        if (Date.now() > deadline) throw new Error(`post ${i} did not reach Synup in 30 s`);
        await new Promise((r) => setTimeout(r, 1));
      }
      latencies.push(performance.now() - t0);
      // Idle between writes: the next one starts once the run that pushed this one has ended.
      for (;;) {
        const open = (await repos.runs.list(org.id, { syncId: sync.id })).data.filter((r) =>
          ['queued', 'running'].includes(r.status),
        );
        if (open.length === 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    const runs = (await repos.runs.list(org.id, { syncId: sync.id }, { limit: 1000 })).data;
    latencies.sort((a, b) => a - b);
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1)!,
      failedRuns: runs.filter((r) => r.status !== 'success').length,
    };
  } finally {
    await server.close();
    await runtime.stop(1000);
    await sim.close();
    await app.dispose();
  }
}
