/**
 * The Synup post flow end to end through the API on both dialects, against the Synup simulator: a draft created
 * by the records API is pushed (a link row), a content edit goes out, a local publish queues the post on Synup,
 * and the platform's signed `post.status_changed` webhook (x-synup-signature) arriving at the hook route queues
 * a webhook-triggered run that brings `published` (and a note added on Synup) back to the local record.
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
          conflicts: {
            default: { policy: 'newest_wins' },
            fields: {
              status: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] },
            },
          },
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

      const inbound = await run();
      expect(inbound.counts.updated).toBe(1);
      const after = await w.inject({
        method: 'GET',
        url: `/api/v1/collections/${key}/records/${local.id}`,
        key: editor,
      });
      const data = (after.json() as { data: { status: string; notes: { body: string }[] } }).data;
      expect(data.status).toBe('published');
      expect(data.notes.map((n) => n.body)).toEqual(['Looks great']);
      // Quiet afterwards: nothing bounces back to Synup.
      const quiet = await run();
      expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);
    } finally {
      await receiver.close();
      await s.close();
    }
  });
});
