/**
 * Runtime tests run once per database: the table queue on SQLite, and on Postgres (in the test's own schema) when
 * DATASYNC_TEST_PG_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { createQueue } from '../../src/runtime/queue/create-queue.js';
import type { Queue } from '../../src/runtime/queue/queue.js';
import type { Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from './dialects.js';

export interface QueueFixture {
  store: Store;
  queue: Queue;
  repos: Repositories;
  box: SecretBox;
  database: TestDatabase;
}

/** Opens a migrated test database and its queue; `dispose` drops everything. */
export async function openQueueFixture(
  dialect: 'sqlite' | 'postgres',
): Promise<QueueFixture & { dispose(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const store = await database.open();
  await migrateToLatest(store.db as never, store.dialect);
  const queue = await createQueue(store, database.target);
  const box = new SecretBox(randomBytes(32));
  return {
    store,
    queue,
    repos: createRepositories(store.db, box),
    box,
    database,
    dispose: async () => {
      await queue.close();
      await store.close();
      await database.dispose();
    },
  };
}

/** describe() once per queue back end, with a fresh database and queue per test (beforeEach is too slow on PG). */
export function describeEachQueue(name: string, body: (open: () => Promise<QueueFixture>) => void): void {
  for (const dialect of DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      const opened: Array<{ dispose(): Promise<void> }> = [];
      afterAll(async () => {
        for (const f of opened) await f.dispose();
      });
      body(async () => {
        const fixture = await openQueueFixture(dialect);
        opened.push(fixture);
        return fixture;
      });
    });
  }
}

/** Resolves when `predicate` holds, re-checked on every call of the returned `changed()`; rejects after `ms`. */
export function condition(predicate: () => boolean, ms = 20_000) {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error('condition not met in time')), ms);
  const changed = () => {
    if (predicate()) {
      clearTimeout(timer);
      resolve();
    }
  };
  changed();
  return { done, changed };
}
