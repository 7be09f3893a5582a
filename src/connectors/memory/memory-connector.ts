/**
 * @module The in-memory reference connector. It implements the whole contract the way an HTTP platform would:
 * ids are assigned by the platform on create, writes fail per record, cursors are opaque strings, and either
 * half of the optional surface can be switched off (no change feed → the engine falls back to checksum scans;
 * no stored backlinks → crash recovery finds creates by natural key).
 */
import type { Connector, ListOptions, ObjectClient } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { applyPatch } from '../sdk/patch.js';
import type {
  ChangePage,
  CreateInput,
  ObjectSpec,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WriteResult,
} from '../sdk/types.js';
import { missingRequired } from '../sdk/validate.js';
import { faultError, type MemoryPlatform, type StoredMemoryRecord } from './memory-platform.js';

export interface MemoryConnectorOptions {
  /** Offer `listChanged` (default true). */
  cursor?: boolean;
  /** Keep the engine's create reference on records so `findCreated` is exact (default true). */
  backlinks?: boolean;
  /** Records per page when listing (default 100). */
  pageSize?: number;
  name?: string;
}

function toRemote(r: StoredMemoryRecord): RemoteRecord {
  return { id: r.id, data: structuredClone(r.data), updatedAt: r.updatedAt };
}

class MemoryObject implements ObjectClient {
  listChanged?: (cursor: string | null, options?: ListOptions) => AsyncIterable<ChangePage>;

  constructor(
    private readonly platform: MemoryPlatform,
    readonly spec: ObjectSpec,
    private readonly options: Required<Omit<MemoryConnectorOptions, 'name'>>,
  ) {
    if (options.cursor) this.listChanged = (cursor, o) => this.changes(cursor, o);
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    const size = options.pageSize ?? this.options.pageSize;
    let after: string | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      this.platform.enter('list', this.spec.name, 0);
      const page: StoredMemoryRecord[] = this.platform
        .live(this.spec.name)
        .filter((r) => after === null || r.id > after)
        .slice(0, size);
      if (page.length === 0) return;
      yield { records: page.map(toRemote) };
      after = page[page.length - 1]!.id;
      if (page.length < size) return;
    }
  }

  private async *changes(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    const size = options.pageSize ?? this.options.pageSize;
    let seq = cursor === null ? 0 : Number(cursor);
    if (!Number.isInteger(seq)) throw new ConnectorError('validation', `bad memory cursor "${cursor}"`);
    for (;;) {
      options.signal?.throwIfAborted();
      this.platform.enter('changes', this.spec.name, 0);
      const page = this.platform.changesAfter(this.spec.name, seq).slice(0, size);
      if (page.length === 0) return;
      seq = page[page.length - 1]!.seq;
      yield {
        records: page.map((r) => (r.deleted ? { id: r.id, deleted: true as const } : toRemote(r))),
        cursor: String(seq),
      };
      if (page.length < size) return;
    }
  }

  async readByIds(ids: readonly string[]): Promise<RemoteRecord[]> {
    this.platform.enter('read', this.spec.name, ids.length);
    return ids.flatMap((id) => {
      const r = this.platform.get(this.spec.name, id);
      return r ? [toRemote(r)] : [];
    });
  }

  async create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    this.checkBatch(inputs.length);
    const fault = this.platform.enter('create', this.spec.name, inputs.length);
    const results: WriteResult[] = [];
    for (const [i, input] of inputs.entries()) {
      if (fault && i >= fault.afterRecords!) throw faultError(fault);
      const problem = this.reject(input.data);
      if (problem) {
        results.push({ ok: false, error: problem });
        continue;
      }
      const id = this.platform.put(this.spec.name, input.data);
      const stored = this.platform.get(this.spec.name, id)!;
      if (this.options.backlinks) stored.ref = input.ref;
      results.push({ ok: true, id, record: toRemote(stored) });
    }
    if (fault) throw faultError(fault);
    return results;
  }

  async update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    this.checkBatch(inputs.length);
    const fault = this.platform.enter('update', this.spec.name, inputs.length);
    const results: WriteResult[] = [];
    for (const [i, input] of inputs.entries()) {
      if (fault && i >= fault.afterRecords!) throw faultError(fault);
      const current = this.platform.get(this.spec.name, input.id);
      if (!current) {
        results.push({ ok: false, error: new ConnectorError('not_found', `${input.id} not found`) });
        continue;
      }
      const merged = applyPatch(current.data, input.data);
      const problem = this.reject(merged);
      if (problem) {
        results.push({ ok: false, error: problem });
        continue;
      }
      this.platform.put(this.spec.name, merged, input.id);
      results.push({
        ok: true,
        id: input.id,
        record: toRemote(this.platform.get(this.spec.name, input.id)!),
      });
    }
    if (fault) throw faultError(fault);
    return results;
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    this.checkBatch(ids.length);
    const fault = this.platform.enter('delete', this.spec.name, ids.length);
    const results: WriteResult[] = [];
    for (const [i, id] of ids.entries()) {
      if (fault && i >= fault.afterRecords!) throw faultError(fault);
      this.platform.remove(this.spec.name, id);
      results.push({ ok: true, id });
    }
    if (fault) throw faultError(fault);
    return results;
  }

  async findCreated(inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    this.platform.enter('find', this.spec.name, inputs.length);
    const live = this.platform.live(this.spec.name);
    if (this.options.backlinks) {
      const byRef = new Map(live.flatMap((r) => (r.ref ? [[r.ref, r.id] as const] : [])));
      return inputs.map((i) => byRef.get(i.ref) ?? null);
    }
    const keys = this.spec.naturalKeys ?? [];
    if (keys.length === 0) return inputs.map(() => null);
    return inputs.map((input) => {
      const hits = live.filter((r) => keys.every((k) => r.data[k] === input.data[k]));
      return hits.length === 1 ? hits[0]!.id : null;
    });
  }

  private reject(data: Record<string, unknown>): ConnectorError | undefined {
    const missing = missingRequired(this.spec, data);
    if (missing) return missing;
    const message = this.platform.rejectWhen?.(this.spec.name, data);
    return message ? new ConnectorError('validation', message) : undefined;
  }

  private checkBatch(size: number): void {
    if (size > this.spec.maxBatch) {
      throw new ConnectorError('validation', `batch of ${size} exceeds ${this.spec.maxBatch}`);
    }
  }
}

/** A connector over a MemoryPlatform exposing the given objects. */
export function memoryConnector(
  platform: MemoryPlatform,
  specs: readonly ObjectSpec[],
  options: MemoryConnectorOptions = {},
): Connector {
  const resolved = {
    cursor: options.cursor ?? true,
    backlinks: options.backlinks ?? true,
    pageSize: options.pageSize ?? 100,
  };
  const objects = new Map(specs.map((s) => [s.name, new MemoryObject(platform, s, resolved)]));
  return {
    name: options.name ?? 'memory',
    auth: { kind: 'none' },
    rateLimit: { requests: 1000, intervalMs: 1000 },
    objects: async () => specs.slice(),
    object: async (name) => {
      const object = objects.get(name);
      if (!object) throw new ConnectorError('not_found', `memory object "${name}" does not exist`);
      return object;
    },
  };
}

/** An object spec with sensible defaults for tests. */
export function memoryObjectSpec(name: string, overrides: Partial<ObjectSpec> = {}): ObjectSpec {
  return {
    name,
    fields: {},
    primaryKey: 'id',
    listOrder: 'id',
    maxBatch: 50,
    updatedAtField: 'updatedAt',
    ...overrides,
  };
}
