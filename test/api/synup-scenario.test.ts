/**
 * The Synup post flow end to end through the API on both dialects, against the Synup simulator: a draft created
 * by the records API is pushed (a link row), a content edit goes out, a local publish queues the post on Synup,
 * and the platform's signed `post.status_changed` webhook (x-synup-signature) arriving at the hook route queues
 * a webhook-triggered run that brings `published` (and a note added on Synup) back to the local record; then an
 * edit by Synup's staff to the published post is refused by the posts policy set and logged.
 */
import { expect, it } from 'vitest';
import { processWebhookEvent } from '../../src/app/webhook-process-handler.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';
import { startWebhookReceiver, type Received } from '../connectors/webhook-receiver.js';

function deliver(w: ApiWorld, connectionId: string, event: Received) {
  return w.app.inject({
    method: 'POST',
    url: `/api/v1/hooks/${connectionId}`,
    payload: event.body,
    headers: {
      'content-type': 'application/json',
      'x-synup-signature': event.headers['x-synup-signature']!,
      ...(event.headers['x-synup-event-id'] ? { 'x-synup-event-id': event.headers['x-synup-event-id'] } : {}),
    },
  });
}

describeApi('synup post flow', (get) => {
  it('draft → pushed and linked; edit → pushed; publish → queued; signed webhooks bring published and notes back', async () => {
    const w = get();
    const s = (await startSimulator('synup', {
      seedRecords: 0,
      rateLimit: { limit: 1000, windowMs: 1000 },
    })) as SynupSimulator;
    const receiver = await startWebhookReceiver();
    try {
      const hook = s.registerWebhook(receiver.url);
      const org = w.a.org.id;
      const editor = w.a.keys.editor;
      const key = unique('posts').replace(/[^a-z0-9_]/g, '_');
      await w.ctx.repos.collections.create(org, { key, name: 'Posts' });
      const connection = await w.ctx.repos.connections.create(org, {
        name: unique('synup'),
        connector: 'synup',
        settings: { baseUrl: s.url, locationId: s.credentials.locationId },
        credentials: { apiKey: s.credentials.apiKey!, webhookSecret: hook.secret },
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
          // No field policies named: the Synup posts object's own set applies (terminal status wins, content
          // is local once published, notes merge).
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

      // A draft created through the API is pushed and linked.
      const created = await w.inject({
        method: 'POST',
        url: `/api/v1/collections/${key}/records`,
        key: editor,
        payload: { data: { content: 'Spring sale starts Monday', status: 'draft', notes: [] } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const local = created.json() as { id: string; version: number; data: Record<string, unknown> };
      expect((await run()).counts.created).toBe(1);
      const link = await w.ctx.store.db
        .selectFrom('links')
        .selectAll()
        .where('org_id', '=', org)
        .where('sync_id', '=', sync.id)
        .executeTakeFirstOrThrow();
      const postId = link.b_id!;
      const post = () => s.account.posts.values().find((p) => p.id === postId)!;
      expect(post()).toMatchObject({ content: 'Spring sale starts Monday', status: 'draft' });

      // A content edit goes out.
      const put = async (data: Record<string, unknown>) => {
        const current = await w.inject({
          method: 'GET',
          url: `/api/v1/collections/${key}/records/${local.id}`,
          key: editor,
        });
        const body = current.json() as { version: number; data: Record<string, unknown> };
        const res = await w.inject({
          method: 'PUT',
          url: `/api/v1/collections/${key}/records/${local.id}`,
          key: editor,
          payload: { data: { ...body.data, ...data }, version: body.version },
        });
        expect(res.statusCode, res.body).toBe(200);
      };
      await put({ content: 'Spring sale starts Monday, 20% off' });
      expect((await run()).counts.updated).toBe(1);
      expect(post().content).toBe('Spring sale starts Monday, 20% off');

      // Publishing locally queues the post on Synup.
      await put({ status: 'queued' });
      await run();
      expect(post().status).toBe('queued');
      await s.webhooks.idle();
      receiver.received.length = 0;

      // Synup's scheduler publishes it and a person adds a note: signed webhooks arrive at the hook route.
      s.ops.publishDue();
      s.ops.addNote(postId, 'Looks great', 'Maria');
      await s.webhooks.idle();
      const events = receiver.received.filter((r) => /"post\.(status_changed|note_added)"/.test(r.body));
      expect(events.length).toBe(2);
      const forged = await deliver(w, connection.id, {
        ...events[0]!,
        body: events[0]!.body.replace('published', 'failed'),
      });
      expect(forged.statusCode).toBe(401);
      const queued: string[] = [];
      for (const event of events) {
        const res = await deliver(w, connection.id, event);
        expect(res.statusCode, res.body).toBe(202);
        queued.push(
          ...(await processWebhookEvent(w.ctx.store.db, w.runtime.queue, {
            orgId: org,
            connectionId: connection.id,
            webhookEventId: (res.json() as { eventId: string }).eventId,
          })),
        );
      }
      // A burst of events collapses into one queued run of the sync, triggered by the webhook.
      expect(new Set(queued).size).toBe(1);
      const runRow = await w.ctx.store.db
        .selectFrom('runs')
        .select(['trigger', 'sync_id'])
        .where('id', '=', queued[0]!)
        .executeTakeFirstOrThrow();
      expect(runRow).toMatchObject({ trigger: 'webhook', sync_id: sync.id });

      // The runtime takes over from here: the queued webhook run, and the webhook.process jobs the hook route
      // queued (they may add a run of their own: whichever run reads first brings the change).
      const settled = async () => {
        for (;;) {
          const busy = await w.ctx.store.db
            .selectFrom('runs')
            .select('id')
            .where('sync_id', '=', sync.id)
            .where('status', 'in', ['queued', 'running'])
            .execute();
          const jobs = await w.ctx.store.db
            .selectFrom('webhook_events')
            .select('id')
            .where('connection_id', '=', connection.id)
            .where('status', '=', 'received')
            .execute();
          if (busy.length === 0 && jobs.length === 0) return;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, 250);
            const off = w.runtime.events.on('run.finished', done);
            function done() {
              clearTimeout(timer);
              off();
              resolve();
            }
          });
        }
      };
      const runLines = async (since: string) => {
        const runs = await w.ctx.store.db
          .selectFrom('runs')
          .select(['id', 'status'])
          .where('sync_id', '=', sync.id)
          .where('created_at', '>=', since)
          .execute();
        expect(runs.every((r) => r.status === 'success')).toBe(true);
        const lines: { level: string; message: string; payload: unknown }[] = [];
        for (const r of runs)
          lines.push(
            ...(
              (
                await w.inject({ method: 'GET', url: `/api/v1/runs/${r.id}/logs?limit=200`, key: editor })
              ).json() as { data: { level: string; message: string; payload: unknown }[] }
            ).data,
          );
        return lines;
      };
      const before = new Date(Date.now() - 60_000).toISOString();
      await w.runtime.start();
      await settled();
      expect((await runLines(before)).some((l) => /^updated b .* → a /.test(l.message))).toBe(true);
      const read = async () =>
        (
          (
            await w.inject({
              method: 'GET',
              url: `/api/v1/collections/${key}/records/${local.id}`,
              key: editor,
            })
          ).json() as { data: { content: string; status: string; notes: { body: string }[] } }
        ).data;
      const data = await read();
      expect(data.status).toBe('published');
      expect(data.notes.map((n) => n.body)).toEqual(['Looks great']);

      // Synup's staff edit the published post in their dashboard: the signed post.updated webhook queues a run,
      // the content policy (local once published) refuses the change and the run log says so.
      receiver.received.length = 0;
      s.ops.staffEdit(postId, { content: 'Spring sale starts Monday, 20% off!!! (edited by Synup)' });
      await s.webhooks.idle();
      const updated = receiver.received.filter((r) => /"post\.updated"/.test(r.body));
      expect(updated.length).toBe(1);
      const since = new Date().toISOString();
      expect((await deliver(w, connection.id, updated[0]!)).statusCode).toBe(202);
      await settled();
      const lines = await runLines(since);
      const line = lines.find((l) => l.message.startsWith('refused '));
      expect(line, JSON.stringify(lines.map((l) => l.message))).toMatchObject({ level: 'warn' });
      expect(line!.message).toContain('remote change to content (local_only: status is published|failed');
      expect(line!.payload).toMatchObject({
        refusals: [{ field: 'content', side: 'b', kept: 'Spring sale starts Monday, 20% off' }],
      });
      expect((await read()).content).toBe('Spring sale starts Monday, 20% off');
      await w.runtime.stop();

      // Quiet afterwards: nothing bounces back to Synup, and the refusal is not repeated.
      const quiet = await run();
      expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
      // Where records are listed, the post shows Synced with its Synup id and when it was last pushed and pulled.
      const listed = await w.inject({
        method: 'GET',
        url: `/api/v1/collections/${key}/records`,
        key: editor,
      });
      const badge = (
        listed.json() as {
          data: { id: string; sync: { syncId: string; status: string; remoteId: string | null }[] }[];
        }
      ).data.find((r) => r.id === local.id)!.sync;
      expect(badge).toEqual([
        expect.objectContaining({
          syncId: sync.id,
          status: 'synced',
          remoteId: postId,
          lastPushedAt: expect.any(String),
          lastPulledAt: expect.any(String),
        }),
      ]);
    } finally {
      await receiver.close();
      await s.close();
    }
  });
});
