/**
 * Platform webhooks through the real receiver on both dialects: HubSpot v3 is verified over the configured public
 * URL plus the request path and query (HubSpot's decoded escapes), never over the host the proxy forwarded; an
 * Airtable ping (which carries no data) queues the connection's sync, and the run reads the webhook's payloads so
 * the changed and destroyed records reach DataSync.
 */
import { expect, it } from 'vitest';
import { processWebhookEvent } from '../../src/app/webhook-process-handler.js';
import { airtableClientFor } from '../../src/connectors/airtable/airtable-connector.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { AirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import { hubspotSignatureV3 } from '../../src/simulators/hubspot/hubspot-webhooks.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';
import { startWebhookReceiver } from '../connectors/webhook-receiver.js';

function post(w: ApiWorld, url: string, body: string, headers: Record<string, string | undefined>) {
  const clean = Object.fromEntries(
    Object.entries(headers).filter(
      (e): e is [string, string] =>
        e[1] !== undefined && !['content-length', 'host', 'connection'].includes(e[0]),
    ),
  );
  return w.app.inject({
    method: 'POST',
    url,
    payload: body,
    headers: { 'content-type': 'application/json', ...clean },
  });
}

describeApi('platform webhooks', (get) => {
  it('verifies HubSpot v3 over DATASYNC_PUBLIC_URL + path + query, not over the forwarded host', async () => {
    const w = get();
    const config = w.ctx.config as { publicUrl: string | undefined };
    const before = config.publicUrl;
    config.publicUrl = 'https://sync.example.com';
    try {
      const hub = await w.ctx.repos.connections.create(w.a.org.id, {
        name: unique('hs'),
        connector: 'hubspot',
        credentials: { clientSecret: 'hs-secret' },
      });
      const path = `/api/v1/hooks/${hub.id}?portal=42&note=a%3Ab%2Cc`;
      const signed = (uri: string, eventId: number, ts = String(Date.now())) => ({
        host: '10.0.0.7:4000',
        'x-hubspot-signature-v3': hubspotSignatureV3(
          'hs-secret',
          'POST',
          uri,
          `[{"eventId":${eventId},"objectId":1}]`,
          ts,
        ),
        'x-hubspot-request-timestamp': ts,
      });
      const body = (eventId: number) => `[{"eventId":${eventId},"objectId":1}]`;
      // HubSpot signs the public URL it called, with %3A and %2C decoded.
      const ok = await post(
        w,
        path,
        body(1),
        signed(`https://sync.example.com/api/v1/hooks/${hub.id}?portal=42&note=a:b,c`, 1),
      );
      expect(ok.statusCode, ok.body).toBe(202);
      // Signed over the address the proxy forwarded to: refused.
      const internal = await post(w, path, body(2), signed(`http://10.0.0.7:4000${path}`, 2));
      expect(internal.statusCode).toBe(401);
      // Signed without the query string: refused (the query is part of the signed URI).
      const noQuery = await post(
        w,
        path,
        body(3),
        signed(`https://sync.example.com/api/v1/hooks/${hub.id}`, 3),
      );
      expect(noQuery.statusCode).toBe(401);
      const stale = await post(
        w,
        path,
        body(4),
        signed(
          `https://sync.example.com/api/v1/hooks/${hub.id}?portal=42&note=a:b,c`,
          4,
          String(Date.now() - 6 * 60_000),
        ),
      );
      expect(stale.statusCode).toBe(401);
      const stored = await w.ctx.store.db
        .selectFrom('webhook_events')
        .select('external_id')
        .where('connection_id', '=', hub.id)
        .execute();
      expect(stored.map((e) => e.external_id)).toEqual(['events:1']);
    } finally {
      config.publicUrl = before;
    }
  });

  it('turns an Airtable ping into a sync run that fetches the payloads: edits and destroys arrive', async () => {
    const w = get();
    const s = (await startSimulator('airtable', {
      seedRecords: 4,
      rateLimit: { limit: 1000, windowMs: 1000 },
    })) as AirtableSimulator;
    const receiver = await startWebhookReceiver();
    try {
      const client = airtableClientFor({
        settings: { baseUrl: s.url, baseId: s.baseId },
        credentials: { token: s.credentials.token! },
      });
      const hook = (await client.call('POST', `/v0/bases/${s.baseId}/webhooks`, 'create webhook', {
        body: {
          notificationUrl: receiver.url,
          specification: { options: { filters: { dataTypes: ['tableData'] } } },
        },
      })) as { id: string; macSecretBase64: string };
      const org = w.a.org.id;
      const connection = await w.ctx.repos.connections.create(org, {
        name: unique('airtable'),
        connector: 'airtable',
        settings: { baseUrl: s.url, baseId: s.baseId, webhookId: hook.id },
        credentials: { token: s.credentials.token!, macSecretBase64: hook.macSecretBase64 },
      });
      const collection = await w.ctx.repos.collections.create(org, { key: unique('tasks'), name: 'tasks' });
      const sync = await w.ctx.repos.syncs.create(org, {
        name: unique('tasks'),
        definition: {
          a: { connector: 'collection' },
          b: { connectionId: connection.id },
          direction: 'two-way',
          objects: [{ name: 'tasks', a: collection.key, b: s.tableId, fields: [{ a: 'name', b: 'Name' }] }],
        },
      });
      const run = () =>
        runSync({
          db: w.ctx.store.db,
          connectors: builtInConnectors(),
          connections: w.ctx.repos.connections,
          orgId: org,
          syncId: sync.id,
        });
      expect((await run()).outcome).toBe('success');
      const names = async () =>
        (await w.ctx.repos.records.list(org, collection.id, { limit: 100 })).data
          .map((r) => r.data.name)
          .sort();
      expect((await names()).length).toBe(4);

      const [first, second] = [...s.base.tables[0]!.records.values()];
      s.ui.update(s.tableId, first!.id, { Name: 'renamed in Airtable' });
      s.ui.destroy(s.tableId, second!.id);
      await s.webhooks.idle();
      const ping = receiver.received[receiver.received.length - 1]!;
      // The ping names the base and webhook only.
      expect(Object.keys(JSON.parse(ping.body) as object).sort()).toEqual(['base', 'timestamp', 'webhook']);
      const res = await post(w, `/api/v1/hooks/${connection.id}`, ping.body, ping.headers);
      expect(res.statusCode, res.body).toBe(202);
      const forged = await post(
        w,
        `/api/v1/hooks/${connection.id}`,
        ping.body.replace('}', ' }'),
        ping.headers,
      );
      expect(forged.statusCode).toBe(401);

      const queued = await processWebhookEvent(w.ctx.store.db, w.runtime.queue, {
        orgId: org,
        connectionId: connection.id,
        webhookEventId: (res.json() as { eventId: string }).eventId,
      });
      expect(queued.length).toBe(1);
      const runRow = await w.ctx.store.db
        .selectFrom('runs')
        .select(['trigger', 'sync_id'])
        .where('id', '=', queued[0]!)
        .executeTakeFirstOrThrow();
      expect(runRow).toMatchObject({ trigger: 'webhook', sync_id: sync.id });
      const result = await run();
      expect(result.outcome, JSON.stringify(result)).toBe('success');
      expect(result.counts).toMatchObject({ updated: 1, deleted: 1 });
      const after = await names();
      expect(after.length).toBe(3);
      expect(after).toContain('renamed in Airtable');
    } finally {
      await receiver.close();
      await s.close();
    }
  });
});
