/**
 * A record's sync badges through the records API on both dialects, against the Synup simulator: unlinked before
 * the first run, synced with the platform's id and a push time after it, pending after a local edit, synced
 * again with a newer push time after the next run, and a pull time once a change on Synup comes back. Then
 * `POST …/records/:id/push`: 202 with one queued `api` run per sync (a second press answers the same run), 404
 * for an unknown record, 409 for a collection no sync reads.
 */
import { expect, it } from 'vitest';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeApi, unique } from '../helpers/api.js';

interface SyncEntry {
  syncId: string;
  syncName: string;
  pair: string;
  status: string;
  error: string | null;
  remoteId: string | null;
  lastPushedAt: string | null;
  lastPulledAt: string | null;
  checksum: string | null;
}
interface RecordBody {
  id: string;
  version: number;
  data: Record<string, unknown>;
  sync: SyncEntry[];
}

describeApi('record sync badges', (get) => {
  it('unlinked → synced (remote id, pushed) → pending after an edit → synced again → pulled after a Synup change', async () => {
    const w = get();
    const s = (await startSimulator('synup', {
      seedRecords: 0,
      rateLimit: { limit: 1000, windowMs: 1000 },
    })) as SynupSimulator;
    try {
      const org = w.a.org.id;
      const editor = w.a.keys.editor;
      const key = unique('posts').replace(/[^a-z0-9_]/g, '_');
      await w.ctx.repos.collections.create(org, { key, name: 'Posts' });
      const connection = await w.ctx.repos.connections.create(org, {
        name: unique('synup'),
        connector: 'synup',
        settings: { baseUrl: s.url, locationId: s.credentials.locationId },
        credentials: { apiKey: s.credentials.apiKey!, webhookSecret: s.credentials.webhookSecret! },
      });
      const sync = await w.ctx.repos.syncs.create(org, {
        name: unique('posts'),
        definition: {
          a: { connector: 'collection' },
          b: { connectionId: connection.id },
          direction: 'two-way',
          objects: [
            {
              name: 'posts',
              a: key,
              b: 'posts',
              fields: [
                { a: 'content', b: 'content' },
                { a: 'status', b: 'status' },
                { a: 'notes', b: 'notes' },
              ],
            },
          ],
          conflicts: { default: { policy: 'newest_wins' } },
        },
      });
      const run = async () => {
        const result = await runSync({
          db: w.ctx.store.db,
          connectors: builtInConnectors(),
          connections: w.ctx.repos.connections,
          orgId: org,
          syncId: sync.id,
        });
        expect(result.outcome, JSON.stringify(result)).toBe('success');
        return result;
      };
      const url = `/api/v1/collections/${key}/records`;
      const one = async (id: string): Promise<RecordBody> => {
        const res = await w.inject({ method: 'GET', url: `${url}/${id}`, key: editor });
        expect(res.statusCode, res.body).toBe(200);
        return res.json() as RecordBody;
      };
      const badge = async (id: string): Promise<SyncEntry> => {
        const body = await one(id);
        expect(body.sync).toHaveLength(1);
        return body.sync[0]!;
      };

      const created = await w.inject({
        method: 'POST',
        url,
        key: editor,
        payload: { data: { content: 'Spring sale starts Monday', status: 'draft', notes: [] } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = (created.json() as { id: string }).id;
      // The outbox: the create queued a run of the sync, in the same transaction.
      const eventRuns = async () =>
        (await w.ctx.repos.runs.list(org, { syncId: sync.id })).data.filter((r) => r.trigger === 'event');
      expect(await eventRuns()).toMatchObject([{ status: 'queued', params: { recordIds: [id] } }]);
      expect(await badge(id)).toEqual({
        syncId: sync.id,
        syncName: sync.name,
        pair: 'posts',
        status: 'unlinked',
        error: null,
        remoteId: null,
        lastPushedAt: null,
        lastPulledAt: null,
        checksum: null,
      });

      // First run: pushed and linked.
      expect((await run()).counts.created).toBe(1);
      const first = await badge(id);
      expect(first).toMatchObject({ status: 'synced', error: null, lastPulledAt: null });
      expect(first.remoteId).toBe(s.account.posts.values().find((p) => p.content.startsWith('Spring'))?.id);
      expect(first.lastPushedAt).not.toBeNull();
      expect(first.checksum).toMatch(/^\S+$/);

      // A local edit has not gone out yet: pending, on the list too.
      const before = await one(id);
      const edited = await w.inject({
        method: 'PUT',
        url: `${url}/${id}`,
        key: editor,
        payload: { data: { ...before.data, content: 'Spring sale, 20% off' }, version: before.version },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      expect((await badge(id)).status).toBe('pending');
      // While that run waits, the edit joins it (the runtime is not started here: nothing ran it).
      expect(await eventRuns()).toHaveLength(1);
      // An edit that fails (a stale version) queues nothing.
      const stale = await w.inject({
        method: 'PUT',
        url: `${url}/${id}`,
        key: editor,
        payload: { data: { ...before.data, content: 'stale' }, version: before.version },
      });
      expect(stale.statusCode, stale.body).toBe(409);
      expect(await eventRuns()).toHaveLength(1);
      const list = await w.inject({ method: 'GET', url, key: editor });
      expect(list.statusCode, list.body).toBe(200);
      const listed = (list.json() as { data: RecordBody[] }).data;
      expect(listed.map((r) => [r.id, r.sync.map((e) => e.status)])).toEqual([[id, ['pending']]]);

      // The next run sends it: synced again, pushed later than before.
      expect((await run()).counts.updated).toBe(1);
      const second = await badge(id);
      expect(second).toMatchObject({ status: 'synced', remoteId: first.remoteId, lastPulledAt: null });
      expect(second.lastPushedAt! > first.lastPushedAt!).toBe(true);
      // The agreed state moved with the edit.
      expect(second.checksum).not.toBe(first.checksum);

      // A change on Synup comes back: pulled, and the record the engine wrote is not "pending".
      s.ops.addNote(first.remoteId!, 'Looks great', 'Maria');
      expect((await run()).counts.updated).toBe(1);
      const third = await badge(id);
      expect(third).toMatchObject({ status: 'synced', lastPushedAt: second.lastPushedAt });
      expect(third.lastPulledAt).not.toBeNull();
      expect(third.lastPulledAt! > second.lastPushedAt!).toBe(true);
      expect(((await one(id)).data.notes as { body: string }[]).map((n) => n.body)).toEqual(['Looks great']);

      // A record made after the runs is not linked yet.
      const later = await w.inject({
        method: 'POST',
        url,
        key: editor,
        payload: { data: { content: 'Later', status: 'draft', notes: [] } },
      });
      const laterId = (later.json() as { id: string }).id;
      expect((await badge(laterId)).status).toBe('unlinked');

      // Push now: one queued api run of the sync; a second press while it waits answers the same run.
      const pushed = await w.inject({ method: 'POST', url: `${url}/${laterId}/push`, key: editor });
      expect(pushed.statusCode, pushed.body).toBe(202);
      const runs = (pushed.json() as { runs: { syncId: string; runId: string }[] }).runs;
      expect(runs.map((r) => r.syncId)).toEqual([sync.id]);
      expect(await w.ctx.repos.runs.get(org, runs[0]!.runId)).toMatchObject({
        syncId: sync.id,
        trigger: 'api',
        status: 'queued',
      });
      const again = await w.inject({ method: 'POST', url: `${url}/${laterId}/push`, key: editor });
      expect(again.statusCode, again.body).toBe(202);
      expect(again.json()).toEqual({ runs });
    } finally {
      await s.close();
    }
  });

  it('push answers 404 for an unknown record and 409 when no sync reads the collection', async () => {
    const w = get();
    const org = w.a.org.id;
    const key = unique('lonely').replace(/[^a-z0-9_]/g, '_');
    const collection = await w.ctx.repos.collections.create(org, { key, name: 'Lonely' });
    const record = await w.ctx.repos.records.create(org, collection.id, { data: { title: 'x' } });

    const missing = await w.inject({
      method: 'POST',
      url: `/api/v1/collections/${key}/records/rec_01jz0000000000000000000000/push`,
      key: w.a.keys.editor,
    });
    expect(missing.statusCode, missing.body).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found', message: 'record not found' } });

    const uncovered = await w.inject({
      method: 'POST',
      url: `/api/v1/collections/${key}/records/${record.id}/push`,
      key: w.a.keys.editor,
    });
    expect(uncovered.statusCode, uncovered.body).toBe(409);
    expect(uncovered.json()).toMatchObject({
      error: { code: 'conflict', message: `no sync reads collection "${key}" as side a` },
    });
    // Without a covering sync, records read with an empty sync list.
    const read = await w.inject({
      method: 'GET',
      url: `/api/v1/collections/${key}/records/${record.id}`,
      key: w.a.keys.viewer,
    });
    expect((read.json() as RecordBody).sync).toEqual([]);
  });
});
