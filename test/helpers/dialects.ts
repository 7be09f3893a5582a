/**
 * Every storage test runs once per dialect: SQLite in a fresh temp file, and Postgres in a fresh schema of the
 * database named by DATASYNC_TEST_PG_URL (skipped, with one line from global-setup, when it is unset). Runs never
 * see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { DatabaseTarget } from '../../src/config/config.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import type { DialectName } from '../../src/store/dialect.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';

export const PG_URL = process.env.DATASYNC_TEST_PG_URL;

export const DIALECTS: DialectName[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

/** A place for one test's data: an empty SQLite file, or an empty Postgres schema. */
export interface TestDatabase {
  dialect: DialectName;
  target: DatabaseTarget;
  schema: string | undefined;
  /** A DATABASE_URL a child process can use to reach the same place (Postgres: search_path in the URL). */
  url: string | undefined;
  dir: string;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

export function uniqueSchema(): string {
  return `t_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
}

export async function createTestDatabase(dialect: DialectName): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'datasync-test-'));
  if (dialect === 'sqlite') {
    const target: DatabaseTarget = { dialect: 'sqlite', file: path.join(dir, 'datasync.db') };
    return {
      dialect,
      target,
      schema: undefined,
      url: undefined,
      dir,
      open: () => openDatabase(target),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!PG_URL) throw new Error('DATASYNC_TEST_PG_URL is not set');
  const schema = uniqueSchema();
  const target: DatabaseTarget = { dialect: 'postgres', url: PG_URL };
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    dialect,
    target,
    schema,
    url: url.toString(),
    dir,
    open: () => openDatabase(target, { schema }),
    dispose: async () => {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MigratedStore {
  store: Store;
  repos: Repositories;
  box: SecretBox;
  database: TestDatabase;
}

/**
 * describe() once per dialect with a migrated store shared by the tests inside. Tests make their own
 * organizations so they do not depend on each other's rows.
 */
export function describeEachDialect(name: string, body: (get: () => MigratedStore) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      let current: MigratedStore | undefined;
      beforeAll(async () => {
        const database = await createTestDatabase(dialect);
        const store = await database.open();
        await migrateToLatest(store.db as never, store.dialect);
        const box = new SecretBox(randomBytes(32));
        current = { store, repos: createRepositories(store.db, box), box, database };
      });
      afterAll(async () => {
        await current?.store.close();
        await current?.database.dispose();
      });
      body(() => {
        if (!current) throw new Error('store not ready');
        return current;
      });
    });
  }
}
