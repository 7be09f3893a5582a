/**
 * @module SQLite for DataSync: Kysely's SqliteDialect whose rollback keeps the error that caused it. On
 * SQLITE_FULL (disk full), SQLITE_IOERR and SQLITE_NOMEM, SQLite rolls the transaction back by itself; Kysely's
 * `rollback` then fails with "cannot rollback - no transaction is active", and that message would replace the
 * one that says what went wrong ("database or disk is full").
 */
import type SQLite from 'better-sqlite3';
import {
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
} from 'kysely';

class CauseKeepingSqliteDriver extends SqliteDriver {
  constructor(
    private readonly raw: SQLite.Database,
    database: SqliteDatabase,
  ) {
    super({ database });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.raw.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class CauseKeepingSqliteDialect extends SqliteDialect {
  /** `database` may wrap `raw` (a statement cache); `raw` answers whether a transaction is still open. */
  constructor(
    private readonly raw: SQLite.Database,
    private readonly database: SqliteDatabase = raw,
  ) {
    super({ database });
  }

  override createDriver(): Driver {
    return new CauseKeepingSqliteDriver(this.raw, this.database);
  }
}
