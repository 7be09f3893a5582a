/**
 * The sql connector on both dialects: a table in a SQLite file and in a Postgres schema of their own (never the
 * DataSync database), the contract suite (soft deletes → exact feed with tombstones; integer keys with hard deletes
 * → modified-since style feed), keyset paging over equal timestamps, typed errors, the credential check, the guard
 * against DataSync's own database, and a two-way sync between the table and the Airtable simulator.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { closeSqlDatabases } from '../../src/connectors/sql/sql-database.js';
import { sqlConnector } from '../../src/connectors/sql/sql-connector.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { AirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { DialectName } from '../../src/store/dialect.js';
import { DIALECTS, PG_URL, describeEachDialect, uniqueSchema } from '../helpers/dialects.js';
import { collect, contract } from './contract-suite.js';

/** An application database of its own: a SQLite file or a Postgres schema, reached by a connection string. */
interface AppDatabase {
  connectionString: string;
  exec(statement: string): Promise<void>;
  dispose(): Promise<void>;
}

async function appDatabase(dialect: DialectName): Promise<AppDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-sql-'));
    const file = path.join(dir, 'app.db');
    const db = new SQLite(file);
    return {
      connectionString: `sqlite:${file}`,
      exec: async (statement) => void db.exec(statement),
      dispose: async () => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = uniqueSchema();
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`create schema "${schema}"`);
  await client.query(`set search_path to "${schema}"`);
  const url = new URL(PG_URL!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    connectionString: url.toString(),
    exec: async (statement) => void (await client.query(statement)),
    dispose: async () => {
      await client.query(`drop schema "${schema}" cascade`);
      await client.end();
    },
  };
}

const TIME = { sqlite: 'datetime', postgres: 'timestamptz' } as const;
const JSON_TYPE = { sqlite: 'json', postgres: 'jsonb' } as const;
const SERIAL = { sqlite: 'integer primary key', postgres: 'serial primary key' } as const;

let tableNo = 0;

