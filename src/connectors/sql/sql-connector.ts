/**
 * @module The `sql` connector: a table of your application's own Postgres or SQLite database, read by an
 * updated-at column and written by primary key, so an app syncs its data without writing an exporter.
 * Credentials: `connectionString` (`postgres://…`, or a SQLite file path / `sqlite:<path>`). Settings: `table`,
 * `primaryKey` (default `id`), `updatedAtColumn` (default `updated_at`), optional `deletedAtColumn` (soft deletes:
 * deletes set it, and the change feed reports such rows as tombstones), optional `naturalKeys`.
 * The connection exposes one object, named after the table.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import { checkWith } from '../sdk/check.js';
import type { Connector } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { parseConnectionString, sqlDatabase } from './sql-database.js';
import { SqlTable, type SqlTableOptions } from './sql-objects.js';
import { checkIdentifier, readTable } from './sql-table.js';

type Context = Pick<ConnectorContext, 'settings' | 'credentials'>;

interface SqlSettings extends SqlTableOptions {
  table: string;
}

export function sqlSettingsOf(settings: Record<string, unknown>): SqlSettings {
  const naturalKeys = settings.naturalKeys;
  if (naturalKeys !== undefined && !Array.isArray(naturalKeys))
    throw new ConnectorError('validation', 'sql naturalKeys must be a list of column names');
  return {
    table: checkIdentifier(settings.table, 'table'),
    primaryKey: checkIdentifier(settings.primaryKey ?? 'id', 'primaryKey'),
    updatedAtColumn: checkIdentifier(settings.updatedAtColumn ?? 'updated_at', 'updatedAtColumn'),
    ...(settings.deletedAtColumn !== undefined && settings.deletedAtColumn !== null
      ? { deletedAtColumn: checkIdentifier(settings.deletedAtColumn, 'deletedAtColumn') }
      : {}),
    ...(naturalKeys ? { naturalKeys: naturalKeys.map((k) => checkIdentifier(k, 'natural key')) } : {}),
  };
}

async function openTable(context: Context): Promise<SqlTable> {
  const settings = sqlSettingsOf(context.settings);
  const database = await sqlDatabase(parseConnectionString(context.credentials.connectionString));
  return new SqlTable(database, await readTable(database, settings.table), settings);
}

export function sqlConnector(context: Context): Connector {
  const settings = sqlSettingsOf(context.settings);
  let table: Promise<SqlTable> | undefined;
  // Opened lazily and once per connector (a run): the columns are read once, not per call.
  const load = () => {
    table ??= openTable(context);
    table.catch(() => (table = undefined));
    return table;
  };
  return {
    name: 'sql',
    auth: { kind: 'api_key' },
    objects: async () => [(await load()).spec],
    async object(name) {
      if (name !== settings.table)
        throw new ConnectorError(
          'not_found',
          `sql connection exposes table "${settings.table}", not "${name}"`,
        );
      return load();
    },
  };
}

export const sqlConnectorFactory: ConnectorFactory = {
  name: 'sql',
  create: (context) => sqlConnector(context),
  check: (context) =>
    checkWith('SQL', async () => {
      const table = await openTable(context);
      // One keyed read proves the key and updated-at columns are usable, not only present.
      for await (const page of table.listAll({ pageSize: 1 })) if (page) break;
      return `table ${table.spec.name}: ${Object.keys(table.spec.fields).length + 1} columns, key ${table.spec.primaryKey}, updated-at ${table.spec.updatedAtField ?? ''}`;
    }),
};
