/**
 * @module An in-memory platform for tests and the reference connector: objects hold records with remote-assigned
 * ids, a change log gives cursors, and faults can be injected (throw at the Nth call, or after part of a batch
 * was written, which is what a crash between a remote write and our commit looks like).
 */
import { ConnectorError } from '../sdk/errors.js';
import { applyPatch } from '../sdk/patch.js';

export interface StoredMemoryRecord {
  id: string;
  data: Record<string, unknown>;
  updatedAt: string;
  deleted: boolean;
  seq: number;
  /** The engine's create reference, kept the way a platform keeps an external-id field. */
  ref?: string;
}

export type MemoryOperation = 'list' | 'changes' | 'read' | 'create' | 'update' | 'delete' | 'find';

export interface MemoryFault {
  op: MemoryOperation | 'write';
  /** Fail on this call of `op` (1 = the next one). */
  call: number;
  /** For writes: apply this many records of the batch before failing, like a crash after a partial write. */
  afterRecords?: number;
  error?: Error;
}

/** One platform with several objects. */
export class MemoryPlatform {
  private readonly objects = new Map<string, Map<string, StoredMemoryRecord>>();
  private seq = 0;
  private nextId = 0;
  private clock = Date.parse('2024-01-01T00:00:00.000Z');
  private readonly faults: MemoryFault[] = [];
  private readonly calls = new Map<string, number>();
  /** Every call made, for assertions such as "a second sync writes nothing". */
  readonly log: { op: MemoryOperation; object: string; count: number }[] = [];
  /** Per-record rejection: return a message to fail that record with a `validation` error. */
  rejectWhen: ((object: string, data: Record<string, unknown>) => string | undefined) | undefined;

  constructor(private readonly idPrefix = 'm') {}

  table(object: string): Map<string, StoredMemoryRecord> {
    let t = this.objects.get(object);
    if (!t) {
      t = new Map();
      this.objects.set(object, t);
    }
    return t;
  }

  /** Timestamps advance one second per write so newest_wins is deterministic. */
  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  newId(): string {
    this.nextId += 1;
    return `${this.idPrefix}${String(this.nextId).padStart(9, '0')}`;
  }

  /** Writes as a person on the platform would (no fault, no call log). */
  put(object: string, data: Record<string, unknown>, id?: string): string {
    const table = this.table(object);
    const key = id ?? this.newId();
    const prev = table.get(key);
    table.set(key, {
      id: key,
      data: structuredClone(data),
      updatedAt: this.tick(),
      deleted: false,
      seq: ++this.seq,
      ...(prev?.ref ? { ref: prev.ref } : {}),
    });
    return key;
  }

  patch(object: string, id: string, patch: Record<string, unknown>): boolean {
    const prev = this.table(object).get(id);
    if (!prev || prev.deleted) return false;
    this.put(object, applyPatch(prev.data, patch), id);
    return true;
  }

  remove(object: string, id: string): boolean {
    const prev = this.table(object).get(id);
    if (!prev || prev.deleted) return false;
    this.table(object).set(id, { ...prev, deleted: true, updatedAt: this.tick(), seq: ++this.seq });
    return true;
  }

  get(object: string, id: string): StoredMemoryRecord | undefined {
    const r = this.table(object).get(id);
    return r && !r.deleted ? r : undefined;
  }

  /** Live records in id order. */
  live(object: string): StoredMemoryRecord[] {
    return [...this.table(object).values()]
      .filter((r) => !r.deleted)
      .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  }

  /** Records (tombstones too) changed after `seq`, in change order. */
  changesAfter(object: string, seq: number): StoredMemoryRecord[] {
    return [...this.table(object).values()].filter((r) => r.seq > seq).sort((x, y) => x.seq - y.seq);
  }

  injectFault(fault: MemoryFault): void {
    this.faults.push(fault);
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  writesLogged(): number {
    return this.log
      .filter((l) => l.op === 'create' || l.op === 'update' || l.op === 'delete')
      .reduce((n, l) => n + l.count, 0);
  }

  /**
   * Counts the call and returns the fault due now, if any. A fault with `afterRecords` is returned for the write
   * to honour part-way; any other fault throws here.
   */
  enter(op: MemoryOperation, object: string, count: number): MemoryFault | undefined {
    this.log.push({ op, object, count });
    for (const key of [op, isWrite(op) ? 'write' : undefined]) {
      if (!key) continue;
      const n = (this.calls.get(key) ?? 0) + 1;
      this.calls.set(key, n);
      const index = this.faults.findIndex((f) => f.op === key && f.call === n);
      if (index >= 0) {
        const [fault] = this.faults.splice(index, 1);
        if (fault!.afterRecords === undefined || !isWrite(op)) throw faultError(fault!);
        return fault;
      }
    }
    return undefined;
  }

  resetCallCounts(): void {
    this.calls.clear();
  }
}

function isWrite(op: MemoryOperation): boolean {
  return op === 'create' || op === 'update' || op === 'delete';
}

export function faultError(fault: MemoryFault): Error {
  return fault.error ?? new ConnectorError('network', `injected fault on ${fault.op} call ${fault.call}`);
}
