/**
 * @module Postgres for DataSync: Kysely's PostgresDialect with an introspector that sees only the connection's
 * current schema. Kysely's own introspector reads every table and column of every schema (its migrator calls it
 * on every run and every readiness check): on a server shared by several installs or test runs that is slow, and
 * it fails when another schema is created or dropped mid-read. DataSync lives in one schema, so it looks at one.
 */
import {
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

const KYSELY_TABLES = new Set(['kysely_migration', 'kysely_migration_lock']);

class CurrentSchemaIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{ name: string }>`select current_schema() as name`.execute(this.db);
    return rows;
  }

  async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      schema: string;
      table: string;
      type: string;
      column: string | null;
      data_type: string | null;
      nullable: string | null;
      has_default: boolean | null;
      is_identity: string | null;
      ordinal: number | null;
    }>`
      select t.table_schema as schema, t.table_name as "table", t.table_type as type,
             c.column_name as "column", c.udt_name as data_type, c.is_nullable as nullable,
             (c.column_default is not null) as has_default, c.is_identity, c.ordinal_position as ordinal
      from information_schema.tables t
      left join information_schema.columns c
        on c.table_schema = t.table_schema and c.table_name = t.table_name
      where t.table_schema = current_schema()
      order by t.table_name, c.ordinal_position`.execute(this.db);
    const tables = new Map<
      string,
      { name: string; schema: string; isView: boolean; columns: TableMetadata['columns'][number][] }
    >();
    for (const r of rows) {
      if (!options.withInternalKyselyTables && KYSELY_TABLES.has(r.table)) continue;
      let table = tables.get(r.table);
      if (!table) {
        table = { name: r.table, schema: r.schema, isView: r.type === 'VIEW', columns: [] };
        tables.set(r.table, table);
      }
      if (r.column !== null) {
        table.columns.push({
          name: r.column,
          dataType: r.data_type ?? 'unknown',
          isNullable: r.nullable === 'YES',
          hasDefaultValue: r.has_default === true,
          isAutoIncrementing: r.is_identity === 'YES' || false,
        });
      }
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions): Promise<DatabaseMetadata> {
    return { tables: await this.getTables(options) };
  }
}

export class CurrentSchemaPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}
