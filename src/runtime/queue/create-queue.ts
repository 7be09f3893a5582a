/**
 * @module Opens the queue for the database in use: the same table queue on SQLite and on Postgres, where it also
 * listens for other processes' jobs.
 */
import type { DatabaseTarget } from '../../config/config.js';
import type { Store } from '../../store/database.js';
import type { Queue } from './queue.js';
import { TableQueue } from './table-queue.js';

export interface CreateQueueOptions {
  /** Postgres: where the LISTEN connection goes instead of the configured URL. */
  connectionString?: string;
}

/** Opens (and prepares) the queue for `store`. */
export async function createQueue(
  store: Store,
  target: DatabaseTarget,
  options: CreateQueueOptions = {},
): Promise<Queue> {
  const queue = new TableQueue(
    store,
    target.dialect === 'postgres' ? { connectionString: options.connectionString ?? target.url } : {},
  );
  await queue.prepare();
  return queue;
}
