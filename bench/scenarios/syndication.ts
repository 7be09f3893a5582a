/**
 * @module Syndication benchmarks, one sample per call (bench/main.ts repeats them and reports median/min/max):
 * - `coldStartDemo`: `datasync start` (the built dist, as `npm start` runs it) on an empty data dir seeds the demo
 *   (3 sites × 3 published items); from the process spawn, sign in, start a syndication run over the API and
 *   wait until it is final. Figure: ms from process start to the run finished (and the run's own duration).
 * - `fanOut`: N sites × M published items, every cell `full`, all on the built-in receiver of a real HTTP server,
 *   pushed by one `syndication.run` through the app runtime. Figures: job ms and deliveries/s (and items/s).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { pino } from 'pino';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { enqueueSyndicationRun } from '../../src/syndication/enqueue-syndication.js';
import { OFFER_BANNER } from '../../src/syndication/demo-seed.js';
import { receiverRoutes } from '../../src/syndication/receiver.js';
import { BUILTIN_RECEIVER_URL } from '../../src/syndication/site-url.js';

const FINAL = new Set(['success', 'partial', 'failed', 'cancelled']);

export async function coldStartDemo(): Promise<Record<string, number>> {
  const main = path.resolve('dist/cli/main.js');
  if (!existsSync(main))
    throw new Error('run `npm run build` first: the cold start measures dist/cli/main.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'datasync-bench-cold-'));
  const started = performance.now();
  const child = spawn(process.execPath, [main, 'start', '--port', '0', '--data', dir], {
    env: { ...process.env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = out.match(/running at (http:\/\/localhost:\d+)[\s\S]*login: +(\S+) \/ (\S+)/);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
    });
    const [, url, email, password] = ready;
    const listening = performance.now();
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
    const res = await fetch(`${url}/api/v1/syndication/runs`, { method: 'POST', headers, body: '{}' });
    if (res.status !== 202) throw new Error(`POST /syndication/runs → ${res.status} ${await res.text()}`);
    const { run } = (await res.json()) as { run: { id: string } };
    // The bench polls (tight) because it runs outside the server: the figure includes at most one interval.
    for (;;) {
      const detail = (await (
        await fetch(`${url}/api/v1/syndication/runs/${run.id}`, { headers: { cookie } })
      ).json()) as { run: { status: string; durationMs: number | null }; children: unknown[] };
      if (FINAL.has(detail.run.status)) {
        const finished = performance.now();
        if (detail.run.status !== 'success') throw new Error(`demo run ended ${detail.run.status}`);
        return {
          'start → run finished ms': finished - started,
          'start → listening ms': listening - started,
          'run duration ms': detail.run.durationMs ?? NaN,
          'sites count': detail.children.length,
        };
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function fanOut(sites: number, items: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'datasync-bench-fanout-'));
  const target = { dialect: 'sqlite' as const, file: path.join(dir, 'bench.db') };
  const store = await openDatabase(target);
  await migrateToLatest(store.db as never, 'sqlite');
  const box = new SecretBox(randomBytes(32));
  const repos = createRepositories(store.db, box);
  const ctx: AppContext = {
    config: loadConfig({ DATASYNC_DATA_DIR: dir }),
    logger: pino({ level: 'silent' }),
    store,
    box,
    repos,
    secretKeyFile: undefined,
    close: () => store.close(),
  };
  const org = await repos.organizations.create({ name: 'bench', slug: `bench-${Date.now()}` });
  const type = await repos.collections.create(org.id, {
    key: 'offer_banner',
    name: 'Offer banner',
    schema: OFFER_BANNER,
  });
  await repos.records.writeMany(
    org.id,
    type.id,
    Array.from({ length: items }, (_, i) => ({
      data: { headline: `Offer ${i}`, cta_text: `Shop ${i}`, start_date: '2026-11-01' },
      status: 'published' as const,
    })),
  );
  const itemIds: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await repos.records.list(org.id, type.id, { limit: 5000, ...(cursor ? { cursor } : {}) });
    itemIds.push(...page.data.map((r) => r.id));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  for (let s = 0; s < sites; s++) {
    const { site } = await repos.sites.create(org.id, {
      name: `Site ${s}`,
      slug: `site-${s}`,
      url: BUILTIN_RECEIVER_URL,
    });
    await store.db.transaction().execute((trx) =>
      createRepositories(trx, box).mappings.put(
        org.id,
        itemIds.map((itemId) => ({ siteId: site.id, itemId, mode: 'full' as const })),
      ),
    );
  }

  const receiver = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  await receiver.register(receiverRoutes, { repos });
  const url = await receiver.listen({ port: 0, host: '127.0.0.1' });
  const runtime = await createAppRuntime(ctx, { scheduler: false, publicUrl: () => url });
  await runtime.start();
  try {
    const started = performance.now();
    const { runId } = await store.db
      .transaction()
      .execute((trx) => enqueueSyndicationRun(trx, runtime.queue, { orgId: org.id, trigger: 'manual' }));
    const status = await new Promise<string>((resolve) => {
      const off = runtime.events.on('run.finished', (e) => {
        if (e.runId === runId) {
          off();
          resolve(e.status);
        }
      });
    });
    const ms = performance.now() - started;
    if (status !== 'success') throw new Error(`fan-out run ended ${status}`);
    const delivered = await store.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', 'success')
      .executeTakeFirstOrThrow();
    return {
      'job ms': ms,
      'deliveries/s': Number(delivered.n) / (ms / 1000),
      'items delivered/s': (Number(delivered.n) * items) / (ms / 1000),
      'deliveries count': Number(delivered.n),
    };
  } finally {
    await runtime.stop();
    await receiver.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
