/**
 * @module A throwaway app for the benchmarks that run real `sync.run` jobs: a migrated SQLite file or Postgres
 * schema, repositories, an AppContext and an app runtime with one worker slot, and `dispose` to drop it all.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';

export interface BenchApp {
  ctx: AppContext;
  /** An app runtime (not started) on the app's database. */
  runtime(): Promise<Runtime>;
  dispose(): Promise<void>;
}

export async function openBenchApp(
  dialect: 'sqlite' | 'postgres',
  pgUrl: string,
  tag: string,
): Promise<BenchApp> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `datasync-bench-${tag}-`));
  const schema = `t_${Math.floor(Date.now() / 1000)}_${tag}_${randomBytes(3).toString('hex')}`;
  const store =
    dialect === 'sqlite'
      ? await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.db') })
      : await openDatabase({ dialect: 'postgres', url: pgUrl }, { schema });
  await migrateToLatest(store.db as never, store.dialect);
  const box = new SecretBox(randomBytes(32));
  const ctx: AppContext = {
    config: loadConfig({
      DATASYNC_DATA_DIR: dir,
      ...(dialect === 'postgres' ? { DATABASE_URL: pgUrl } : {}),
    }),
    logger: pino({ level: 'silent' }),
    store,
    box,
    repos: createRepositories(store.db, box),
    secretKeyFile: undefined,
    close: async () => undefined,
  };
  return {
    ctx,
    runtime: () =>
      createAppRuntime(ctx, {
        scheduler: false,
        concurrency: 1,
        queueOptions: {
          ...(dialect === 'postgres' ? { connectionString: pgUrl } : {}),
        },
      }),
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      if (dialect !== 'postgres') return;
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}
