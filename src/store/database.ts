/**
 * @module Opens the database: SQLite (better-sqlite3, WAL) in the data dir by default, or Postgres (pg) when
 * DATABASE_URL is set. Both go through one Kysely instance typed by schema.ts, so the rest of the code has a
 * single query layer.
 */
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, sql, type DatabaseConnection, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/config.js';
import { redactUrl } from '../config/config.js';
import { ensureDataDir } from '../lib/data-dir.js';
import { DataSyncError, errorMessage, systemErrorCode } from '../lib/errors.js';
import type { DialectName } from './dialect.js';
import { ORG_SETTING } from './migrations/0008-row-level-security.js';
import { currentOrgScope } from './org-scope.js';
import { CurrentSchemaPostgresDialect } from './postgres-dialect.js';
import { CauseKeepingSqliteDialect } from './sqlite-dialect.js';
import type { Database } from './schema.js';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for people: a file path or a redacted URL. */
  location: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres only: keep every table in this schema (created if missing). Tests use one per run. */
  schema?: string;
  /** Postgres only: pool size. */
  poolSize?: number;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Store> {
  return target.dialect === 'sqlite' ? openSqlite(target.file) : openPostgres(target.url, options);
}

function openSqlite(file: string): Store {
  ensureDataDir(path.dirname(file));
  let database: SQLite.Database;
  try {
    database = new SQLite(file);
    // WAL: readers never block the writer and a killed process leaves a database that recovers on next open.
    // synchronous=NORMAL is crash-safe for a killed process (only an OS crash may lose the last commits).
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
  } catch (error) {
    throw new DataSyncError(
      'data_dir_unwritable',
      `cannot open the database file ${file} (${errorMessage(error)})`,
      {
        hint: 'check that the file is a DataSync database and the directory is writable, or point --data elsewhere',
        cause: error,
      },
    );
  }
  const db = new Kysely<Database>({
    dialect: new CauseKeepingSqliteDialect(database, withStatementCache(database)),
  });
  return {
    db,
    dialect: 'sqlite',
    location: file,
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every query anew, and on SQLite preparing costs as much as running a small query: keep the
 * last statements by SQL text (LRU) and reuse one unless it is busy (an open `iterate`, i.e. a streamed
 * query), in which case a fresh statement serves the call.
 */
export function withStatementCache(database: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(query: string) {
      const hit = cache.get(query);
      if (hit && !hit.busy) {
        cache.delete(query);
        cache.set(query, hit);
        return hit;
      }
      const statement = database.prepare(query);
      if (!hit) {
        cache.set(query, statement);
        if (cache.size > max) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

// int8 (counts, sequence numbers) as JS numbers: every such value here stays far below 2^53.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

async function openPostgres(url: string, options: OpenOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new DataSyncError('config_invalid', `invalid Postgres schema name "${schema}"`);
  }
  // Connect once up front so a wrong URL is reported at start, in one line, not at the first query.
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    if (schema) await probe.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (error) {
    throw unreachable(url, error);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 10_000,
    types: pgTypes,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A client losing its connection must not crash the process, idle (the pool's 'error') or checked out between
  // queries (the client's own 'error', which has no listener then): the query in flight fails, the next reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({
    dialect: new CurrentSchemaPostgresDialect({ pool, onReserveConnection: scopeConnection }),
  });
  return {
    db,
    dialect: 'postgres',
    location: redactUrl(url) + (schema ? ` (schema ${schema})` : ''),
    close: () => db.destroy(),
  };
}

/** The `datasync.org_id` each pooled connection holds now: it is sent only when the next user needs another. */
const connectionOrg = new WeakMap<DatabaseConnection, string>();

/**
 * Hands the current organization scope to Postgres for row-level security each time Kysely takes a connection
 * from the pool (a query, or a whole transaction). Session-level, outside any transaction, so a rollback cannot
 * undo it; unscoped work resets it to empty, which the policies read as "not a tenant request".
 */
async function scopeConnection(connection: DatabaseConnection): Promise<void> {
  const want = currentOrgScope() ?? '';
  if ((connectionOrg.get(connection) ?? '') === want) return;
  await connection.executeQuery(CompiledQuery.raw(`select set_config('${ORG_SETTING}', $1, false)`, [want]));
  connectionOrg.set(connection, want);
}

function unreachable(url: string, error: unknown): DataSyncError {
  const code = systemErrorCode(error);
  const reason =
    code === '28P01' || code === '28000'
      ? 'authentication failed'
      : code === '3D000'
        ? 'the database does not exist'
        : (code ?? errorMessage(error));
  return new DataSyncError(
    'database_unreachable',
    `cannot reach the database at ${redactUrl(url)} (${reason})`,
    {
      hint: 'check DATABASE_URL and that Postgres is running, or unset DATABASE_URL to use SQLite',
      cause: error,
    },
  );
}

/** True when a trivial query succeeds: what /readyz asks. */
export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
