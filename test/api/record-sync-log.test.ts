/**
 * A record's sync log through the API on both dialects, with the runtime working: writes through the records
 * routes queue their own runs (the outbox), a started app runtime runs them against the Synup simulator, and
 * `GET …/records/:id/sync-log` then tells what each run did with the record, newest first: created on Synup, the
 * edit sent, Synup's note pulled back. Paged with `limit` and `cursor`; a bad cursor is a 400, an unknown record
 * a 404.
 */
import { expect, it } from 'vitest';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { SyncDefinitionInput } from '../../src/engine/definition.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { SYNUP_POSTS_POLICY } from '../../src/policies/synup-posts.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';
import { until } from '../helpers/until.js';

interface Entry {
  direction: string;
  outcome: string | null;
  ok: boolean;
  syncId: string;
  trigger: string;
}

/** Every run of the sync has ended. */
async function settled(w: ApiWorld, syncId: string) {
  await until('the sync’s runs to end', async () => {
    const runs = (await w.ctx.repos.runs.list(w.a.org.id, { syncId })).data;
    return runs.every((r) => !['queued', 'running'].includes(r.status));
  });
}

/**
 * A posts collection of org A, a two-way sync of it with a fresh Synup simulator (fields and policy as given), and
 * a started app runtime on the world's database, so the outbox's runs execute. `close` stops both.
 */
async function postsWorld(
  w: ApiWorld,
  fields: string[],
  conflicts: NonNullable<SyncDefinitionInput['conflicts']>,
) {
  const s = (await startSimulator('synup', {
    seedRecords: 0,
    rateLimit: { limit: 1000, windowMs: 1000 },
  })) as SynupSimulator;
  const org = w.a.org.id;
  const key = unique('posts').replace(/[^a-z0-9_]/g, '_');
  await w.ctx.repos.collections.create(org, { key, name: 'Posts' });
  const connection = await w.ctx.repos.connections.create(org, {
    name: unique('synup'),
    connector: 'synup',
    settings: { baseUrl: s.url, locationId: s.credentials.locationId },
    credentials: { apiKey: s.credentials.apiKey! },
  });
  const sync = await w.ctx.repos.syncs.create(org, {
    name: unique('posts'),
    definition: {
      a: { connector: 'collection' },
      b: { connectionId: connection.id },
      direction: 'two-way',
      objects: [{ name: 'posts', a: key, b: 'posts', fields: fields.map((f) => ({ a: f, b: f })) }],
      conflicts,
    },
  });
  let runtime: Runtime | undefined;
  try {
    runtime = await createAppRuntime(w.ctx, { scheduler: false, concurrency: 1 });
    await runtime.start();
  } catch (error) {
    await s.close();
    throw error;
  }
  return {
    s,
    org,
    key,
    sync,
    url: `/api/v1/collections/${key}/records`,
    close: async () => {
      await runtime?.stop(1000);
      await s.close();
    },
  };
}

