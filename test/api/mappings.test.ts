/**
 * The mapping matrix through the API: bulk writes (a column, a row, everything to full; an item blocked
 * everywhere), clearing a cell back to "not sent" (mode `none`), and override cells holding only the overridden
 * fields, validated against the item's type, all or nothing. The effective payloads follow the matrix.
 */
import { expect, it } from 'vitest';
import { buildSitePayload } from '../../src/syndication/push-site.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

async function world(w: ApiWorld) {
  const org = w.a.org.id;
  const collection = await w.ctx.repos.collections.create(org, {
    key: unique('offer').replace(/[^a-z0-9_]/g, '_'),
    name: 'Offers',
    schema: {
      fields: [
        { key: 'headline', label: 'Headline', type: 'text', required: true },
        { key: 'cta_text', label: 'CTA', type: 'text', required: true, maxLength: 20 },
        { key: 'rank', label: 'Rank', type: 'number' },
      ],
    },
  });
  const items = await w.ctx.repos.records.writeMany(org, collection.id, [
    { status: 'published', data: { headline: 'A', cta_text: 'Go A', rank: 1 } },
    { status: 'published', data: { headline: 'B', cta_text: 'Go B' } },
  ]);
  const sites = [];
  for (const name of ['North', 'South']) {
    sites.push(
      (
        await w.ctx.repos.sites.create(org, {
          name,
          slug: unique(name.toLowerCase()).replace(/[^a-z0-9-]/g, '-'),
          url: 'builtin:receiver',
        })
      ).site,
    );
  }
  return { org, items: items.map((i) => i.id), sites: sites.map((s) => s.id) };
}

describeApi('mappings', (get) => {
  async function put(body: object) {
    return get().inject({ method: 'PUT', url: '/api/v1/mappings', key: get().a.keys.editor, payload: body });
  }
  async function matrix(siteIds: string[]) {
    const cells = (
      await get().inject({ method: 'GET', url: '/api/v1/mappings', key: get().a.keys.viewer })
    ).json().data as { siteId: string; itemId: string; mode: string; overrides: unknown }[];
    return cells.filter((c) => siteIds.includes(c.siteId));
  }

  it('sets a column, a row and everything to full, blocks everywhere, and clears cells', async () => {
    const w = get();
    const { org, items, sites } = await world(w);
    const [a, b] = items as [string, string];
    const [north, south] = sites as [string, string];

    // Column: every item to North in full.
    expect((await put(items.map((itemId) => ({ siteId: north, itemId, mode: 'full' })))).statusCode).toBe(
      200,
    );
    expect(await matrix(sites)).toHaveLength(2);
    // Row: A to every site in full.
    await put(sites.map((siteId) => ({ siteId, itemId: a, mode: 'full' })));
    expect(
      (await matrix(sites))
        .map((c) => `${c.siteId === north ? 'N' : 'S'}${c.itemId === a ? 'A' : 'B'}`)
        .sort(),
    ).toEqual(['NA', 'NB', 'SA']);
    // All: every cell full.
    await put(sites.flatMap((siteId) => items.map((itemId) => ({ siteId, itemId, mode: 'full' }))));
    expect((await matrix(sites)).every((c) => c.mode === 'full')).toBe(true);
    expect((await buildSitePayload(w.ctx.repos, org, south)).items.map((i) => i.id).sort()).toEqual(
      [a, b].sort(),
    );
    // Block B everywhere.
    await put(sites.map((siteId) => ({ siteId, itemId: b, mode: 'block' })));
    expect((await matrix(sites)).filter((c) => c.itemId === b).map((c) => c.mode)).toEqual([
      'block',
      'block',
    ]);
    expect((await buildSitePayload(w.ctx.repos, org, north)).items.map((i) => i.id)).toEqual([a]);

    // Clearing a cell: back to "not sent"; clearing one that is not there removes nothing.
    const cleared = await put({ siteId: south, itemId: a, mode: 'none' });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toEqual({ data: [], removed: 1 });
    expect((await matrix([south])).map((c) => c.itemId)).toEqual([b]);
    expect((await buildSitePayload(w.ctx.repos, org, south)).items).toEqual([]);
    const again = await put([
      { siteId: south, itemId: a, mode: 'none' },
      { siteId: south, itemId: b, mode: 'none' },
    ]);
    expect(again.json()).toEqual({ data: [], removed: 1 });
    expect(await matrix([south])).toEqual([]);
  });

  it('keeps only the overridden fields, validated against the type, all or nothing', async () => {
    const w = get();
    const { org, items, sites } = await world(w);
    const [a, b] = items as [string, string];
    const [north] = sites as [string];

    const bad = await put([
      { siteId: north, itemId: a, mode: 'full' },
      { siteId: north, itemId: b, mode: 'override', overrides: { cta_text: 'x'.repeat(21), rank: 'first' } },
    ]);
    expect(bad.statusCode).toBe(422);
    expect(Object.keys(bad.json().error.details.cells)).toEqual(['1']);
    expect(Object.keys(bad.json().error.details.cells['1']).sort()).toEqual(['cta_text', 'rank']);
    expect(await matrix([north])).toEqual([]);
    const unknownField = await put({
      siteId: north,
      itemId: b,
      mode: 'override',
      overrides: { colour: 'red' },
    });
    expect(unknownField.statusCode).toBe(422);
    const overridesOnFull = await put({
      siteId: north,
      itemId: b,
      mode: 'full',
      overrides: { cta_text: 'x' },
    });
    expect(overridesOnFull.statusCode).toBe(422);

    const good = await put({
      siteId: north,
      itemId: b,
      mode: 'override',
      overrides: { cta_text: 'Call North' },
    });
    expect(good.statusCode).toBe(200);
    expect(await matrix([north])).toEqual([
      { siteId: north, itemId: b, mode: 'override', overrides: { cta_text: 'Call North' } },
    ]);
    const payload = await buildSitePayload(w.ctx.repos, org, north);
    expect(payload.items).toMatchObject([{ id: b, data: { headline: 'B', cta_text: 'Call North' } }]);
  });
});
