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
