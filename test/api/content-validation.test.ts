/**
 * Items are checked against their collection's content type: a bad item is refused with one message per field
 * and nothing is saved; a bad content type is refused too.
 */
import { expect, it } from 'vitest';
import { describeApi, unique } from '../helpers/api.js';

describeApi('content types validate items', (get) => {
  it('refuses an item that breaks its type with field-level messages, saving nothing', async () => {
    const w = get();
    const key = unique('offer').replace(/[^a-z0-9_]/g, '_');
    const schema = {
      fields: [
        { key: 'headline', label: 'Headline', type: 'text', required: true },
        { key: 'priority', label: 'Priority', type: 'number' },
        { key: 'tier', label: 'Tier', type: 'enum', options: ['gold', 'silver'] },
      ],
    };
    const made = await w.inject({
      method: 'POST',
      url: '/api/v1/collections',
      key: w.a.keys.admin,
      payload: { key, name: 'Offers', schema },
    });
    expect(made.statusCode).toBe(201);

    const bad = await w.inject({
      method: 'POST',
      url: `/api/v1/collections/${key}/records`,
      key: w.a.keys.admin,
      payload: { data: { priority: 'high', tier: 'bronze', extra: 1 } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.details.fields).toEqual({
      headline: 'is required',
      priority: 'must be a number',
      tier: 'must be one of: gold, silver',
      extra: 'is not a field of this content type',
    });
    const list = await w.inject({
      method: 'GET',
      url: `/api/v1/collections/${key}/records`,
      key: w.a.keys.admin,
    });
    expect(list.json().data).toEqual([]);

    const good = await w.inject({
      method: 'POST',
      url: `/api/v1/collections/${key}/records`,
      key: w.a.keys.admin,
      payload: { data: { headline: 'Fall', priority: 2, tier: 'gold' } },
    });
    expect(good.statusCode).toBe(201);
    const badEdit = await w.inject({
      method: 'PUT',
      url: `/api/v1/collections/${key}/records/${good.json().id}`,
      key: w.a.keys.admin,
      payload: { data: { headline: '' }, version: 1 },
    });
    expect(badEdit.statusCode).toBe(422);
    expect(badEdit.json().error.details.fields).toEqual({ headline: 'is required' });
    const after = await w.inject({
      method: 'GET',
      url: `/api/v1/collections/${key}/records/${good.json().id}`,
      key: w.a.keys.admin,
    });
    expect(after.json()).toMatchObject({ version: 1, data: { headline: 'Fall', priority: 2 } });
  });

  it('refuses a content type that is not valid', async () => {
    const w = get();
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/collections',
      key: w.a.keys.admin,
      payload: {
        key: unique('bad').replace(/[^a-z0-9_]/g, '_'),
        name: 'Bad',
        schema: { fields: [{ key: 'tier', label: 'Tier', type: 'enum' }] },
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.fields).toEqual({
      'fields.0.options': 'an enum field needs its options',
    });
  });
});
