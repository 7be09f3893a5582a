/**
 * @module `datasync migrate`: applies pending migrations and says what it did. Running it again changes nothing.
 */
import { Command } from 'commander';
import { openDatabase } from '../../store/database.js';
import { migrateToLatest } from '../../store/migrator.js';
import { configFromFlags, withDataOption } from './options.js';

export function migrateCommand(): Command {
  return withDataOption(new Command('migrate').description('apply pending database migrations')).action(
    async (flags: { data?: string }) => {
      const { config } = configFromFlags(flags);
      const store = await openDatabase(config.database);
      try {
        const { applied } = await migrateToLatest(store.db as never, store.dialect);
        process.stdout.write(
          applied.length === 0
            ? `database ${store.location} is up to date\n`
            : `database ${store.location}: applied ${applied.join(', ')}\n`,
        );
      } finally {
        await store.close();
      }
    },
  );
}
