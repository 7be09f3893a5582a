/**
 * @module Opens the database a `sql` connection names: Postgres (pg) for `postgres://` / `postgresql://`, SQLite
 * (better-sqlite3) for `sqlite:<path>`, `file:<path>` or a bare path. One handle per connection string per process,
 * shared by every run (a run does not own a pool: Postgres pools close their idle clients by themselves, and
 * `closeSqlDatabases` ends them all at shutdown and in tests).
 *
 * Two guards keep a tenant's connection away from data that is not theirs: a SQLite file must already exist (a
 * connection never creates files on the server), and a database (schema) holding DataSync's own tables is refused,
 * since those hold every organization's records and credentials.
 */
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { ConnectorError } from '../sdk/errors.js';
import { sqlErrorOf } from './sql-errors.js';

export type SqlDialect = 'postgres' | 'sqlite';

/** Tables are addressed by name only, so the Kysely instance is untyped. */
export type SqlDb = Kysely<Record<string, Record<string, unknown>>>;

export interface SqlDatabase {
  dialect: SqlDialect;
  db: SqlDb;
}

export interface SqlTarget {
  dialect: SqlDialect;
  /** Postgres URL or SQLite file path. */
  location: string;
}

/** Reads a connection string; throws `validation` for anything it cannot place. */
export function parseConnectionString(value: string | undefined): SqlTarget {
  if (!value || value.trim() === '')
    throw new ConnectorError('validation', 'sql connection needs credentials.connectionString');
  const v = value.trim();
  if (/^postgres(ql)?:\/\//i.test(v)) return { dialect: 'postgres', location: v };
  const file = v.replace(/^sqlite:(\/\/)?/i, '').replace(/^file:(\/\/)?/i, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(file))
    throw new ConnectorError(
      'validation',
      'sql connection string must be postgres://… or a SQLite file path',
    );
  if (file === '' || file === ':memory:')
    throw new ConnectorError('validation', 'sql connection needs a SQLite file path');
  return { dialect: 'sqlite', location: file };
}

// int8 as JS numbers and numeric as numbers: a synced value is JSON, where a string would read as a change.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

const open = new Map<string, Promise<SqlDatabase>>();

/** The shared handle for this target, opened (and checked) on first use. */
export function sqlDatabase(target: SqlTarget): Promise<SqlDatabase> {
  const key = `${target.dialect}:${target.location}`;
  let handle = open.get(key);
  if (!handle) {
    handle = openTarget(target);
    open.set(key, handle);
    // A failed open is not cached: the next run tries again (the database may be back).
    handle.catch(() => open.delete(key));
  }
  return handle;
}

async function openTarget(target: SqlTarget): Promise<SqlDatabase> {
  let database: SqlDatabase;
  if (target.dialect === 'sqlite') {
    let file: SQLite.Database;
    try {
      file = new SQLite(target.location, { fileMustExist: true });
      file.pragma('busy_timeout = 5000');
    } catch (error) {
      // better-sqlite3 reports a missing file or directory without a code.
      const missing = error instanceof Error && /does not exist|unable to open/i.test(error.message);
      throw missing
        ? new ConnectorError('not_found', `sql: SQLite file not found (${error.message})`, { cause: error })
        : sqlErrorOf(error, 'open the SQLite file');
    }
    database = { dialect: 'sqlite', db: new Kysely({ dialect: new SqliteDialect({ database: file }) }) };
  } else {
    const pool = new pg.Pool({
      connectionString: target.location,
      max: 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      allowExitOnIdle: true,
      types: pgTypes,
    });
    pool.on('error', () => undefined);
    database = { dialect: 'postgres', db: new Kysely({ dialect: new PostgresDialect({ pool }) }) };
  }
  try {
    await refuseDataSyncDatabase(database);
  } catch (error) {
    await database.db.destroy().catch(() => undefined);
    throw error;
  }
  return database;
}

async function refuseDataSyncDatabase({ dialect, db }: SqlDatabase): Promise<void> {
  let names: string[];
  try {
    const rows =
      dialect === 'postgres'
        ? await sql<{ name: string }>`select table_name as name from information_schema.tables
            where table_schema = current_schema() and table_name in ('kysely_migration', 'organizations')`.execute(
            db,
          )
        : await sql<{ name: string }>`select name from sqlite_master
            where type = 'table' and name in ('kysely_migration', 'organizations')`.execute(db);
    names = rows.rows.map((r) => r.name);
  } catch (error) {
    throw sqlErrorOf(error, 'connect');
  }
  if (names.length === 2)
    throw new ConnectorError(
      'validation',
      "this is DataSync's own database: a sql connection must name your application's database",
    );
}

/** Ends every open handle (shutdown, tests). */
export async function closeSqlDatabases(): Promise<void> {
  const handles = [...open.values()];
  open.clear();
  await Promise.all(handles.map(async (h) => (await h.catch(() => undefined))?.db.destroy()));
}
