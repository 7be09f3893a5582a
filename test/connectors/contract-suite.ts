/**
 * The connector contract suite: what the engine relies on, run against every connector (memory, collection, and
 * the platform connectors over HTTP to their simulators). Platforms have fixed schemas, so the suite names the
 * fields it writes: `title` (a text field) and `meta` (a nested object field, skipped when the platform has none).
 * `exactFeed: false` is for change feeds read by a modified-since filter: they overlap and carry no tombstones.
 */
import { expect, it } from 'vitest';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';

export interface ContractOptions {
  title?: string;
  meta?: string;
  exactFeed?: boolean;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

export function contract(name: string, make: () => Promise<ObjectClient>, options: ContractOptions = {}) {
  const T = options.title ?? 'title';
  const M = options.meta;
  const meta = (value: unknown): Record<string, unknown> => (M ? { [M]: value } : {});
  const exact = options.exactFeed ?? true;
  const idOf = (r: { ok: boolean; id?: string } | undefined) => (r?.ok ? r.id! : '');

  it(`${name}: creates with per-record results, lists everything once, reads by id`, async () => {
    const client = await make();
    const results = await client.create([
      { ref: 'lnk_01aaa', data: { [T]: 'one', ...meta({ a: 1, b: 2 }) } },
      { ref: 'lnk_01bbb', data: { [T]: 'two' } },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = results.map(idOf);
    const listed = (await collect(client.listAll({ pageSize: 1 }))).flatMap((p) => p.records);
    const listedIds = listed.map((r) => r.id);
    if (client.spec.listOrder === 'id') expect(listedIds).toEqual([...ids].sort());
    else expect([...listedIds].sort()).toEqual([...ids].sort());
    const read = await client.readByIds([ids[1]!, 'missing']);
    expect(read.map((r) => r.data[T])).toEqual(['two']);
    if (client.findCreated)
      expect(
        await client.findCreated([
          { ref: 'lnk_01aaa', data: { [T]: 'one' } },
          { ref: 'lnk_01zzz', data: {} },
        ]),
      ).toEqual([ids[0], null]);
  });

  it(`${name}: updates are deep patches with per-record not_found; deletes are idempotent`, async () => {
    const client = await make();
    const [created] = await client.create([
      { ref: 'lnk_01ccc', data: { [T]: 'x', ...meta({ a: 1, b: 2 }) } },
    ]);
    const id = idOf(created);
    const results = await client.update([
      { id, data: M ? meta({ b: 3 }) : { [T]: 'x3' } },
      { id: 'nope', data: { [T]: 'y' } },
    ]);
    expect(results[0]).toMatchObject({ ok: true, id });
    expect(results[1]).toMatchObject({ ok: false, error: expect.any(ConnectorError) });
    expect(!results[1]!.ok && results[1]!.error.kind).toBe('not_found');
    const [after] = await client.readByIds([id]);
    expect(after!.data).toMatchObject(M ? { [T]: 'x', [M]: { a: 1, b: 3 } } : { [T]: 'x3' });
    expect((await client.delete([id])).every((r) => r.ok)).toBe(true);
    expect((await client.delete([id])).every((r) => r.ok)).toBe(true);
    expect(await client.readByIds([id])).toEqual([]);
  });

  it(`${name}: the change feed returns changes after a cursor${exact ? ', tombstones included' : ''}`, async () => {
    const client = await make();
    if (!client.listChanged) return;
    const [a, b] = await client.create([
      { ref: 'lnk_01ddd', data: { [T]: 'a' } },
      { ref: 'lnk_01eee', data: { [T]: 'b' } },
    ]);
    const first = await collect(client.listChanged(null, { pageSize: 1 }));
    expect(first.flatMap((p) => p.records.map((r) => r.id)).sort()).toEqual([idOf(a), idOf(b)].sort());
    const cursor = first[first.length - 1]!.cursor;
    await client.update([{ id: idOf(a), data: { [T]: 'a2' } }]);
    await client.delete([idOf(b)]);
    const pages = await collect(client.listChanged(cursor));
    const next = pages.flatMap((p) => p.records);
    const seen = next.map((r) => ('deleted' in r ? `-${r.id}` : `${r.id}:${String(r.data[T])}`));
    if (exact) {
      expect(seen).toEqual([`${idOf(a)}:a2`, `-${idOf(b)}`]);
      expect(await collect(client.listChanged(pages.length ? pages.pop()!.cursor : cursor))).toEqual([]);
    } else {
      // A modified-since feed overlaps (re-reads are harmless) and has no tombstones: b is just not live.
      expect(seen).toContain(`${idOf(a)}:a2`);
      expect(seen.filter((s) => s.startsWith(idOf(b)))).toEqual([]);
    }
  });
}
