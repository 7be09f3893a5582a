/**
 * @module The application context: configuration, logger, database, encryption and repositories, opened in
 * order with a clear error at each step. Every command that stores or serves starts here.
 */
import type { Config } from '../config/config.js';
import { SecretBox } from '../lib/crypto/secret-box.js';
import { ensureDataDir } from '../lib/data-dir.js';
import { DataSyncError } from '../lib/errors.js';
import { loadSecretKey } from '../lib/crypto/secret-key.js';
import { verifySecretKey } from './secret-key-check.js';
import type { Logger } from '../lib/logger.js';
import { openDatabase, type Store } from '../store/database.js';
import { migrateToLatest, pendingMigrations } from '../store/migrator.js';
import { createRepositories, type Repositories } from '../store/repositories/index.js';

export interface AppContext {
  config: Config;
  logger: Logger;
  store: Store;
  box: SecretBox;
  repos: Repositories;
  secretKeyFile: string | undefined;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  /** Apply pending migrations (start, migrate) or refuse to run on an old schema (worker). */
  migrate: boolean;
}

export async function openContext(
  config: Config,
  logger: Logger,
  options: OpenContextOptions,
): Promise<AppContext> {
  ensureDataDir(config.dataDir);
  const key = loadSecretKey(config.secretKey, config.dataDir);
  const store = await openDatabase(config.database);
  let box = new SecretBox(key.key);
  try {
    if (options.migrate) {
      const report = await migrateToLatest(store.db as never, store.dialect);
      if (report.applied.length > 0) logger.info({ applied: report.applied }, 'migrations applied');
    } else {
      const pending = await pendingMigrations(store.db as never, store.dialect);
      if (pending.length > 0) {
        throw new DataSyncError(
          'migration_failed',
          `the database is behind this build (${pending.length} pending migrations)`,
          {
            hint: 'run `datasync migrate` (or `datasync start`, which migrates) first',
          },
        );
      }
    }
    box = await verifySecretKey(store.db, box, key);
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    config,
    logger,
    store,
    box,
    repos: createRepositories(store.db, box),
    secretKeyFile: key.file,
    close: () => store.close(),
  };
}
