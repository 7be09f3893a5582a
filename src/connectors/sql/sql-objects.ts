/**
 * @module One table behind the ObjectClient contract. Records are rows: `id` is the primary key as text, `data`
 * every other column (the updated-at column read-only, a soft-delete column hidden).
 * - Listing: keyset pages on the key's text form in byte order (`collate "C"` on Postgres), so `listOrder: 'id'`
 *   holds for integer keys too and full scans find hard deletes.
 * - Changes: keyset pages on (updated-at, key) after the cursor `[updatedAt as the database prints it, key]`, so
 *   equal timestamps never skip or repeat a row and Postgres microseconds survive the round trip. With a
 *   `deletedAtColumn`, soft-deleted rows come back as tombstones; hard deletes are seen by full scans only. A row
 *   written by a transaction that commits after a later-stamped one was read is missed until a full scan: apps that
 *   write in long transactions should sync in `full` mode or stamp the column at commit.
 * - Writes: one transaction per batch, every write stamps the updated-at column. A batch that the database refuses
 *   is rolled back and replayed one row at a time, so a bad row fails alone. Keys the database does not assign are
 *   the engine's reference, which makes `findCreated` exact.
 */
import { sql, type RawBuilder } from 'kysely';
import type { ListOptions, ObjectClient } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { applyPatch } from '../sdk/patch.js';
import type {
  ChangePage,
  CreateInput,
  FieldSpec,
  ObjectSpec,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WriteResult,
} from '../sdk/types.js';
import type { SqlDatabase, SqlDb } from './sql-database.js';
import { sqlErrorOf } from './sql-errors.js';
import { decodeValue, encodeValue, fieldSpecOf, nowFor, type Column, type TableShape } from './sql-table.js';

export const SQL_PAGE_SIZE = 500;
export const SQL_MAX_BATCH = 500;

export interface SqlTableOptions {
  primaryKey: string;
  updatedAtColumn: string;
  deletedAtColumn?: string;
  naturalKeys?: string[];
}

