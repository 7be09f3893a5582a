/**
 * One contract suite, run against every connector built here (memory with and without a change feed, and the
 * collection connector on both dialects): what the engine relies on.
 */
import { expect, it } from 'vitest';
import { collectionConnector } from '../../src/connectors/collection/collection-connector.js';
import { memoryConnector, memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import { MemoryPlatform } from '../../src/connectors/memory/memory-platform.js';
import type { ObjectClient } from '../../src/connectors/sdk/connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { describeEachDialect } from '../helpers/dialects.js';

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

function contract(name: string, make: () => Promise<ObjectClient>) {
  it(`${name}: creates with per-record results, lists in id order, reads by id`, async () => {
    const client = await make();
    const results = await client.create([
      { ref: 'lnk_01aaa', data: { title: 'one', meta: { a: 1, b: 2 } } },
      { ref: 'lnk_01bbb', data: { title: 'two' } },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const ids = results.map((r) => (r.ok ? r.id : ''));
    const listed = (await collect(client.listAll({ pageSize: 1 }))).flatMap((p) => p.records);
    expect(listed.map((r) => r.id)).toEqual([...ids].sort());
    if (client.spec.listOrder === 'id')
      expect(listed.map((r) => r.id)).toEqual([...listed.map((r) => r.id)].sort());
    const read = await client.readByIds([ids[1]!, 'missing']);
    expect(read.map((r) => r.data.title)).toEqual(['two']);
    expect(
      await client.findCreated!([
        { ref: 'lnk_01aaa', data: { title: 'one' } },
        { ref: 'lnk_01zzz', data: {} },
      ]),
    ).toEqual([ids[0], null]);
  });

  it(`${name}: updates are deep patches with per-record not_found; deletes are idempotent`, async () => {
    const client = await make();
    const [created] = await client.create([{ ref: 'lnk_01ccc', data: { title: 'x', meta: { a: 1, b: 2 } } }]);
    const id = created!.ok ? created!.id : '';
    const results = await client.update([
      { id, data: { meta: { b: 3 } } },
      { id: 'nope', data: { title: 'y' } },
    ]);
    expect(results[0]).toMatchObject({ ok: true, id });
    expect(results[1]).toMatchObject({ ok: false, error: expect.any(ConnectorError) });
    expect(!results[1]!.ok && results[1]!.error.kind).toBe('not_found');
    const [after] = await client.readByIds([id]);
    expect(after!.data).toMatchObject({ title: 'x', meta: { a: 1, b: 3 } });
    expect((await client.delete([id])).every((r) => r.ok)).toBe(true);
    expect((await client.delete([id])).every((r) => r.ok)).toBe(true);
    expect(await client.readByIds([id])).toEqual([]);
  });

  it(`${name}: the change feed returns changes after a cursor, tombstones included`, async () => {
    const client = await make();
    if (!client.listChanged) return;
    const [a, b] = await client.create([
      { ref: 'lnk_01ddd', data: { title: 'a' } },
      { ref: 'lnk_01eee', data: { title: 'b' } },
    ]);
    const first = await collect(client.listChanged(null, { pageSize: 1 }));
    const cursor = first[first.length - 1]!.cursor;
    await client.update([{ id: a!.ok ? a!.id : '', data: { title: 'a2' } }]);
    await client.delete([b!.ok ? b!.id : '']);
    const next = (await collect(client.listChanged(cursor))).flatMap((p) => p.records);
    expect(next.map((r) => ('deleted' in r ? `-${r.id}` : `${r.id}:${r.data.title}`))).toEqual([
      `${a!.ok ? a!.id : ''}:a2`,
      `-${b!.ok ? b!.id : ''}`,
    ]);
    expect(
      await collect(
        client.listChanged(next.length ? (await collect(client.listChanged(cursor))).pop()!.cursor : cursor),
      ),
    ).toEqual([]);
  });
}

let n = 0;
for (const cursor of [true, false]) {
  contract(`memory (cursor ${cursor})`, async () =>
    memoryConnector(new MemoryPlatform(), [memoryObjectSpec('items')], { cursor }).object('items'),
  );
}

describeEachDialect('collection connector contract', (get) => {
  contract('collection', async () => {
    const { repos, store } = get();
    const org = await repos.organizations.create({ name: 'c', slug: `contract-${Date.now()}-${n++}` });
    await repos.collections.create(org.id, { key: 'items', name: 'items' });
    return collectionConnector(store.db, org.id).object('items');
  });

  it('collection: required fields fail per record, and $status maps to the record status', async () => {
    const { repos, store } = get();
    const org = await repos.organizations.create({ name: 'c', slug: `contract-${Date.now()}-${n++}` });
    await repos.collections.create(org.id, {
      key: 'people',
      name: 'p',
      schema: { fields: { name: { type: 'string', required: true } } },
    });
    const client = await collectionConnector(store.db, org.id).object('people');
    const results = await client.create([
      { ref: 'lnk_01fff', data: { name: 'Ann', $status: 'published' } },
      { ref: 'lnk_01ggg', data: { other: 1 } },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false });
    expect(!results[1]!.ok && results[1]!.error.kind).toBe('validation');
    const [rec] = await client.readByIds([results[0]!.ok ? results[0]!.id : '']);
    expect(rec!.data.$status).toBe('published');
    await expect(collectionConnector(store.db, org.id).object('missing')).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});
