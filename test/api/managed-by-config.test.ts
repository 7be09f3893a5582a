/**
 * Resources declared in datasync.config.ts are changed by `datasync apply` only: the API refuses to edit or
 * delete them with 409 managed_by_config and leaves them as they were; unmanaged ones stay editable.
 */
import { expect, it } from 'vitest';
import { describeApi, unique } from '../helpers/api.js';
import { makeSync } from './route-cases.js';

describeApi('resources managed by config are read-only in the API', (get) => {
  async function resources(managed: boolean) {
    const w = get();
    const orgId = w.a.org.id;
    const connection = await w.ctx.repos.connections.create(orgId, {
      name: unique('conn'),
      connector: 'memory',
    });
    const collection = await w.ctx.repos.collections.create(orgId, {
      key: unique('posts').replace(/[^a-z0-9_-]/g, '_'),
      name: 'Posts',
    });
    const sync = await makeSync(w, w.a);
    if (managed) {
      await w.ctx.repos.connections.setManagedBy(orgId, connection.id, 'config');
      await w.ctx.repos.collections.setManagedBy(orgId, collection.id, 'config');
      await w.ctx.repos.syncs.setManagedBy(orgId, sync.id, 'config');
    }
    return {
      requests: [
        {
          method: 'PATCH' as const,
          url: `/api/v1/connections/${connection.id}`,
          payload: { name: 'renamed' },
        },
        {
          method: 'PATCH' as const,
          url: `/api/v1/collections/${collection.key}`,
          payload: { name: 'renamed' },
        },
        { method: 'PATCH' as const, url: `/api/v1/syncs/${sync.id}`, payload: { name: 'renamed' } },
        { method: 'POST' as const, url: `/api/v1/syncs/${sync.id}/pause` },
        { method: 'DELETE' as const, url: `/api/v1/connections/${connection.id}` },
        { method: 'DELETE' as const, url: `/api/v1/collections/${collection.key}` },
        { method: 'DELETE' as const, url: `/api/v1/syncs/${sync.id}` },
      ],
      reads: [
        `/api/v1/connections/${connection.id}`,
        `/api/v1/collections/${collection.key}`,
        `/api/v1/syncs/${sync.id}`,
      ],
      names: [connection.name, collection.name, sync.name],
    };
  }

  it('answers 409 managed_by_config naming `datasync apply`, and changes nothing', async () => {
    const w = get();
    const { requests, reads, names } = await resources(true);
    for (const request of requests) {
      const res = await w.inject({ ...request, key: w.a.keys.owner });
      expect(res.statusCode, `${request.method} ${request.url}`).toBe(409);
      const { error } = res.json() as {
        error: { code: string; message: string; details: { managedBy: string } };
      };
      expect(error.code).toBe('managed_by_config');
      expect(error.message).toContain('datasync apply');
      expect(error.details.managedBy).toBe('config');
    }
    for (const [i, url] of reads.entries()) {
      const res = await w.inject({ method: 'GET', url, key: w.a.keys.viewer });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: names[i], managedBy: 'config' });
    }
  });

  it('still edits and deletes resources made by hand', async () => {
    const w = get();
    const { requests } = await resources(false);
    const statuses = [];
    for (const request of requests)
      statuses.push((await w.inject({ ...request, key: w.a.keys.owner })).statusCode);
    expect(statuses).toEqual([200, 200, 200, 200, 204, 204, 204]);
  });

  it('another organization still gets 404, not 409, for a managed resource', async () => {
    const w = get();
    const { requests } = await resources(true);
    for (const request of requests) {
      expect((await w.inject({ ...request, key: w.b.keys.owner })).statusCode).toBe(404);
    }
  });
});
