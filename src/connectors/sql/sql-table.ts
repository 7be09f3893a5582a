/**
 * @module What a table looks like to the connector: its columns read from the database's catalog (Postgres
 * `information_schema.columns` of the current schema, SQLite `pragma_table_info`), each mapped to a contract field
 * type with a codec between the driver's values and JSON record data. Pure apart from `readTable`.
 */
import { sql } from 'kysely';
import { ConnectorError } from '../sdk/errors.js';
import type { FieldSpec, FieldType } from '../sdk/types.js';
import type { SqlDatabase, SqlDialect } from './sql-database.js';
import { sqlErrorOf } from './sql-errors.js';

export interface Column {
  name: string;
  /** The catalog's type name, used to cast cursor values back (`timestamp with time zone`, `INTEGER`…). */
  dbType: string;
  type: FieldType;
  nullable: boolean;
  /** The database fills it on insert (default, identity, SQLite rowid alias). */
  generated: boolean;
}

export interface TableShape {
  name: string;
  columns: Map<string, Column>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkIdentifier(value: unknown, what: string): string {
  if (typeof value !== 'string' || !IDENT.test(value))
    throw new ConnectorError('validation', `sql ${what} must be a plain identifier (letters, digits, _)`);
  return value;
}

export function fieldTypeOf(dialect: SqlDialect, dbType: string): FieldType {
  const t = dbType.toLowerCase();
  if (dialect === 'postgres') {
    if (/^(smallint|integer|bigint|numeric|real|double precision|decimal)/.test(t)) return 'number';
    if (t === 'boolean') return 'boolean';
    if (t === 'date') return 'date';
    if (t.startsWith('timestamp')) return 'datetime';
    if (t === 'json' || t === 'jsonb' || t === 'array') return 'json';
    return 'string';
  }
  // SQLite's declared types follow its affinity rules (https://sqlite.org/datatype3.html), read the same way.
  if (t.includes('json')) return 'json';
  if (t.includes('bool')) return 'boolean';
  if (t.includes('datetime') || t.includes('timestamp')) return 'datetime';
  if (t === 'date') return 'date';
  if (t.includes('int') || /real|floa|doub|numeric|decimal/.test(t)) return 'number';
  return 'string';
}

export async function readTable({ dialect, db }: SqlDatabase, table: string): Promise<TableShape> {
  let columns: Column[];
  try {
    if (dialect === 'postgres') {
      const rows = await sql<{
        name: string;
        data_type: string;
        is_nullable: string;
        column_default: string | null;
        is_identity: string;
      }>`select column_name as name, data_type, is_nullable, column_default, is_identity
           from information_schema.columns
          where table_schema = current_schema() and table_name = ${table}
          order by ordinal_position`.execute(db);
      columns = rows.rows.map((r) => ({
        name: r.name,
        dbType: r.data_type,
        type: fieldTypeOf('postgres', r.data_type),
        nullable: r.is_nullable === 'YES',
        generated: r.column_default !== null || r.is_identity === 'YES',
      }));
    } else {
      const rows = await sql<{
        name: string;
        type: string;
        notnull: number;
        dflt_value: unknown;
        pk: number;
      }>`
        select name, type, "notnull", dflt_value, pk from pragma_table_info(${table})`.execute(db);
      const pkCount = rows.rows.filter((r) => r.pk > 0).length;
      columns = rows.rows.map((r) => ({
        name: r.name,
        dbType: r.type,
        type: fieldTypeOf('sqlite', r.type),
        nullable: r.notnull === 0 && r.pk === 0,
        // A lone INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
        generated: r.dflt_value !== null || (r.pk > 0 && pkCount === 1 && r.type.toUpperCase() === 'INTEGER'),
      }));
    }
  } catch (error) {
    throw sqlErrorOf(error, `read the columns of ${table}`);
  }
  if (columns.length === 0) throw new ConnectorError('not_found', `sql table "${table}" does not exist`);
  return { name: table, columns: new Map(columns.map((c) => [c.name, c])) };
}

export function fieldSpecOf(column: Column, readOnly: boolean): FieldSpec {
  return {
    type: column.type,
    ...(readOnly ? { readOnly: true } : {}),
    ...(!column.nullable && !column.generated && !readOnly ? { required: true } : {}),
  };
}

function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number') return new Date(value).toISOString();
  if (typeof value === 'string') {
    // SQLite's CURRENT_TIMESTAMP form is UTC without a zone.
    const ms = Date.parse(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? `${value.replace(' ', 'T')}Z` : value,
    );
    return Number.isNaN(ms) ? value : new Date(ms).toISOString();
  }
  return undefined;
}

/** A driver value as record data. */
export function decodeValue(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'boolean':
      return typeof value === 'number' ? value !== 0 : value;
    case 'json':
      if (typeof value === 'string') {
        try {
          return JSON.parse(value) as unknown;
        } catch {
          return value;
        }
      }
      return value;
    case 'datetime':
      return isoOf(value) ?? value;
    case 'date':
      return value instanceof Date ? value.toISOString().slice(0, 10) : value;
    default:
      if (Buffer.isBuffer(value)) return value.toString('base64');
      return value;
  }
}

/** Record data as a driver value; throws `validation` for a value the column cannot hold. */
export function encodeValue(dialect: SqlDialect, column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (column.type) {
    case 'json':
      return JSON.stringify(value);
    case 'boolean':
      if (typeof value !== 'boolean') throw badValue(column, value);
      return dialect === 'sqlite' ? (value ? 1 : 0) : value;
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw badValue(column, value);
      return n;
    }
    default:
      if (typeof value === 'object') throw badValue(column, value);
      return value;
  }
}

function badValue(column: Column, value: unknown): ConnectorError {
  return new ConnectorError(
    'validation',
    `column ${column.name} (${column.dbType}) cannot hold ${JSON.stringify(value)?.slice(0, 60)}`,
  );
}

/** The value to store in the updated-at column now, in the column's own terms. */
export function nowFor(dialect: SqlDialect, column: Column, now = new Date()): unknown {
  if (column.type === 'number') return now.getTime();
  return dialect === 'postgres' ? now : now.toISOString();
}
