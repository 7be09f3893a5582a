/**
 * The items list filters: status, an updated range (both ends inclusive, ISO-8601) and a case-insensitive search
 * in the data (with LIKE's wildcards taken literally); a range that ends before it starts is a 400.
 */
import { expect, it } from 'vitest';
import { describeApi, unique } from '../helpers/api.js';

describeApi('content item filters', (get) => {
  it('filters by status, updated range and search', async () => {
    const w = get();
    const org = w.a.org.id;
    const collection = await w.ctx.repos.collections.create(org, {
      key: unique('offer').replace(/[^a-z0-9_]/g, '_'),
      name: 'Offers',
    });
    const [fall, free, pct] = await w.ctx.repos.records.writeMany(org, collection.id, [
      { status: 'published', data: { headline: 'Fall Savings Event' } },
      { status: 'draft', data: { headline: 'Free Installation' } },
      { status: 'published', data: { headline: '0% Financing 12mo' } },
    ]);
    // Spread the updated times so a range can cut between them.
    const times = ['2026-01-10T10:00:00.000Z', '2026-02-10T10:00:00.000Z', '2026-03-10T10:00:00.000Z'];
    for (const [i, r] of [fall!, free!, pct!].entries()) {
      await w.ctx.store.db
        .updateTable('records')
        .set({ updated_at: times[i]! })
        .where('id', '=', r.id)
        .execute();
    }
    const list = async (query: string) => {
      const res = await w.inject({
        method: 'GET',
        url: `/api/v1/collections/${collection.key}/records?${query}`,
        key: w.a.keys.viewer,
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data as { data: { headline: string } }[]).map((r) => r.data.headline);
    };
    expect(await list('status=published')).toEqual(['Fall Savings Event', '0% Financing 12mo']);
    expect(await list('q=fall')).toEqual(['Fall Savings Event']);
    expect(await list('q=INSTALL')).toEqual(['Free Installation']);
    expect(await list('q=0%25')).toEqual(['0% Financing 12mo']);
    expect(await list('q=_')).toEqual([]);
    expect(
      await list(
        `updatedFrom=2026-02-10T10:00:00.000Z&updatedTo=${encodeURIComponent('2026-03-10T10:00:00Z')}`,
      ),
    ).toEqual(['Free Installation', '0% Financing 12mo']);
    expect(await list('updatedTo=2026-02-01T00:00:00Z&status=published')).toEqual(['Fall Savings Event']);
    expect(await list('updatedFrom=2026-01-01T00:00:00Z&q=free&status=draft')).toEqual(['Free Installation']);

    const backwards = await w.inject({
      method: 'GET',
      url: `/api/v1/collections/${collection.key}/records?updatedFrom=2026-03-01T00:00:00Z&updatedTo=2026-01-01T00:00:00Z`,
      key: w.a.keys.viewer,
    });
    expect(backwards.statusCode).toBe(400);
    const notADate = await w.inject({
      method: 'GET',
      url: `/api/v1/collections/${collection.key}/records?updatedFrom=yesterday`,
      key: w.a.keys.viewer,
    });
    expect(notADate.statusCode).toBe(400);
  });
});
