/**
 * @module Records of a collection. Every write takes the next value of the `records` change sequence, so
 * `changesSince(seq)` returns exactly what changed (deletes included, as tombstones): incremental reads cost what
 * changed, not what exists. Writes are batched: one statement per batch, not per record.
 */
import { sql, type Insertable, type Kysely } from 'kysely';
import { checksum } from '../../lib/checksum.js';
import { DataSyncError } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, RecordsTable } from '../schema.js';
import { reserveSequence } from './counters.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export type RecordStatus = RecordsTable['status'];
export type RecordData = Record<string, unknown>;

export interface StoredRecord {
  id: string;
  collectionId: string;
  status: RecordStatus;
  data: RecordData;
  checksum: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  changeSeq: number;
}

export interface RecordWrite {
  /** Given: update (or create with this id); omitted: create with a new id. */
  id?: string;
  data: RecordData;
  status?: RecordStatus;
}

const SEQUENCE = 'records';
/** SQLite allows 32,766 bound parameters; 11 columns per row keeps a batch well under it. */
const INSERT_CHUNK = 500;

function toRecord(r: { [K in keyof RecordsTable]?: unknown }): StoredRecord {
  return {
    id: r.id as string,
    collectionId: r.collection_id as string,
    status: r.status as RecordStatus,
    data: fromJson<RecordData>(r.data),
    checksum: r.checksum as string,
    version: Number(r.version),
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    deletedAt: (r.deleted_at as string | null) ?? null,
    changeSeq: Number(r.change_seq),
  };
}

