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
  /** Open loop: send at this fixed rate (events/s) whatever the acks do; latency counts from the planned send. */
  rate?: number;
}

export interface WebhookIngestSample {
  p50: number;
  p99: number;
  max: number;
  perSecond: number;
  stored: number;
  p999: number;
  /** Fixed-rate runs: received → processed by the worker (ms), and how many were processed. */
  applied?: { p50: number; p99: number; max: number; processed: number };
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
    const send = async (i: number, planned: number) => {
      const body = JSON.stringify({ event: 'record.updated', id: i, data: { title: `Post ${i}` } });
      const headers = signDelivery(secret, body, { id: `evt_${i}` });
      const res = await request(url, {
        method: 'POST',
        body,
        headers: { ...headers, 'content-type': 'application/json' },
      });
      await res.body.dump();
      latencies.push(performance.now() - planned);
      if (res.statusCode !== 202) throw new Error(`event ${i}: HTTP ${res.statusCode}`);
    };
    if (o.rate) {
      const inFlight: Promise<void>[] = [];
      for (let i = 0; i < o.n; i++) {
        const planned = started + (i * 1000) / o.rate;
        const wait = planned - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inFlight.push(send(i, planned));
      }
      await Promise.all(inFlight);
    } else await Promise.all(Array.from({ length: o.concurrency }, sender));
    const seconds = (performance.now() - started) / 1000;
    let applied: WebhookIngestSample['applied'];
    if (o.rate) {
      // End to end: wait (up to a minute) for the worker to have processed every event, then read its timestamps.
      const deadline = Date.now() + 60_000;
      let rows: { received_at: string; processed_at: string | null }[] = [];
      for (;;) {
        rows = await store.db.selectFrom('webhook_events').select(['received_at', 'processed_at']).execute();
        if (rows.every((r) => r.processed_at) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = rows.filter((r) => r.processed_at);
      const e2e = done
        .map((r) => Date.parse(r.processed_at!) - Date.parse(r.received_at))
        .sort((a, b) => a - b);
      applied = {
        p50: quantile(e2e, 0.5),
        p99: quantile(e2e, 0.99),
        max: e2e[e2e.length - 1] ?? NaN,
        processed: done.length,
      };
    }
    const stored = await store.db
      .selectFrom('webhook_events')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    latencies.sort((a, b) => a - b);
    return {
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      p999: quantile(latencies, 0.999),
      max: latencies[latencies.length - 1]!,
      ...(applied ? { applied } : {}),
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
