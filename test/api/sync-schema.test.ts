/**
 * The schema routes describe each side of a sync (a connector's objects, a collection's content type or the
 * fields seen in its records), and PATCH /api/v1/syncs/:id refuses a mapping that names a field a side lacks or
 * pairs incompatible types, with 400 and the field in the details.
 */
import { expect, it } from 'vitest';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

function key(prefix: string): string {
  return unique(prefix).replace(/[^a-z0-9_]/g, '_');
}

async function setup(w: ApiWorld) {
  const admin = w.a.keys.admin;
  const offers = key('offers');
  const loose = key('loose');
  const schema = {
    fields: [
      { key: 'headline', label: 'Headline', type: 'text', required: true },
      { key: 'priority', label: 'Priority', type: 'number' },
    ],
  };
  for (const payload of [
    { key: offers, name: 'Offers', schema },
    { key: loose, name: 'Loose' },
  ]) {
    const res = await w.inject({ method: 'POST', url: '/api/v1/collections', key: admin, payload });
    expect(res.statusCode).toBe(201);
  }
  const rec = await w.inject({
    method: 'POST',
    url: `/api/v1/collections/${loose}/records`,
    key: admin,
    payload: { data: { title: 'Hello', views: 3 } },
  });
  expect(rec.statusCode).toBe(201);
  const conn = await w.inject({
    method: 'POST',
    url: '/api/v1/connections',
    key: admin,
    payload: { name: unique('bs'), connector: 'broadstreet', credentials: { accessToken: 'token-123456' } },
  });
  expect(conn.statusCode).toBe(201);
  const connectionId = conn.json().id as string;
  const definition = (fields: unknown[], b = { connectionId }, object = 'advertisers') => ({
    a: { connector: 'collection' },
    b,
    direction: 'push',
    objects: [{ name: 'offers', a: offers, b: object, fields }],
  });
  const sync = await w.inject({
    method: 'POST',
    url: '/api/v1/syncs',
    key: admin,
    payload: { name: unique('sync'), definition: definition([{ a: 'headline', b: 'name' }]) },
  });
  expect(sync.statusCode).toBe(201);
  return { admin, offers, loose, connectionId, syncId: sync.json().id as string, definition };
}

describeApi('sync side schemas and the server-side mapping check', (get) => {
  it("describes a connection's objects and both sides of a sync", async () => {
    const w = get();
    const s = await setup(w);
    const conn = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${s.connectionId}/schema`,
      key: w.a.keys.viewer,
    });
    expect(conn.statusCode).toBe(200);
    const body = conn.json();
    expect(body).toMatchObject({ connector: 'broadstreet', connectionId: s.connectionId, error: null });
    const advertisers = body.objects.find((o: { name: string }) => o.name === 'advertisers');
    expect(advertisers.freeForm).toBe(false);
    expect(advertisers.fields.name).toMatchObject({ type: 'string' });

    const other = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${s.connectionId}/schema`,
      key: w.b.keys.admin,
    });
    expect(other.statusCode).toBe(404);

    const sides = await w.inject({ method: 'GET', url: `/api/v1/syncs/${s.syncId}/schema`, key: s.admin });
    expect(sides.statusCode).toBe(200);
    const { a, b } = sides.json();
    expect(b.objects.map((o: { name: string }) => o.name)).toContain('advertisers');
    const typed = a.objects.find((o: { name: string }) => o.name === s.offers);
    expect(typed).toMatchObject({
      freeForm: false,
      fields: { headline: { type: 'string', required: true }, priority: { type: 'number' } },
    });
    const loose = a.objects.find((o: { name: string }) => o.name === s.loose);
    expect(loose).toMatchObject({
      freeForm: true,
      fields: { title: { type: 'string' }, views: { type: 'number' } },
    });
  });

  it('refuses a mapping naming a field a side does not have, or pairing incompatible types', async () => {
    const w = get();
    const s = await setup(w);
    const patch = (fields: unknown[], b?: Record<string, unknown>, object?: string) =>
      w.inject({
        method: 'PATCH',
        url: `/api/v1/syncs/${s.syncId}`,
        key: s.admin,
        payload: {
          definition: s.definition(fields, (b ?? { connectionId: s.connectionId }) as never, object),
        },
      });

    const missingB = await patch([{ a: 'headline', b: 'headline_text' }]);
    expect(missingB.statusCode).toBe(400);
    expect(missingB.json().error.code).toBe('bad_request');
    expect(missingB.json().error.details.issues).toEqual([
      expect.objectContaining({ side: 'b', field: 'headline_text', path: 'objects.0.fields.0.b' }),
    ]);

    const missingA = await patch([{ a: 'subtitle', b: 'name' }]);
    expect(missingA.statusCode).toBe(400);
    expect(missingA.json().error.details.issues[0]).toMatchObject({ side: 'a', field: 'subtitle' });

    const mismatched = await patch([{ a: 'priority', b: 'name' }]);
    expect(mismatched.statusCode).toBe(400);
    expect(mismatched.json().error.message).toMatch(/types do not match/);

    // Nothing refused was stored.
    const before = await w.inject({ method: 'GET', url: `/api/v1/syncs/${s.syncId}`, key: s.admin });
    expect(before.json().definition.objects[0].fields).toEqual([
      expect.objectContaining({ a: 'headline', b: 'name' }),
    ]);

    const fixed = await patch([
      { a: 'headline', b: 'name' },
      { a: '$status', b: 'notes', toB: [{ op: 'lowercase' }] },
    ]);
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().definition.objects[0].fields.map((f: { b: string }) => f.b)).toEqual([
      'name',
      'notes',
    ]);

    // A free-form collection on B accepts any path; its known fields' types still count.
    const free = await patch([{ a: 'headline', b: 'anything_new' }], { connector: 'collection' }, s.loose);
    expect(free.statusCode).toBe(200);
  });
});
