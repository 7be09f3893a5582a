import { expect, it } from 'vitest';
import { sql } from 'kysely';
import { migrateToLatest, pendingMigrations } from '../../src/store/migrator.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { createTestDatabase, DIALECTS } from '../helpers/dialects.js';
import { describe } from 'vitest';

for (const dialect of DIALECTS) {
  describe(`migrations [${dialect}]`, () => {
    it('applies everything on an empty database, then nothing the second time', async () => {
      const database = await createTestDatabase(dialect);
      const store = await database.open();
      try {
        const first = await migrateToLatest(store.db as never, store.dialect);
        expect(first.applied).toEqual(Object.keys(MIGRATIONS));
        const second = await migrateToLatest(store.db as never, store.dialect);
        expect(second.applied).toEqual([]);
        expect(await pendingMigrations(store.db as never, store.dialect)).toEqual([]);
      } finally {
        await store.close();
        await database.dispose();
      }
    });

    it('upgrades a database left at every older version, keeping its rows', async () => {
      const names = Object.keys(MIGRATIONS);
      for (const upTo of names) {
        const database = await createTestDatabase(dialect);
        let store = await database.open();
        try {
          await migrateToLatest(store.db as never, store.dialect, upTo);
          await store.db
            .insertInto('organizations')
            .values({ id: 'org_old', name: 'Old', slug: 'old', created_at: new Date().toISOString() })
            .execute();
          await store.close();
          // A newer build starts on the older database.
          store = await database.open();
          expect(await pendingMigrations(store.db as never, store.dialect)).toEqual(
            names.slice(names.indexOf(upTo) + 1),
          );
          await migrateToLatest(store.db as never, store.dialect);
          expect(await pendingMigrations(store.db as never, store.dialect)).toEqual([]);
          const row = await store.db
            .selectFrom('organizations')
            .select('slug')
            .where('id', '=', 'org_old')
            .executeTakeFirst();
          expect(row?.slug).toBe('old');
        } finally {
          await store.close();
          await database.dispose();
        }
      }
    });

    it('creates every core table', async () => {
      const database = await createTestDatabase(dialect);
      const store = await database.open();
      try {
        await migrateToLatest(store.db as never, store.dialect);
        const tables = (await store.db.introspection.getTables()).map((t) => t.name);
        for (const name of [
          'organizations',
          'users',
          'memberships',
          'api_keys',
          'audit_log',
          'connections',
          'collections',
          'records',
          'syncs',
          'links',
          'runs',
          'run_logs',
          'conflicts',
          'deliveries',
          'webhook_events',
        ]) {
          expect(tables).toContain(name);
        }
        const count = await sql<{ n: number }>`select count(*) as n from records`.execute(store.db);
        expect(Number(count.rows[0]?.n)).toBe(0);
      } finally {
        await store.close();
        await database.dispose();
      }
    });
  });
}
