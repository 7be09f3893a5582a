/**
 * @module An in-memory, insertion-ordered record store for one simulator. Each record keeps the sequence number
 * it was created with, so list endpoints can page in a stable order and resume strictly after a position even
 * while records are added or removed between pages (each record is seen exactly once).
 */

export interface StoredRecord<T> {
  readonly seq: number;
  value: T;
}

export class SimStore<T extends { id: string }> {
  private readonly byId = new Map<string, StoredRecord<T>>();
  private nextSeq = 1;

  insert(value: T): StoredRecord<T> {
    if (this.byId.has(value.id)) throw new Error(`duplicate id ${value.id}`);
    const stored = { seq: this.nextSeq++, value };
    this.byId.set(value.id, stored);
    return stored;
  }

  get(id: string): T | undefined {
    return this.byId.get(id)?.value;
  }

  entry(id: string): StoredRecord<T> | undefined {
    return this.byId.get(id);
  }

  /** Replaces the value and keeps the record's position. */
  replace(id: string, value: T): void {
    const stored = this.byId.get(id);
    if (!stored) throw new Error(`no record ${id}`);
    stored.value = value;
  }

  delete(id: string): boolean {
    return this.byId.delete(id);
  }

  /** Records in creation order (Map iteration order is insertion order). */
  entries(): StoredRecord<T>[] {
    return [...this.byId.values()];
  }

  values(): T[] {
    return this.entries().map((e) => e.value);
  }

  get size(): number {
    return this.byId.size;
  }
}

/** Deterministic ids: a prefix and a zero-padded base-36 counter, so seeded data looks the same on every run. */
export function createIdFactory(prefix: string, width: number): () => string {
  let n = 0;
  return () => {
    n += 1;
    return prefix + n.toString(36).padStart(width, '0');
  };
}
