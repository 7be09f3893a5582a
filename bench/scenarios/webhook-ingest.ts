/**
 * @module Webhook receiver benchmark: the real server listening on loopback, a `webhook` connection, and N signed
 * events POSTed over HTTP with C in flight at once, while the worker (started) processes them. Figures: the ack
 * latency each sender sees (p50, p99, max, ms), acknowledgements per second, and that every event was stored
 * once. `npm run bench -- webhook-ingest [--n 3000] [--runs 3] [--dialect sqlite|postgres]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { request } from 'undici';
import { buildServer } from '../../src/api/server.js';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { signDelivery } from '../../src/deliveries/signing.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';

export interface WebhookIngestOptions {
  dialect: 'sqlite' | 'postgres';
  n: number;
  concurrency: number;
  pgUrl: string;
}

export interface WebhookIngestSample {
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
  stored: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** One sample: a fresh database, server and worker; n events sent; everything torn down. */
export async function webhookIngest(o: WebhookIngestOptions): Promise<WebhookIngestSample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-bench-hooks-'));
  const schema = `t_${Math.floor(Date.now() / 1000)}_hooks_${randomBytes(3).toString('hex')}`;
  const env =
    o.dialect === 'sqlite' ? { DATASYNC_DATA_DIR: dir } : { DATASYNC_DATA_DIR: dir, DATABASE_URL: o.pgUrl };
  const config = loadConfig(env);
  const store: Store =
    o.dialect === 'sqlite'
      ? await openDatabase(config.database)
      : await openDatabase(config.database, { schema });
  await migrateToLatest(store.db as never, store.dialect);
  const box = new SecretBox(randomBytes(32));
  const ctx: AppContext = {
    config,
    logger: pino({ level: 'silent' }),
    store,
    box,
    repos: createRepositories(store.db, box),
    secretKeyFile: undefined,
    close: () => store.close(),
  };
  const runtime = await createAppRuntime(ctx, { scheduler: false });
  const server = await buildServer(ctx, { runtime });
  try {
    await runtime.start();
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const org = await ctx.repos.organizations.create({ name: 'bench', slug: `bench-${Date.now()}` });
    const { site, secret } = await ctx.repos.sites.create(org.id, {
      name: 'bench',
      slug: 'bench',
      url: 'builtin:receiver',
    });
    const url = `${address}/api/v1/hooks/${site.connectionId}`;
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    const sender = async () => {
      for (;;) {
        const i = next++;
        if (i >= o.n) return;
        const body = JSON.stringify({ event: 'record.updated', id: i, data: { title: `Post ${i}` } });
        const headers = signDelivery(secret, body, { id: `evt_${i}` });
        const t0 = performance.now();
        const res = await request(url, {
          method: 'POST',
          body,
          headers: { ...headers, 'content-type': 'application/json' },
        });
        await res.body.dump();
        latencies.push(performance.now() - t0);
        if (res.statusCode !== 202) throw new Error(`event ${i}: HTTP ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, sender));
    const seconds = (performance.now() - started) / 1000;
    const stored = await store.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    latencies.sort((a, b) => a - b);
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies[latencies.length - 1]!,
      perSecond: o.n / seconds,
      stored: Number(stored.n),
    };
  } finally {
    await server.close();
    await runtime.stop(1000);
    if (o.dialect === 'postgres') {
      await store.db.schema
        .dropSchema(schema)
        .ifExists()
        .cascade()
        .execute()
        .catch(() => undefined);
    }
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
