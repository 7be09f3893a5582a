/**
 * One contract suite, run against every connector built here (memory with and without a change feed, and the
 * collection connector on both dialects): what the engine relies on.
 */
import { expect, it } from 'vitest';
import { collectionConnector } from '../../src/connectors/collection/collection-connector.js';
import { memoryConnector, memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import { MemoryPlatform } from '../../src/connectors/memory/memory-platform.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { contract } from './contract-suite.js';

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