for (const dialect of DIALECTS) {
  describe(`sql connector [${dialect}]`, () => {
    let app: AppDatabase;
    beforeAll(async () => {
      app = await appDatabase(dialect);
    });
    afterAll(async () => {
      await closeSqlDatabases();
      await app.dispose();
    });

    const connect = (settings: Record<string, unknown>) =>
      sqlConnector({ settings, credentials: { connectionString: app.connectionString } });

    /** A fresh text-keyed table with a soft-delete column. */
    async function softTable(): Promise<string> {
      const table = `items_${tableNo++}`;
      await app.exec(`create table ${table} (id text primary key, title text not null, meta ${JSON_TYPE[dialect]},
        done boolean, updated_at ${TIME[dialect]} not null, deleted_at ${TIME[dialect]})`);
      return table;
    }

    contract(
      `sql soft-delete [${dialect}]`,
      async () => {
        const table = await softTable();
        return connect({ table, deletedAtColumn: 'deleted_at' }).object(table);
      },
      { title: 'title', meta: 'meta', exactFeed: true },
    );

    contract(
      `sql integer key [${dialect}]`,
      async () => {
        const table = `counted_${tableNo++}`;
        await app.exec(
          `create table ${table} (id ${SERIAL[dialect]}, title text, modified ${TIME[dialect]} not null)`,
        );
        return connect({ table, updatedAtColumn: 'modified' }).object(table);
      },
      { title: 'title', exactFeed: false },
    );

    it('pages the change feed by (updated-at, key): equal timestamps are neither skipped nor repeated', async () => {
      const table = await softTable();
      const values = Array.from({ length: 7 }, (_, i) => `('k${i}', 't${i}', '2026-01-01T00:00:00.000Z')`);
      await app.exec(`insert into ${table} (id, title, updated_at) values ${values.join(', ')}`);
      const client = await connect({ table }).object(table);
      const pages = await collect(client.listChanged!(null, { pageSize: 2 }));
      expect(pages.length).toBe(4);
      expect(pages.flatMap((p) => p.records.map((r) => r.id))).toEqual(values.map((_, i) => `k${i}`));
      expect(await collect(client.listChanged!(pages[pages.length - 1]!.cursor))).toEqual([]);
      // A cursor from the middle resumes after it.
      const rest = await collect(client.listChanged!(pages[1]!.cursor, { pageSize: 10 }));
      expect(rest.flatMap((p) => p.records.map((r) => r.id))).toEqual(['k4', 'k5', 'k6']);
      const listed = await collect(client.listAll({ pageSize: 3 }));
      expect(listed.map((p) => p.records.length)).toEqual([3, 3, 1]);
      expect(listed[0]!.records[0]).toMatchObject({ id: 'k0', data: { title: 't0', meta: null } });
    });

    it('types values: JSON round-trips, booleans are booleans, bad values and duplicates fail per record', async () => {
      const table = await softTable();
      const client = await connect({ table }).object(table);
      expect(client.spec.fields).toMatchObject({
        title: { type: 'string', required: true },
        meta: { type: 'json' },
        done: { type: 'boolean' },
        updated_at: { type: 'datetime', readOnly: true },
      });
      const results = await client.create([
        { ref: 'lnk_a', data: { title: 'a', meta: { tags: ['x'], n: 1 }, done: true } },
        { ref: 'lnk_b', data: { title: 'b', done: 'yes' } },
        { ref: 'lnk_c', data: { meta: {} } },
        { ref: 'lnk_d', data: { title: 'd', nope: 1 } },
        { ref: 'lnk_a', data: { title: 'again' } },
        { ref: 'lnk_e', data: { title: 'e' } },
      ]);
      expect(results.map((r) => (r.ok ? 'ok' : r.error.kind))).toEqual([
        'ok',
        'validation',
        'validation',
        'validation',
        'conflict',
        'ok',
      ]);
      const [a] = await client.readByIds(['lnk_a']);
      expect(a!.data).toMatchObject({ title: 'a', meta: { tags: ['x'], n: 1 }, done: true });
      expect(Date.parse(a!.updatedAt!)).toBeGreaterThan(Date.now() - 60_000);
      expect((await client.readByIds(['lnk_e'])).length).toBe(1);
    });

    it('answers typed errors for a missing table, a bad table name, a bad connection string, an unreachable server', async () => {
      await expect(connect({ table: 'no_such_table' }).object('no_such_table')).rejects.toMatchObject({
        kind: 'not_found',
      });
      expect(() => connect({ table: 'x; drop table y' })).toThrow(/plain identifier/);
      await expect(
        sqlConnector({ settings: { table: 't' }, credentials: { connectionString: 'mysql://x' } }).objects(),
      ).rejects.toMatchObject({ kind: 'validation' });
      const missingFile = sqlConnector({
        settings: { table: 't' },
        credentials: { connectionString: path.join(tmpdir(), 'datasync-no-such-dir', 'app.db') },
      });
      await expect(missingFile.objects()).rejects.toMatchObject({ kind: 'not_found' });
      if (dialect === 'postgres') {
        const down = sqlConnector({
          settings: { table: 't' },
          credentials: { connectionString: 'postgres://postgres@127.0.0.1:1/none' },
        });
        await expect(down.objects()).rejects.toMatchObject({ kind: 'network' });
      }
    });

    it('checks credentials through the registry', async () => {
      const table = await softTable();
      const check = builtInConnectors().checker('sql')!;
      const ok = await check({
        orgId: 'o',
        settings: { table },
        credentials: { connectionString: app.connectionString },
        db: undefined as never,
      });
      expect(ok).toMatchObject({ ok: true });
      expect(ok.message).toContain(`table ${table}`);
      const bad = await check({
        orgId: 'o',
        settings: { table: 'missing_table' },
        credentials: { connectionString: app.connectionString },
        db: undefined as never,
      });
      expect(bad.ok).toBe(false);
      expect(bad.message).not.toContain(app.connectionString);
    });
  });
}