describeApi('record sync log', (get) => {
  it('tells what each run did with a record: created, edit sent, note pulled', async () => {
    const w = get();
    const world = await postsWorld(w, ['content', 'notes'], { default: { policy: 'newest_wins' } });
    const { s, sync, url } = world;
    try {
      const editor = w.a.keys.editor;

      const created = await w.inject({
        method: 'POST',
        url,
        key: editor,
        payload: { data: { content: 'Spring sale', notes: [] } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const { id, version } = created.json() as { id: string; version: number };
      await until('the post on Synup', () => s.account.posts.values().length === 1);
      await settled(w, sync.id);
      const edited = await w.inject({
        method: 'PUT',
        url: `${url}/${id}`,
        key: editor,
        payload: { data: { content: 'Spring sale, 20% off', notes: [] }, version },
      });
      expect(edited.statusCode, edited.body).toBe(200);
      await until('the edit on Synup', () => s.account.posts.values()[0]!.content === 'Spring sale, 20% off');
      await settled(w, sync.id);
      s.ops.addNote(s.account.posts.values()[0]!.id, 'Looks great', 'Maria');
      const pushed = await w.inject({ method: 'POST', url: `${url}/${id}/push`, key: editor });
      expect(pushed.statusCode, pushed.body).toBe(202);
      await settled(w, sync.id);

      const log = await w.inject({ method: 'GET', url: `${url}/${id}/sync-log`, key: editor });
      expect(log.statusCode, log.body).toBe(200);
      const entries = (log.json() as { data: Entry[] }).data;
      expect(entries.map((e) => [e.direction, e.outcome, e.ok, e.trigger])).toEqual([
        ['inbound', 'updated', true, 'api'],
        ['outbound', 'updated', true, 'event'],
        ['outbound', 'created', true, 'event'],
      ]);
      expect(new Set(entries.map((e) => e.syncId))).toEqual(new Set([sync.id]));

      // Back in time with the cursor, one entry a page.
      const seen: Array<string | null> = [];
      let cursor: string | null = null;
      do {
        const res = await w.inject({
          method: 'GET',
          url: `${url}/${id}/sync-log?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
          key: editor,
        });
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json() as { data: Entry[]; nextCursor: string | null };
        seen.push(...body.data.map((e) => e.outcome));
        cursor = body.nextCursor;
      } while (cursor);
      expect(seen).toEqual(['updated', 'updated', 'created']);

      const bad = await w.inject({ method: 'GET', url: `${url}/${id}/sync-log?cursor=abc`, key: editor });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: 'bad_request' } });
      const missing = await w.inject({
        method: 'GET',
        url: `${url}/rec_01jz0000000000000000000000/sync-log`,
        key: editor,
      });
      expect(missing.statusCode).toBe(404);
      // Another organization cannot read it.
      const other = await w.inject({ method: 'GET', url: `${url}/${id}/sync-log`, key: w.b.keys.owner });
      expect(other.statusCode).toBe(404);
    } finally {
      await world.close();
    }
  });

  it('logs a published post’s content change from Synup staff as refused, naming the rule, and keeps local', async () => {
    const w = get();
    const world = await postsWorld(w, ['content', 'status', 'notes'], SYNUP_POSTS_POLICY);
    const { s, org, key, sync, url } = world;
    try {
      const editor = w.a.keys.editor;
      const created = await w.inject({
        method: 'POST',
        url,
        key: editor,
        payload: { data: { content: 'Final words', status: 'draft', notes: [] } },
      });
      const { id, version } = created.json() as { id: string; version: number };
      await until('the post on Synup', () => s.account.posts.values().length === 1);
      await settled(w, sync.id);
      const queued = await w.inject({
        method: 'PUT',
        url: `${url}/${id}`,
        key: editor,
        payload: { data: { content: 'Final words', status: 'queued', notes: [] }, version },
      });
      expect(queued.statusCode, queued.body).toBe(200);
      await until('queued on Synup', () => s.account.posts.values()[0]!.status === 'queued');
      await settled(w, sync.id);
      s.ops.publishDue();
      const push = () => w.inject({ method: 'POST', url: `${url}/${id}/push`, key: editor });
      await push();
      await settled(w, sync.id);
      const local = async () =>
        (await w.ctx.repos.records.get(org, (await w.ctx.repos.collections.byKey(org, key))!.id, id))!;
      expect((await local()).data.status).toBe('published');

      // Synup staff rewrite the published post: the policy keeps the local words, and the log says why.
      s.ops.staffEdit(s.account.posts.values()[0]!.id, { content: 'Rewritten by support' });
      await push();
      await settled(w, sync.id);
      expect((await local()).data.content).toBe('Final words');
      const log = await w.inject({ method: 'GET', url: `${url}/${id}/sync-log`, key: editor });
      const entries = (log.json() as { data: Array<Entry & { message: string; runId: string }> }).data;
      // The last run's lines for this post: the refusal among them, with the rule that made it.
      const last = entries.filter((e) => e.runId === entries[0]!.runId).map((e) => e.message);
      expect(last).toContainEqual(
        expect.stringMatching(/^refused remote change to content \(local_only: status is published/),
      );
    } finally {
      await world.close();
    }
  });
});
