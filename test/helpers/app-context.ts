/** An AppContext over a test database (no data-dir secret file, silent logs), and a wait for a run's end. */
import { pino } from 'pino';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { MigratedStore } from './dialects.js';

export function testAppContext({ store, repos, database, box }: MigratedStore): AppContext {
  return {
    config: loadConfig({
      DATASYNC_DATA_DIR: database.dir,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    }),
    logger: pino({ level: 'silent' }),
    store,
    box,
    repos,
    secretKeyFile: undefined,
    close: async () => undefined,
  };
}

/** Resolves with the run's final status when the runtime reports it (no polling). */
export function runFinished(runtime: Runtime, runId: string): Promise<string> {
  return new Promise((resolve) => {
    const off = runtime.events.on('run.finished', (e) => {
      if (e.runId === runId) {
        off();
        resolve(e.status);
      }
    });
  });
}

/**
 * An organization whose `posts` collection holds `posts` local records (`content`) and a two-way sync of it with
 * the Synup simulator's posts: the set-up the Synup runtime tests share.
 */
export async function synupPostsSync(
  repos: MigratedStore['repos'],
  sim: { url: string; credentials: Record<string, string | undefined> },
  posts: number,
  options: { batchSize?: number } = {},
) {
  const org = await repos.organizations.create({
    name: 'Synup',
    slug: `synup-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  });
  const collection = await repos.collections.create(org.id, { key: 'posts', name: 'Posts' });
  await repos.records.writeMany(
    org.id,
    collection.id,
    Array.from({ length: posts }, (_, i) => ({ data: { content: `post ${i}` } })),
  );
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
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      objects: [{ name: 'posts', a: 'posts', b: 'posts', fields: [{ a: 'content', b: 'content' }] }],
    },
  });
  return { org, collection, sync };
}