export class RecordRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(orgId: string, collectionId: string, id: string): Promise<StoredRecord | undefined> {
    const row = await this.db
      .selectFrom('records')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('collection_id', '=', collectionId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async getMany(orgId: string, collectionId: string, ids: readonly string[]): Promise<StoredRecord[]> {
    return this.byIds(orgId, ids, { collectionId, includeDeleted: false });
  }

  /** Live records by id in any collection of the organization (mapped syndication items span content types). */
  async getByIds(orgId: string, ids: readonly string[]): Promise<StoredRecord[]> {
    return this.byIds(orgId, ids, { includeDeleted: false });
  }

  /** Live records in id order (oldest first), for full scans. */
  async list(
    orgId: string,
    collectionId: string,
    page: PageRequest & {
      status?: RecordStatus;
      /** ISO-8601 UTC bounds on updated_at, both inclusive. */
      updatedFrom?: string;
      updatedTo?: string;
      /** Case-insensitive text anywhere in the data (JSON text, keys included). */
      q?: string;
    } = {},
  ): Promise<Page<StoredRecord>> {
    const limit = page.limit === undefined ? pageLimit(page) : Math.max(1, Math.min(page.limit, 5000));
    let q = this.db
      .selectFrom('records')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('collection_id', '=', collectionId)
      .where('deleted_at', 'is', null);
    if (page.status) q = q.where('status', '=', page.status);
    if (page.updatedFrom) q = q.where('updated_at', '>=', page.updatedFrom);
    if (page.updatedTo) q = q.where('updated_at', '<=', page.updatedTo);
    if (page.q) {
      const pattern = `%${page.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<string>`lower(cast(data as text))`, 'like', sql<string>`${pattern} escape '\\'`);
    }
    if (page.cursor) q = q.where('id', '>', page.cursor);
    return toPage(
      (
        await q
          .orderBy('id')
          .limit(limit + 1)
          .execute()
      ).map(toRecord),
      limit,
    );
  }

  /** Everything written after `seq` (tombstones included), in change order. */
  async changesSince(
    orgId: string,
    collectionId: string,
    seq: number,
    limit = 1000,
  ): Promise<StoredRecord[]> {
    const rows = await this.db
      .selectFrom('records')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('collection_id', '=', collectionId)
      .where('change_seq', '>', seq)
      .orderBy('change_seq')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async count(orgId: string, collectionId: string): Promise<number> {
    const row = await this.db
      .selectFrom('records')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('org_id', '=', orgId)
      .where('collection_id', '=', collectionId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Creates or updates a batch of records. Call inside a transaction when the batch must land with other rows
   * (links, checkpoints). Unchanged data (same checksum) is not rewritten and takes no sequence number.
   */
  async writeMany(
    orgId: string,
    collectionId: string,
    writes: readonly RecordWrite[],
  ): Promise<StoredRecord[]> {
    if (writes.length === 0) return [];
    const existing = new Map(
      (
        await this.byIds(
          orgId,
          writes.flatMap((w) => (w.id ? [w.id] : [])),
          { collectionId, includeDeleted: true },
        )
      ).map((r) => [r.id, r]),
    );
    const now = nowIso();
    const changed: RecordWrite[] = [];
    const result: StoredRecord[] = [];
    // One statement cannot write a row twice (Postgres refuses): when a batch names an id more than once, the
    // last write wins, as it would have with one statement per write.
    const lastById = new Map<string, RecordWrite>();
    for (const w of writes) if (w.id) lastById.set(w.id, w);
    const sums = new Map<RecordWrite, string>();
    for (const w of writes) {
      if (w.id && lastById.get(w.id) !== w) continue;
      const prev = w.id ? existing.get(w.id) : undefined;
      const sum = checksum(w.data);
      if (prev && !prev.deletedAt && prev.checksum === sum && (w.status ?? prev.status) === prev.status) {
        result.push(prev);
      } else {
        sums.set(w, sum);
        changed.push(w);
      }
    }
    if (changed.length === 0) return result;
    let seq = await reserveSequence(this.db, SEQUENCE, changed.length);
    const inserts: Insertable<RecordsTable>[] = [];
    const updates: Insertable<RecordsTable>[] = [];
    for (const w of changed) {
      const prev = w.id ? existing.get(w.id) : undefined;
      const row: Insertable<RecordsTable> & { id: string; data: string } = {
        id: w.id ?? newId('rec'),
        org_id: orgId,
        collection_id: collectionId,
        status: w.status ?? prev?.status ?? 'draft',
        data: toJson(w.data),
        checksum: sums.get(w)!,
        version: (prev?.version ?? 0) + 1,
        created_at: prev?.createdAt ?? now,
        updated_at: now,
        deleted_at: null,
        change_seq: seq++,
      };
      (prev ? updates : inserts).push(row);
      result.push(toRecord(row));
    }
    for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('records')
        .values(inserts.slice(i, i + INSERT_CHUNK))
        .execute();
    }
    // Rows known to exist in this organization's collection: one upsert statement per chunk instead of one
    // UPDATE per record. The WHERE keeps the statement from ever touching a row of another tenant.
    for (let i = 0; i < updates.length; i += INSERT_CHUNK) {
      await this.db
        .insertInto('records')
        .values(updates.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) =>
          oc
            .column('id')
            .doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              data: eb.ref('excluded.data'),
              checksum: eb.ref('excluded.checksum'),
              version: eb.ref('excluded.version'),
              updated_at: eb.ref('excluded.updated_at'),
              deleted_at: null,
              change_seq: eb.ref('excluded.change_seq'),
            }))
            .where('records.org_id', '=', orgId)
            .where('records.collection_id', '=', collectionId),
        )
        .execute();
    }
    return result;
  }

  async create(
    orgId: string,
    collectionId: string,
    input: { data: RecordData; status?: RecordStatus },
  ): Promise<StoredRecord> {
    const [record] = await this.writeMany(orgId, collectionId, [
      { data: input.data, ...(input.status ? { status: input.status } : {}) },
    ]);
    return record!;
  }

  /** Optimistic update: `expectedVersion` guards against overwriting an edit made since it was read. */
  async update(
    orgId: string,
    collectionId: string,
    id: string,
    input: { data: RecordData; status?: RecordStatus; expectedVersion?: number },
  ): Promise<StoredRecord | undefined> {
    const current = await this.get(orgId, collectionId, id);
    if (!current) return undefined;
    if (input.expectedVersion !== undefined && input.expectedVersion !== current.version) {
      throw new DataSyncError('conflict', `record ${id} changed since version ${input.expectedVersion}`, {
        details: { currentVersion: current.version },
      });
    }
    const [record] = await this.writeMany(orgId, collectionId, [
      { id, data: input.data, ...(input.status ? { status: input.status } : {}) },
    ]);
    return record;
  }

  /** Soft delete: the tombstone carries a new change sequence so incremental readers see the delete. */
  async deleteMany(orgId: string, collectionId: string, ids: readonly string[]): Promise<number> {
    const live = await this.getMany(orgId, collectionId, ids);
    if (live.length === 0) return 0;
    let seq = await reserveSequence(this.db, SEQUENCE, live.length);
    const now = nowIso();
    for (const r of live) {
      await this.db
        .updateTable('records')
        .set({ deleted_at: now, updated_at: now, change_seq: seq++, version: r.version + 1 })
        .where('org_id', '=', orgId)
        .where('id', '=', r.id)
        .execute();
    }
    return live.length;
  }

  /** Reads ids in chunks that stay under SQLite's bound-parameter limit. */
  private async byIds(
    orgId: string,
    ids: readonly string[],
    options: { collectionId?: string; includeDeleted: boolean },
  ): Promise<StoredRecord[]> {
    const out: StoredRecord[] = [];
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      let q = this.db
        .selectFrom('records')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', 'in', ids.slice(i, i + INSERT_CHUNK));
      if (options.collectionId) q = q.where('collection_id', '=', options.collectionId);
      if (!options.includeDeleted) q = q.where('deleted_at', 'is', null);
      out.push(...(await q.execute()).map(toRecord));
    }
    return out;
  }
}
