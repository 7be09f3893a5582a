/**
 * Deletes seen by incremental two-way syncs, per platform, against the simulators over HTTP: each platform's own
 * report of a delete (HubSpot's archived listing, Airtable's webhook payloads, Synup's `post.deleted` and Notion's
 * `page.deleted` events as the hook route stores them) becomes a tombstone in the change feed, so a cursor run
 * deletes the linked local record; the mass-delete guard still holds a burst until it is approved.
 */
import { expect, it } from 'vitest';
import { airtableClientFor } from '../../src/connectors/airtable/airtable-connector.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { newId } from '../../src/lib/ids.js';
import { nowIso } from '../../src/lib/time.js';
import type { AirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import type { HubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import type { NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { toJson } from '../../src/store/json.js';
import { describeEachDialect, type MigratedStore } from '../helpers/dialects.js';
import { startWebhookReceiver, type Received } from './webhook-receiver.js';

const RATE = { rateLimit: { limit: 1000, windowMs: 1000 } };
let n = 0;

interface Setup {
  connector: string;
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
  object: string;
  field: [string, string];
  guard?: null;
}

/** A collection ⇄ platform two-way sync through a stored connection; `run` asserts nothing about the outcome. */
async function twoWay({ store, repos }: MigratedStore, setup: Setup) {
  const org = await repos.organizations.create({ name: 'deletes', slug: `deletes-${Date.now()}-${n++}` });
  const collection = await repos.collections.create(org.id, { key: 'items', name: 'items' });
  const connection = await repos.connections.create(org.id, {
    name: setup.connector,
    connector: setup.connector,
    settings: setup.settings,
    credentials: setup.credentials,
  });
  const sync = await repos.syncs.create(org.id, {
    name: `deletes-${n++}`,
    definition: {
      a: { connector: 'collection' },
      b: { connectionId: connection.id },
      direction: 'two-way',
      objects: [
        { name: 'items', a: 'items', b: setup.object, fields: [{ a: setup.field[0], b: setup.field[1] }] },
      ],
    },
  });
  return {
    connectionId: connection.id,
    run: (approveDeletes = false) =>
      runSync({
        db: store.db,
        connectors: builtInConnectors(),
        connections: repos.connections,
        orgId: org.id,
        syncId: sync.id,
        approveDeletes,
      }),
    localCount: async () => (await repos.records.list(org.id, collection.id, { limit: 1000 })).data.length,
    /** Stores a delivered webhook as the hook route does after verifying it. */
    storeEvent: async (event: Received, externalId: string) => {
      await store.db
        .insertInto('webhook_events')
        .values({
          id: newId('whe'),
          org_id: org.id,
          connection_id: connection.id,
          external_id: externalId,
          headers: toJson(event.headers),
          body: event.body,
          status: 'processed',
          error: null,
          received_at: nowIso(),
          processed_at: nowIso(),
        })
        .execute();
    },
  };
}

async function expectOneDeleteThenQuiet(t: Awaited<ReturnType<typeof twoWay>>, before: number) {
  const second = await t.run();
  expect(second.outcome, JSON.stringify(second)).toBe('success');
  expect(second.counts.deleted).toBe(1);
  expect(await t.localCount()).toBe(before - 1);
  const third = await t.run();
  expect(
    third.counts.created + third.counts.updated + third.counts.deleted,
    JSON.stringify(third.counts),
  ).toBe(0);
}

describeEachDialect('deletes by incremental sync', (get) => {
  it('hubspot: an archived company (archived=true listing) deletes the local record', async () => {
    const s = (await startSimulator('hubspot', { seedRecords: 4, ...RATE })) as HubSpotSimulator;
    try {
      const t = await twoWay(get(), {
        connector: 'hubspot',
        settings: { baseUrl: s.url, objects: ['companies'] },
        credentials: { token: s.credentials.token! },
        object: 'companies',
        field: ['name', 'name'],
      });
      expect((await t.run()).outcome).toBe('success');
      const before = await t.localCount();
      expect(before).toBeGreaterThan(1);
      s.ui.archive('companies', s.crm.types.companies!.store.values()[0]!.id);
      await expectOneDeleteThenQuiet(t, before);
    } finally {
      await s.close();
    }
  });

  it('airtable: a destroyed record in the webhook payloads deletes the local record', async () => {
    const s = (await startSimulator('airtable', { seedRecords: 4, ...RATE })) as AirtableSimulator;
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
      })) as { id: string };
      const t = await twoWay(get(), {
        connector: 'airtable',
        settings: { baseUrl: s.url, baseId: s.baseId, webhookId: hook.id },
        credentials: { token: s.credentials.token! },
        object: s.tableId,
        field: ['name', 'Name'],
      });
      expect((await t.run()).outcome).toBe('success');
      const before = await t.localCount();
      s.ui.destroy(s.tableId, [...s.base.tables[0]!.records.values()][0]!.id);
      await expectOneDeleteThenQuiet(t, before);
    } finally {
      await receiver.close();
      await s.close();
    }
  });

  it('synup: a stored post.deleted event deletes the local record', async () => {
    const s = (await startSimulator('synup', { seedRecords: 4, ...RATE })) as SynupSimulator;
    const receiver = await startWebhookReceiver();
    try {
      s.registerWebhook(receiver.url);
      const t = await twoWay(get(), {
        connector: 'synup',
        settings: { baseUrl: s.url, locationId: s.credentials.locationId },
        credentials: { apiKey: s.credentials.apiKey! },
        object: 'posts',
        field: ['content', 'content'],
      });
      expect((await t.run()).outcome).toBe('success');
      const before = await t.localCount();
      await s.webhooks.idle();
      receiver.received.length = 0;
      const res = await fetch(`${s.url}/api/v4/posts/delete`, {
        method: 'POST',
        headers: { authorization: `API ${s.credentials.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { id: s.account.posts.values()[0]!.id } }),
      });
      expect(res.status).toBe(200);
      await s.webhooks.idle();
      const deleted = receiver.received.filter((r) => r.body.includes('"post.deleted"'));
      expect(deleted.length).toBe(1);
      await t.storeEvent(deleted[0]!, 'evt-delete-1');
      await expectOneDeleteThenQuiet(t, before);
    } finally {
      await receiver.close();
      await s.close();
    }
  });

  it('notion: a stored page.deleted event (page archived / in trash) deletes the local record', async () => {
    const s = (await startSimulator('notion', { seedRecords: 4, ...RATE })) as NotionSimulator;
    const receiver = await startWebhookReceiver();
    try {
      await s.subscribe(receiver.url);
      const t = await twoWay(get(), {
        connector: 'notion',
        settings: { baseUrl: s.url, databaseId: s.credentials.databaseId },
        credentials: { token: s.credentials.token! },
        object: s.credentials.databaseId!,
        field: ['name', 'Name'],
      });
      expect((await t.run()).outcome).toBe('success');
      const before = await t.localCount();
      await s.webhooks.idle();
      receiver.received.length = 0;
      s.ui.archive(s.database.pages.values()[0]!.id);
      await s.webhooks.idle();
      const deleted = receiver.received.filter((r) => r.body.includes('"page.deleted"'));
      expect(deleted.length).toBe(1);
      await t.storeEvent(deleted[0]!, 'evt-delete-1');
      await expectOneDeleteThenQuiet(t, before);
    } finally {
      await receiver.close();
      await s.close();
    }
  });

  it('the mass-delete guard holds a burst of platform deletes until a run approves them', async () => {
    const s = (await startSimulator('hubspot', { seedRecords: 20, ...RATE })) as HubSpotSimulator;
    try {
      const t = await twoWay(get(), {
        connector: 'hubspot',
        settings: { baseUrl: s.url, objects: ['companies'] },
        credentials: { token: s.credentials.token! },
        object: 'companies',
        field: ['name', 'name'],
      });
      expect((await t.run()).outcome).toBe('success');
      const before = await t.localCount();
      for (const company of s.crm.types.companies!.store.values().slice(0, 12))
        s.ui.archive('companies', company.id);
      const held = await t.run();
      expect(held.outcome).not.toBe('success');
      expect(held.counts.deleted).toBe(0);
      expect(await t.localCount()).toBe(before);
      const approved = await t.run(true);
      expect(approved.outcome, JSON.stringify(approved)).toBe('success');
      expect(approved.counts.deleted).toBe(12);
      expect(await t.localCount()).toBe(before - 12);
    } finally {
      await s.close();
    }
  });
});
