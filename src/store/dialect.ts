/**
 * @module The few places where SQLite and Postgres differ in DDL, named once so migrations read the same for both.
 */
import type { ColumnDataType } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectTypes {
  json: ColumnDataType;
  bigint: ColumnDataType;
}

export function dialectTypes(dialect: DialectName): DialectTypes {
  return dialect === 'postgres' ? { json: 'jsonb', bigint: 'bigint' } : { json: 'text', bigint: 'integer' };
}
