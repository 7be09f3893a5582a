/**
 * @module Applies migrations with Kysely's Migrator (which locks, so two processes starting at once do not both
 * migrate) and reports what is pending. Running it twice changes nothing the second time.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { DataSyncError } from '../lib/errors.js';
import type { DialectName } from './dialect.js';
import { MIGRATIONS } from './migrations/index.js';

class InCodeMigrationProvider implements MigrationProvider {
  constructor(
    private readonly dialect: DialectName,
    private readonly upTo?: string,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const result: Record<string, Migration> = {};
    for (const [name, migration] of Object.entries(MIGRATIONS)) {
      if (this.upTo !== undefined && name > this.upTo) continue;
      result[name] = { up: (db) => migration.up(db, this.dialect) };
    }
    return result;
  }
}

export interface MigrationReport {
  applied: string[];
  pending: string[];
}

async function migrator(db: Kysely<unknown>, dialect: DialectName, upTo?: string): Promise<Migrator> {
  // Without a schema Kysely finds its bookkeeping tables in ANY schema of the database: with several schemas in
  // one database (parallel test runs, side-by-side installs) it skips creating its own and then fails.
  const schema =
    dialect === 'postgres'
      ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema
      : undefined;
  return new Migrator({
    db,
    provider: new InCodeMigrationProvider(dialect, upTo),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
}

/** Applies every pending migration (or those up to `upTo`, for tests of upgrades). */
export async function migrateToLatest(
  db: Kysely<unknown>,
  dialect: DialectName,
  upTo?: string,
): Promise<MigrationReport> {
  const { error, results } = await (await migrator(db, dialect, upTo)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DataSyncError(
      'migration_failed',
      `migration ${failed} failed: ${String((error as Error).message ?? error)}`,
      {
        hint: 'restore the database from a backup or report the problem; nothing after the failed step was applied',
        cause: error,
      },
    );
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    pending: [],
  };
}

export async function pendingMigrations(db: Kysely<unknown>, dialect: DialectName): Promise<string[]> {
  const all = await (await migrator(db, dialect)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
