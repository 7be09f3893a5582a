import { expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { makeHarness } from './harness.js';

describeEachDialect('engine smoke', (get) => {
  it('pushes a collection to a memory platform and pulls edits back', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const colId = await h.collection('posts');
    for (let i = 0; i < 5; i++)
      await repos.records.create(h.orgId, colId, { data: { title: `t${i}`, body: 'x' } });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      objects: [
        {
          name: 'posts',
          a: 'posts',
          b: 'items',
          fields: [
            { a: 'title', b: 'name' },
            { a: 'body', b: 'content' },
          ],
        },
      ],
    });
    const first = await h.run(syncId);
    expect(first.outcome, JSON.stringify(first)).toBe('success');
    expect(first.counts.created).toBe(5);
    expect(
      h.platform
        .live('items')
        .map((r) => r.data.name)
        .sort(),
    ).toEqual(['t0', 't1', 't2', 't3', 't4']);
    const second = await h.run(syncId);
    expect(second.counts.created + second.counts.updated).toBe(0);
    const id = h.platform.live('items')[0]!.id;
    h.platform.patch('items', id, { name: 'renamed' });
    const third = await h.run(syncId);
    expect(third.counts.updated).toBe(1);
    const titles = (await repos.records.list(h.orgId, colId, { limit: 100 })).data.map((r) => r.data.title);
    expect(titles).toContain('renamed');
    const fourth = await h.run(syncId);
    expect(fourth.counts.created + fourth.counts.updated + fourth.counts.deleted).toBe(0);
  });
});
