/**
 * @module Picks the queue back end for the database in use: the embedded queue on SQLite, graphile-worker on
 * Postgres.
 */
import type { DatabaseTarget } from '../../config/config.js';
import type { Store } from '../../store/database.js';
import { PostgresQueue } from './postgres/postgres-queue.js';
import type { Queue } from './queue.js';
import { SqliteQueue } from './sqlite/sqlite-queue.js';

export interface CreateQueueOptions {
  /** Postgres: graphile-worker's schema (default `graphile_worker`). */
  workerSchema?: string;
  /** Postgres: a connection string to use instead of the configured one (tests add a search_path). */
  connectionString?: string;
  onError?: (message: string) => void;
}

/** Opens (and prepares) the queue for `store`. */
export async function createQueue(
  store: Store,
  target: DatabaseTarget,
  options: CreateQueueOptions = {},
): Promise<Queue> {
  const queue: Queue =
    target.dialect === 'sqlite'
      ? new SqliteQueue(store)
      : new PostgresQueue(store, {
          connectionString: options.connectionString ?? target.url,
          ...(options.workerSchema ? { workerSchema: options.workerSchema } : {}),
          ...(options.onError ? { onError: options.onError } : {}),
        });
  await queue.prepare();
  return queue;
}
