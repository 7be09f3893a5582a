/**
 * Item revision history through the API: every write keeps a version (who, when, data), two versions diff field
 * by field, a restore writes an old version back as a new one (optimistically, and only if it still fits the
 * type), and a delete closes the history.
 */
import { expect, it } from 'vitest';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

const schema = {
  fields: [
    { key: 'headline', label: 'Headline', type: 'text', required: true },
    { key: 'cta_text', label: 'CTA', type: 'text' },
    { key: 'priority', label: 'Priority', type: 'number' },
  ],
};

async function makeType(w: ApiWorld): Promise<string> {
  const key = unique('offer').replace(/[^a-z0-9_]/g, '_');
  const res = await w.inject({
    method: 'POST',
    url: '/api/v1/collections',
    key: w.a.keys.admin,
    payload: { key, name: 'Offers', schema },
  });
  expect(res.statusCode).toBe(201);
  return key;
}

describeApi('item revisions', (get) => {
  it('keeps every write, diffs any two versions and restores one as a new version', async () => {
    const w = get();
    const key = await makeType(w);
    const base = `/api/v1/collections/${key}/records`;
    const made = await w.inject({
      method: 'POST',
      url: base,
      key: w.a.keys.editor,
      payload: { data: { headline: 'Fall', cta_text: 'Shop', priority: 1 }, status: 'draft' },
    });
    expect(made.statusCode).toBe(201);
    const id = made.json().id as string;
    const v2 = await w.inject({
      method: 'PUT',
      url: `${base}/${id}`,
      key: w.a.keys.admin,
      payload: { data: { headline: 'Fall Savings', priority: 1 }, status: 'published', version: 1 },
    });
    expect(v2.json().version).toBe(2);
    const v3 = await w.inject({
      method: 'PUT',
      url: `${base}/${id}`,
      key: w.a.keys.admin,
      payload: { data: { headline: 'Fall Savings', priority: 3 }, version: 2 },
    });
    expect(v3.json().version).toBe(3);

    const list = await w.inject({ method: 'GET', url: `${base}/${id}/revisions`, key: w.a.keys.viewer });
    expect(list.statusCode).toBe(200);
    const revisions = list.json().data as {
      version: number;
      action: string;
      status: string;
      data: unknown;
      actor: { type: string; label: string | null };
    }[];
    expect(revisions.map((r) => [r.version, r.action, r.status])).toEqual([
      [3, 'updated', 'published'],
      [2, 'updated', 'published'],
      [1, 'created', 'draft'],
    ]);
    expect(revisions[2]).toMatchObject({
      data: { headline: 'Fall', cta_text: 'Shop', priority: 1 },
      actor: { type: 'api_key', label: 'key editor' },
    });
    expect(revisions[0]!.actor.label).toBe('key admin');

    const diff = await w.inject({
      method: 'GET',
      url: `${base}/${id}/revisions/diff?from=1&to=3`,
      key: w.a.keys.viewer,
    });
    expect(diff.statusCode).toBe(200);
    expect(diff.json()).toEqual({
      from: 1,
      to: 3,
      changes: [
        { field: '$status', change: 'changed', before: 'draft', after: 'published' },
        { field: 'headline', change: 'changed', before: 'Fall', after: 'Fall Savings' },
        { field: 'cta_text', change: 'removed', before: 'Shop' },
        { field: 'priority', change: 'changed', before: 1, after: 3 },
      ],
    });
    // Newer to older works too, and `to` defaults to the current version.
    const back = await w.inject({
      method: 'GET',
      url: `${base}/${id}/revisions/diff?from=2`,
      key: w.a.keys.viewer,
    });
    expect(back.json()).toEqual({
      from: 2,
      to: 3,
      changes: [{ field: 'priority', change: 'changed', before: 1, after: 3 }],
    });
    const missing = await w.inject({
      method: 'GET',
      url: `${base}/${id}/revisions/diff?from=9`,
      key: w.a.keys.viewer,
    });
    expect(missing.statusCode).toBe(404);

    // A restore based on a stale version is refused, changing nothing.
    const stale = await w.inject({
      method: 'POST',
      url: `${base}/${id}/revisions/1/restore`,
      key: w.a.keys.editor,
      payload: { version: 2 },
    });
    expect(stale.statusCode).toBe(409);
    const restored = await w.inject({
      method: 'POST',
      url: `${base}/${id}/revisions/1/restore`,
      key: w.a.keys.editor,
      payload: { version: 3 },
    });
    expect(restored.statusCode).toBe(200);
    expect(restored.json()).toMatchObject({
      version: 4,
      status: 'draft',
      data: { headline: 'Fall', cta_text: 'Shop', priority: 1 },
    });
    const after = (
      await w.inject({ method: 'GET', url: `${base}/${id}/revisions`, key: w.a.keys.viewer })
    ).json().data;
    expect(after).toHaveLength(4);
    expect(after[0]).toMatchObject({ version: 4, action: 'restored', restoredFrom: 1 });
    const none = await w.inject({
      method: 'GET',
      url: `${base}/${id}/revisions/diff?from=1&to=4`,
      key: w.a.keys.viewer,
    });
    expect(none.json().changes).toEqual([]);

    // Another organization sees nothing of it.
    const foreign = await w.inject({ method: 'GET', url: `${base}/${id}/revisions`, key: w.b.keys.admin });
    expect(foreign.statusCode).toBe(404);
  });

  it('refuses to restore a version that no longer fits the type, saving nothing', async () => {
    const w = get();
    const key = await makeType(w);
    const base = `/api/v1/collections/${key}/records`;
    const made = await w.inject({
      method: 'POST',
      url: base,
      key: w.a.keys.admin,
      payload: { data: { headline: 'Old', priority: 5 } },
    });
    const id = made.json().id as string;
    await w.inject({
      method: 'PUT',
      url: `${base}/${id}`,
      key: w.a.keys.admin,
      payload: { data: { headline: 'New', cta_text: 'Go' }, version: 1 },
    });
    // The type drops `priority` and requires `cta_text`: version 1 breaks both rules.
    const patched = await w.inject({
      method: 'PATCH',
      url: `/api/v1/collections/${key}`,
      key: w.a.keys.admin,
      payload: {
        schema: {
          fields: [
            { key: 'headline', label: 'Headline', type: 'text', required: true },
            { key: 'cta_text', label: 'CTA', type: 'text', required: true },
          ],
        },
      },
    });
    expect(patched.statusCode).toBe(200);
    const res = await w.inject({
      method: 'POST',
      url: `${base}/${id}/revisions/1/restore`,
      key: w.a.keys.admin,
      payload: { version: 2 },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.fields).toEqual({
      cta_text: 'is required',
      priority: 'is not a field of this content type',
    });
    const current = await w.inject({ method: 'GET', url: `${base}/${id}`, key: w.a.keys.admin });
    expect(current.json()).toMatchObject({ version: 2, data: { headline: 'New', cta_text: 'Go' } });
  });

  it('shows a version written outside the API as the current state, and keeps the delete', async () => {
    const w = get();
    const key = await makeType(w);
    const base = `/api/v1/collections/${key}/records`;
    const id = (
      await w.inject({ method: 'POST', url: base, key: w.a.keys.admin, payload: { data: { headline: 'A' } } })
    ).json().id as string;
    // A sync writes through the repository, not the API.
    const collection = await w.ctx.repos.collections.byKey(w.a.org.id, key);
    await w.ctx.repos.records.update(w.a.org.id, collection!.id, id, { data: { headline: 'From sync' } });
    const list = (
      await w.inject({ method: 'GET', url: `${base}/${id}/revisions`, key: w.a.keys.viewer })
    ).json().data;
    expect(list.map((r: { version: number; action: string }) => [r.version, r.action])).toEqual([
      [2, 'external'],
      [1, 'created'],
    ]);
    const diff = await w.inject({
      method: 'GET',
      url: `${base}/${id}/revisions/diff?from=1`,
      key: w.a.keys.viewer,
    });
    expect(diff.json().changes).toEqual([
      { field: 'headline', change: 'changed', before: 'A', after: 'From sync' },
    ]);

    const del = await w.inject({ method: 'DELETE', url: `${base}/${id}`, key: w.a.keys.admin });
    expect(del.statusCode).toBe(204);
    const kept = await w.ctx.repos.itemRevisions.list(w.a.org.id, id);
    expect(kept[0]).toMatchObject({ version: 3, action: 'deleted', data: { headline: 'From sync' } });
  });
});