describeEachDialect('sql two-way sync', (get) => {
  it('refuses DataSync’s own database', async () => {
    const { database } = get();
    const connectionString =
      database.dialect === 'sqlite'
        ? `sqlite:${database.target.dialect === 'sqlite' ? database.target.file : ''}`
        : database.url!;
    await expect(
      sqlConnector({ settings: { table: 'organizations' }, credentials: { connectionString } }).objects(),
    ).rejects.toMatchObject({
      kind: 'validation',
      message: expect.stringContaining("DataSync's own database"),
    });
  });

  it('keeps an app table and an Airtable table equal both ways, deletes included, and then writes nothing', async () => {
    const { store, repos, database } = get();
    const app = await appDatabase(database.dialect);
    const s = (await startSimulator('airtable', {
      seedRecords: 3,
      rateLimit: { limit: 1000, windowMs: 1000 },
    })) as AirtableSimulator;
    try {
      await app.exec(`create table posts (id text primary key, title text not null, slug text,
        updated_at ${TIME[database.dialect]} not null, deleted_at ${TIME[database.dialect]})`);
      await app.exec(`insert into posts (id, title, slug, updated_at) values
        ('p1', 'first post', 'first', '2026-01-01T00:00:00.000Z'),
        ('p2', 'second post', 'second', '2026-01-01T00:00:00.000Z')`);
      const org = await repos.organizations.create({ name: 'sql', slug: `sql-${Date.now()}` });
      const sqlConnection = await repos.connections.create(org.id, {
        name: 'app db',
        connector: 'sql',
        settings: { table: 'posts', deletedAtColumn: 'deleted_at' },
        credentials: { connectionString: app.connectionString },
      });
      const airtable = await repos.connections.create(org.id, {
        name: 'airtable',
        connector: 'airtable',
        settings: { baseUrl: s.url, baseId: s.baseId },
        credentials: { token: s.credentials.token! },
      });
      const sync = await repos.syncs.create(org.id, {
        name: 'posts ⇄ tasks',
        definition: {
          a: { connectionId: sqlConnection.id },
          b: { connectionId: airtable.id },
          direction: 'two-way',
          objects: [
            {
              name: 'posts',
              a: 'posts',
              b: s.tableId,
              fields: [
                { a: 'title', b: 'Name' },
                { a: 'slug', b: 'Key' },
              ],
            },
          ],
        },
      });
      const run = async () => {
        const result = await runSync({
          db: store.db,
          connectors: builtInConnectors(),
          connections: repos.connections,
          orgId: org.id,
          syncId: sync.id,
        });
        expect(result.outcome, JSON.stringify(result)).toBe('success');
        return result;
      };
      const cells = () => [...s.base.tables[0]!.records.values()].map((r) => r.cells);
      const client = await sqlConnector({
        settings: { table: 'posts', deletedAtColumn: 'deleted_at' },
        credentials: { connectionString: app.connectionString },
      }).object('posts');
      const rows = async () => (await collect(client.listAll())).flatMap((p) => p.records);

      await run();
      expect(cells().length).toBe(5);
      expect((await rows()).length).toBe(5);
      expect(
        cells()
          .map((c) => c.fldName0000000001)
          .sort(),
      ).toEqual((await rows()).map((r) => r.data.title).sort());
      const quiet = await run();
      expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);

      // The app edits a row (stamping updated_at) and a person edits a task in Airtable.
      await app.exec(
        `update posts set title = 'first post, edited', updated_at = '2030-01-01T00:00:00.000Z' where id = 'p1'`,
      );
      const task = [...s.base.tables[0]!.records.values()].find(
        (r) => r.cells.fldName0000000001 === 'second post',
      )!;
      s.ui.update(s.tableId, task.id, { Name: 'second post, edited in Airtable' });
      const edits = await run();
      expect(edits.counts.updated).toBe(2);
      expect(cells().map((c) => c.fldName0000000001)).toContain('first post, edited');
      expect((await client.readByIds(['p2']))[0]!.data.title).toBe('second post, edited in Airtable');

      // A soft delete in the app reaches Airtable through the change feed's tombstone.
      await app.exec(
        `update posts set deleted_at = '2030-01-02T00:00:00.000Z', updated_at = '2030-01-02T00:00:00.000Z' where id = 'p2'`,
      );
      const deletes = await run();
      expect(deletes.counts.deleted).toBe(1);
      expect(cells().length).toBe(4);
      expect(cells().map((c) => c.fldName0000000001)).not.toContain('second post, edited in Airtable');
      const last = await run();
      expect(
        last.counts.created + last.counts.updated + last.counts.deleted,
        JSON.stringify(last.counts),
      ).toBe(0);
    } finally {
      await s.close();
      await closeSqlDatabases();
      await app.dispose();
    }
  });
});
