/**
 * @module SQLite for DataSync: Kysely's SqliteDialect whose rollback keeps the error that caused it. On
 * SQLITE_FULL (disk full), SQLITE_IOERR and SQLITE_NOMEM, SQLite rolls the transaction back by itself; Kysely's
 * `rollback` then fails with "cannot rollback - no transaction is active", and that message would replace the
 * one that says what went wrong ("database or disk is full").
 */
import type SQLite from 'better-sqlite3';
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

class CauseKeepingSqliteDriver extends SqliteDriver {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (!this.database.inTransaction) return;
    await super.rollbackTransaction(connection);
  }
}

export class CauseKeepingSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SQLite.Database) {
    super({ database });
  }

  override createDriver(): Driver {
    return new CauseKeepingSqliteDriver(this.database);
  }
}
