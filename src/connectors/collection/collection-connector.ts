/**
 * @module The `collection` connector: DataSync's own record store seen through the connector contract, so a sync
 * always pairs two endpoints. Objects are collections (by key). The cursor is the records `change_seq`, so an
 * incremental read costs what changed; deletes arrive as tombstones. The record status is exposed as the field
 * `$status` (write `archived` to archive). Creates use a record id derived from the engine's reference, which
 * makes `findCreated` exact after a crash.
 */
import type { Kysely } from 'kysely';
import { CollectionRepository, type Collection } from '../../store/repositories/collections.js';
import { RecordRepository, type RecordStatus, type StoredRecord } from '../../store/repositories/records.js';
import type { Database } from '../../store/schema.js';
import type { ConnectorFactory, ConnectorContext } from '../registry.js';
import type { Connector, ListOptions, ObjectClient } from '../sdk/connector.js';
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
import { missingRequired } from '../sdk/validate.js';

export const STATUS_FIELD = '$status';
const STATUSES: readonly RecordStatus[] = ['draft', 'published', 'archived'];
const PAGE = 2000;
const MAX_BATCH = 500;

function toRemote(r: StoredRecord): RemoteRecord {
  return { id: r.id, data: { ...r.data, [STATUS_FIELD]: r.status }, updatedAt: r.updatedAt };
}

/** Splits the `$status` pseudo-field off record data. */
function split(data: Record<string, unknown>): { data: Record<string, unknown>; status?: RecordStatus } {
  if (!(STATUS_FIELD in data)) return { data };
  const { [STATUS_FIELD]: status, ...rest } = data;
  if (status === null || status === undefined) return { data: rest };
  if (!STATUSES.includes(status as RecordStatus)) {
    throw new ConnectorError('validation', `${STATUS_FIELD} must be one of ${STATUSES.join(', ')}`);
  }
  return { data: rest, status: status as RecordStatus };
}

/** The record id a create with this reference gets: stable, so a retried create finds the first one. */
export function recordIdForRef(ref: string): string {
  const suffix = ref.includes('_') ? ref.slice(ref.indexOf('_') + 1) : ref;
  return `rec_${suffix.toLowerCase()}`;
}

function specFor(collection: Collection): ObjectSpec {
  const declared = collection.schema.fields;
  const fields: Record<string, FieldSpec> = {};
  if (declared && typeof declared === 'object' && !Array.isArray(declared)) {
    for (const [name, value] of Object.entries(declared as Record<string, unknown>)) {
      const v = (value ?? {}) as Partial<FieldSpec>;
      fields[name] = { type: v.type ?? 'json', ...(v.required ? { required: true } : {}) };
    }
  }
  fields[STATUS_FIELD] = { type: 'string', values: STATUSES };
  return {
    name: collection.key,
    fields,
    primaryKey: 'id',
    listOrder: 'id',
    maxBatch: MAX_BATCH,
    updatedAtField: 'updatedAt',
    archive: { field: STATUS_FIELD, value: 'archived' },
  };
}