type Row = Record<string, unknown>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export class SqlTable implements ObjectClient {
  readonly spec: ObjectSpec;
  private readonly db: SqlDb;
  private readonly pk: Column;
  private readonly updatedAt: Column;
  private readonly deletedAt: Column | undefined;

  constructor(
    private readonly database: SqlDatabase,
    private readonly table: TableShape,
    private readonly options: SqlTableOptions,
  ) {
    this.db = database.db;
    const column = (name: string, what: string): Column => {
      const c = table.columns.get(name);
      if (!c)
        throw new ConnectorError('validation', `sql table ${table.name} has no ${what} column "${name}"`);
      return c;
    };
    this.pk = column(options.primaryKey, 'primary key');
    this.updatedAt = column(options.updatedAtColumn, 'updated-at');
    if (
      this.updatedAt.type !== 'datetime' &&
      this.updatedAt.type !== 'number' &&
      this.updatedAt.type !== 'string'
    )
      throw new ConnectorError(
        'validation',
        `sql updated-at column "${options.updatedAtColumn}" must hold times`,
      );
    this.deletedAt = options.deletedAtColumn ? column(options.deletedAtColumn, 'deleted-at') : undefined;
    const fields: Record<string, FieldSpec> = {};
    for (const c of table.columns.values()) {
      if (c === this.pk || c === this.deletedAt) continue;
      fields[c.name] = fieldSpecOf(c, c === this.updatedAt);
    }
    this.spec = {
      name: table.name,
      fields,
      primaryKey: this.pk.name,
      ...(options.naturalKeys?.length ? { naturalKeys: options.naturalKeys } : {}),
      updatedAtField: this.updatedAt.name,
      listOrder: 'id',
      maxBatch: SQL_MAX_BATCH,
    };
    if (!this.pk.generated) this.findCreated = (inputs) => this.findByRef(inputs);
  }

  private get postgres(): boolean {
    return this.database.dialect === 'postgres';
  }

  private ref(column: Column): RawBuilder<unknown> {
    return sql.ref(column.name);
  }

  /** The key as text in byte order: what ids are compared and sorted by. */
  private keyText(): RawBuilder<string> {
    return this.postgres
      ? sql<string>`cast(${this.ref(this.pk)} as text) collate "C"`
      : sql<string>`cast(${this.ref(this.pk)} as text)`;
  }

  private live(): RawBuilder<unknown> {
    return this.deletedAt ? sql`${this.ref(this.deletedAt)} is null` : sql`1 = 1`;
  }

  /** A text id as a value comparable with the key column (integer keys: ids that are not integers match nothing). */
  private keyValues(ids: readonly string[]): string[] {
    return this.pk.type === 'number' ? ids.filter((id) => /^-?\d+$/.test(id)) : [...ids];
  }

  private toRemote(row: Row): RemoteRecord {
    const data: Record<string, unknown> = {};
    for (const c of this.table.columns.values()) {
      if (c === this.pk || c === this.deletedAt) continue;
      data[c.name] = decodeValue(c, row[c.name]);
    }
    const id = String(row.__ds_id ?? row[this.pk.name]);
    const updatedAt = data[this.updatedAt.name];
    return { id, data, ...(typeof updatedAt === 'string' ? { updatedAt } : {}) };
  }

  private async query<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw sqlErrorOf(error, `${what} ${this.table.name}`);
    }
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    const limit = Math.max(1, Math.min(options.pageSize ?? SQL_PAGE_SIZE, 5000));
    let after: string | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const rows: Row[] = await this.query('list', async () => {
        const result =
          await sql<Row>`select t.*, ${this.keyText()} as "__ds_id" from ${sql.table(this.table.name)} t
          where ${this.live()} ${after === null ? sql`` : sql`and ${this.keyText()} > ${after}`}
          order by ${this.keyText()} limit ${limit}`.execute(this.db);
        return result.rows;
      });
      if (rows.length === 0) return;
      after = String(rows[rows.length - 1]!.__ds_id);
      yield { records: rows.map((r) => this.toRemote(r)) };
      if (rows.length < limit) return;
    }
  }

  async *listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    let position = cursor === null ? null : parseCursor(cursor);
    const limit = Math.max(1, Math.min(options.pageSize ?? SQL_PAGE_SIZE, 5000));
    const at = this.ref(this.updatedAt);
    // Postgres prints timestamps with microseconds and zone: the text form casts back to the exact value.
    const atText = this.postgres ? sql`cast(${at} as text)` : at;
    const castBack = (value: string | number): RawBuilder<unknown> =>
      this.postgres
        ? sql`cast(${String(value)} as ${sql.raw(safeType(this.updatedAt.dbType))})`
        : sql`${value}`;
    for (;;) {
      options.signal?.throwIfAborted();
      const p = position;
      const rows: Row[] = await this.query('read changes of', async () => {
        const result = await sql<Row>`select t.*, ${this.keyText()} as "__ds_id", ${atText} as "__ds_at"
          from ${sql.table(this.table.name)} t
          where ${at} is not null ${
            p === null
              ? sql``
              : sql`and (${at} > ${castBack(p[0])} or (${at} = ${castBack(p[0])} and ${this.keyText()} > ${p[1]}))`
          }
          order by ${at}, ${this.keyText()} limit ${limit}`.execute(this.db);
        return result.rows;
      });
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      position = [last.__ds_at as string | number, String(last.__ds_id)];
      const deleted = this.deletedAt?.name;
      yield {
        records: rows.map((r) =>
          deleted && r[deleted] !== null && r[deleted] !== undefined
            ? { id: String(r.__ds_id), deleted: true as const }
            : this.toRemote(r),
        ),
        cursor: JSON.stringify(position),
      };
      if (rows.length < limit) return;
    }
  }

  private async rowsByIds(db: SqlDb, ids: readonly string[], liveOnly: boolean): Promise<Row[]> {
    const keys = this.keyValues(ids);
    if (keys.length === 0) return [];
    const result =
      await sql<Row>`select t.*, ${this.keyText()} as "__ds_id" from ${sql.table(this.table.name)} t
      where ${this.ref(this.pk)} in (${sql.join(keys)}) ${liveOnly ? sql`and ${this.live()}` : sql``}`.execute(
        db,
      );
    return result.rows;
  }

  async readByIds(ids: readonly string[]): Promise<RemoteRecord[]> {
    const rows = await this.query('read', () => this.rowsByIds(this.db, ids, true));
    return rows.map((r) => this.toRemote(r));
  }

  /** Column values for a write; throws `validation` for unknown or read-only columns and bad values. */
  private encode(data: Record<string, unknown>, current?: Row): Row {
    const row: Row = {};
    for (const [name, value] of Object.entries(data)) {
      const column = this.table.columns.get(name);
      if (!column || column === this.deletedAt)
        throw new ConnectorError('validation', `${this.table.name} has no column "${name}"`);
      if (column === this.pk || column === this.updatedAt) continue;
      let next = value;
      if (column.type === 'json' && current && isPlainObject(value)) {
        const before = decodeValue(column, current[name]);
        if (isPlainObject(before)) next = applyPatch(before, value);
      }
      row[name] = encodeValue(this.database.dialect, column, next);
    }
    row[this.updatedAt.name] = nowFor(this.database.dialect, this.updatedAt);
    return row;
  }

  private async insertRow(db: SqlDb, row: Row): Promise<Row> {
    const columns = Object.keys(row);
    const result = await sql<Row>`insert into ${sql.table(this.table.name)}
      (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(columns.map((c) => row[c]))})
      returning *, ${this.keyText()} as "__ds_id"`.execute(db);
    const stored = result.rows[0];
    if (!stored) throw new ConnectorError('server', `insert into ${this.table.name} returned nothing`);
    return stored;
  }

  private async updateRow(db: SqlDb, id: string, row: Row): Promise<Row | undefined> {
    const sets = Object.entries(row).map(([c, v]) => sql`${sql.ref(c)} = ${v}`);
    const result = await sql<Row>`update ${sql.table(this.table.name)} set ${sql.join(sets)}
      where ${this.ref(this.pk)} = ${id} and ${this.live()}
      returning *, ${this.keyText()} as "__ds_id"`.execute(db);
    return result.rows[0];
  }

  /**
   * Runs `write` for every prepared row in one transaction; when the database refuses one, the transaction is
   * rolled back and each row is written alone so the others still land and the bad one gets its own error.
   */
  private async writeBatch(
    what: string,
    prepared: { index: number; row: Row; id?: string }[],
    results: (WriteResult | undefined)[],
    write: (db: SqlDb, item: { row: Row; id?: string }) => Promise<Row | undefined>,
  ): Promise<void> {
    if (prepared.length === 0) return;
    const settle = (index: number, stored: Row | undefined, id: string | undefined) => {
      results[index] = stored
        ? { ok: true, id: String(stored.__ds_id), record: this.toRemote(stored) }
        : { ok: false, error: new ConnectorError('not_found', `${this.table.name} ${id ?? ''} not found`) };
    };
    try {
      const stored = await this.db.transaction().execute(async (trx) => {
        const out: (Row | undefined)[] = [];
        for (const item of prepared) out.push(await write(trx, item));
        return out;
      });
      prepared.forEach((item, i) => settle(item.index, stored[i], item.id));
      return;
    } catch (error) {
      const failure = sqlErrorOf(error, `${what} ${this.table.name}`);
      if (failure.kind !== 'validation' && failure.kind !== 'conflict') throw failure;
    }
    for (const item of prepared) {
      try {
        settle(item.index, await write(this.db, item), item.id);
      } catch (error) {
        const failure = sqlErrorOf(error, `${what} ${this.table.name}`);
        if (failure.kind !== 'validation' && failure.kind !== 'conflict') throw failure;
        results[item.index] = { ok: false, error: failure };
      }
    }
  }

  async create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    const results: (WriteResult | undefined)[] = inputs.map(() => undefined);
    const prepared: { index: number; row: Row }[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        const row = this.encode(input.data);
        if (!this.pk.generated) row[this.pk.name] = input.ref;
        for (const [name, field] of Object.entries(this.spec.fields))
          if (field.required && (row[name] === undefined || row[name] === null))
            throw new ConnectorError('validation', `${this.table.name}.${name} is required`);
        prepared.push({ index, row });
      } catch (error) {
        results[index] = { ok: false, error: sqlErrorOf(error, 'create') };
      }
    }
    await this.writeBatch('insert into', prepared, results, (db, item) => this.insertRow(db, item.row));
    return results as WriteResult[];
  }

  async update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    const current = new Map(
      (
        await this.query('read', () =>
          this.rowsByIds(
            this.db,
            inputs.map((i) => i.id),
            true,
          ),
        )
      ).map((r) => [String(r.__ds_id), r]),
    );
    const results: (WriteResult | undefined)[] = inputs.map(() => undefined);
    const prepared: { index: number; row: Row; id: string }[] = [];
    for (const [index, input] of inputs.entries()) {
      const before = current.get(input.id);
      if (!before) {
        results[index] = {
          ok: false,
          error: new ConnectorError('not_found', `${this.table.name} ${input.id} not found`),
        };
        continue;
      }
      try {
        prepared.push({ index, row: this.encode(input.data, before), id: input.id });
      } catch (error) {
        results[index] = { ok: false, error: sqlErrorOf(error, 'update') };
      }
    }
    await this.writeBatch('update', prepared, results, (db, item) => this.updateRow(db, item.id!, item.row));
    return results as WriteResult[];
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    const keys = this.keyValues(ids);
    if (keys.length > 0)
      await this.query('delete from', async () => {
        const where = sql`${this.ref(this.pk)} in (${sql.join(keys)})`;
        if (this.deletedAt) {
          const now = nowFor(this.database.dialect, this.deletedAt);
          const stamp = nowFor(this.database.dialect, this.updatedAt);
          await sql`update ${sql.table(this.table.name)} set ${sql.ref(this.deletedAt.name)} = ${now},
            ${sql.ref(this.updatedAt.name)} = ${stamp} where ${where} and ${this.live()}`.execute(this.db);
        } else {
          await sql`delete from ${sql.table(this.table.name)} where ${where}`.execute(this.db);
        }
      });
    return ids.map((id) => ({ ok: true, id }));
  }

  /** Only when keys are the engine's references: a database-assigned key cannot be found again. */
  readonly findCreated?: (inputs: readonly CreateInput[]) => Promise<(string | null)[]>;

  private async findByRef(inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const found = new Set((await this.readByIds(inputs.map((i) => i.ref))).map((r) => r.id));
    return inputs.map((i) => (found.has(i.ref) ? i.ref : null));
  }
}

function parseCursor(cursor: string): [string | number, string] {
  try {
    const value = JSON.parse(cursor) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      (typeof value[0] === 'string' || typeof value[0] === 'number') &&
      typeof value[1] === 'string'
    )
      return [value[0], value[1]];
  } catch {
    // reported below
  }
  throw new ConnectorError('validation', `bad sql cursor "${cursor.slice(0, 80)}"`);
}

/** A catalog type name spliced into a cast: letters, spaces, digits only. */
function safeType(dbType: string): string {
  if (!/^[A-Za-z][A-Za-z0-9 ]*$/.test(dbType))
    throw new ConnectorError('validation', `unsupported updated-at column type "${dbType}"`);
  return dbType;
}