class CollectionObject implements ObjectClient {
  readonly spec: ObjectSpec;
  private readonly records: RecordRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly orgId: string,
    private readonly collection: Collection,
  ) {
    this.spec = specFor(collection);
    this.records = new RecordRepository(db);
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    let cursor: string | undefined;
    const limit = Math.min(options.pageSize ?? PAGE, 5000);
    do {
      options.signal?.throwIfAborted();
      const page = await this.records.list(this.orgId, this.collection.id, { cursor, limit });
      if (page.data.length > 0) yield { records: page.data.map(toRemote) };
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }

  async *listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    let seq = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(seq))
      throw new ConnectorError('validation', `bad collection cursor "${cursor}"`);
    const limit = options.pageSize ?? PAGE;
    for (;;) {
      options.signal?.throwIfAborted();
      const rows = await this.records.changesSince(this.orgId, this.collection.id, seq, limit);
      if (rows.length === 0) return;
      seq = rows[rows.length - 1]!.changeSeq;
      yield {
        records: rows.map((r) => (r.deletedAt ? { id: r.id, deleted: true as const } : toRemote(r))),
        cursor: String(seq),
      };
      if (rows.length < limit) return;
    }
  }

  async readByIds(ids: readonly string[]): Promise<RemoteRecord[]> {
    return (await this.records.getMany(this.orgId, this.collection.id, ids)).map(toRemote);
  }

  async create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    const results: (WriteResult | undefined)[] = [];
    const writes: { index: number; id: string; data: Record<string, unknown>; status?: RecordStatus }[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        const { data, status } = split(input.data);
        const missing = missingRequired(this.spec, data);
        if (missing) throw missing;
        writes.push({ index, id: recordIdForRef(input.ref), data, ...(status ? { status } : {}) });
        results.push(undefined);
      } catch (error) {
        results.push({ ok: false, error: asConnectorError(error) });
      }
    }
    await this.commit(writes, results);
    return results as WriteResult[];
  }

  async update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    const current = new Map(
      (
        await this.records.getMany(
          this.orgId,
          this.collection.id,
          inputs.map((i) => i.id),
        )
      ).map((r) => [r.id, r]),
    );
    const results: (WriteResult | undefined)[] = [];
    const writes: { index: number; id: string; data: Record<string, unknown>; status?: RecordStatus }[] = [];
    for (const [index, input] of inputs.entries()) {
      const prev = current.get(input.id);
      if (!prev) {
        results.push({ ok: false, error: new ConnectorError('not_found', `record ${input.id} not found`) });
        continue;
      }
      try {
        const { data: patch, status } = split(input.data);
        const data = applyPatch(prev.data, patch);
        const missing = missingRequired(this.spec, data);
        if (missing) throw missing;
        writes.push({ index, id: input.id, data, ...(status ? { status } : {}) });
        results.push(undefined);
      } catch (error) {
        results.push({ ok: false, error: asConnectorError(error) });
      }
    }
    await this.commit(writes, results);
    return results as WriteResult[];
  }

  /** writeMany returns records out of input order (unchanged ones first), so results are matched by id. */
  private async commit(
    writes: { index: number; id: string; data: Record<string, unknown>; status?: RecordStatus }[],
    results: (WriteResult | undefined)[],
  ): Promise<void> {
    // One transaction per batch: the repository updates row by row, and on SQLite a commit per row is the cost.
    const stored = new Map(
      (
        await this.db
          .transaction()
          .execute((trx) => new RecordRepository(trx).writeMany(this.orgId, this.collection.id, writes))
      ).map((r) => [r.id, r]),
    );
    for (const w of writes) {
      const record = stored.get(w.id);
      results[w.index] = record
        ? { ok: true, id: record.id, record: toRemote(record) }
        : { ok: false, error: new ConnectorError('server', `record ${w.id} was not written`) };
    }
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    await this.db
      .transaction()
      .execute((trx) => new RecordRepository(trx).deleteMany(this.orgId, this.collection.id, ids));
    return ids.map((id) => ({ ok: true, id }));
  }

  async findCreated(inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const ids = inputs.map((i) => recordIdForRef(i.ref));
    const found = new Set((await this.records.getMany(this.orgId, this.collection.id, ids)).map((r) => r.id));
    return ids.map((id) => (found.has(id) ? id : null));
  }
}

function asConnectorError(error: unknown): ConnectorError {
  return error instanceof ConnectorError
    ? error
    : new ConnectorError('validation', error instanceof Error ? error.message : String(error));
}

/** A connector over one organization's collections. */
export function collectionConnector(db: Kysely<Database>, orgId: string): Connector {
  const collections = new CollectionRepository(db);
  const cache = new Map<string, CollectionObject>();
  const load = async (key: string): Promise<CollectionObject> => {
    const hit = cache.get(key);
    if (hit) return hit;
    const collection = await collections.byKey(orgId, key);
    if (!collection) throw new ConnectorError('not_found', `collection "${key}" does not exist`);
    const object = new CollectionObject(db, orgId, collection);
    cache.set(key, object);
    return object;
  };
  return {
    name: 'collection',
    auth: { kind: 'none' },
    objects: async () => {
      const out: ObjectSpec[] = [];
      let cursor: string | undefined;
      do {
        const page = await collections.list(orgId, { cursor, limit: 200 });
        out.push(...page.data.map(specFor));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    },
    object: load,
  };
}

export const collectionConnectorFactory: ConnectorFactory = {
  name: 'collection',
  create: (context: ConnectorContext) => collectionConnector(context.db, context.orgId),
};
