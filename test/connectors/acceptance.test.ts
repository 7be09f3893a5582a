/**
 * Issue #8 acceptance per platform, against each simulator over HTTP on both dialects: the first run links the
 * records both sides already have by match key (no duplicates, only the missing one is created), and an edit of
 * the same field on both sides lands in Conflicts under the `manual` policy, leaving both sides as they were.
 */
import { expect, it } from 'vitest';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { AirtableSimulator } from '../../src/simulators/airtable/airtable-simulator.js';
import type { HubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import type { NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import type { SynupSimulator } from '../../src/simulators/synup/synup-simulator.js';
import { describeEachDialect, type MigratedStore } from '../helpers/dialects.js';

const RATE = { rateLimit: { limit: 1000, windowMs: 1000 } };
let n = 0;

interface Platform {
  connector: string;
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
  object: string;
  /** The platform's text field that names a record. */
  field: string;
  /** Live records as [id, name]. */
  names(): [string, string][];
  rename(id: string, name: string): Promise<void>;
  close(): Promise<void>;
}

async function platform(name: string): Promise<Platform> {
  if (name === 'hubspot') {
    const s = (await startSimulator('hubspot', { seedRecords: 3, ...RATE })) as HubSpotSimulator;
    return {
      connector: 'hubspot',
      settings: { baseUrl: s.url, objects: ['companies'] },
      credentials: { token: s.credentials.token! },
      object: 'companies',
      field: 'name',
      names: () =>
        s.crm.types
          .companies!.store.values()
          .filter((o) => !o.archived)
          .map((o) => [o.id, String(o.properties.name)]),
      rename: async (id, value) => void s.ui.update('companies', id, { name: value }),
      close: () => s.close(),
    };
  }
  if (name === 'airtable') {
    const s = (await startSimulator('airtable', { seedRecords: 3, ...RATE })) as AirtableSimulator;
    return {
      connector: 'airtable',
      settings: { baseUrl: s.url, baseId: s.baseId },
      credentials: { token: s.credentials.token! },
      object: s.tableId,
      field: 'Name',
      names: () =>
        [...s.base.tables[0]!.records.values()].map((r) => [r.id, String(r.cells.fldName0000000001)]),
      rename: async (id, value) => void s.ui.update(s.tableId, id, { Name: value }),
      close: () => s.close(),
    };
  }
  if (name === 'notion') {
    const s = (await startSimulator('notion', { seedRecords: 3, ...RATE })) as NotionSimulator;
    return {
      connector: 'notion',
      settings: { baseUrl: s.url, databaseId: s.credentials.databaseId },
      credentials: { token: s.credentials.token! },
      object: s.credentials.databaseId!,
      field: 'Name',
      names: () =>
        s.database.pages
          .values()
          .filter((p) => !p.archived)
          .map((p) => [p.id, String(p.props.Name)]),
      rename: async (id, value) => void s.ui.update(id, { Name: value }),
      close: () => s.close(),
    };
  }
  const s = (await startSimulator('synup', { seedRecords: 3, ...RATE })) as SynupSimulator;
  return {
    connector: 'synup',
    settings: { baseUrl: s.url, locationId: s.credentials.locationId },
    credentials: { apiKey: s.credentials.apiKey! },
    object: 'posts',
    field: 'content',
    names: () => s.account.posts.values().map((p) => [p.id, p.content]),
    rename: async (id, value) => {
      const res = await fetch(`${s.url}/api/v4/posts/update`, {
        method: 'POST',
        headers: { authorization: `API ${s.credentials.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input: { id, content: value } }),
      });
      expect(res.status).toBe(200);
    },
    close: () => s.close(),
  };
}

async function linksByMatchKeyAndHoldsConflicts({ store, repos }: MigratedStore, p: Platform) {
  const org = await repos.organizations.create({
    name: 'acc',
    slug: `acc-${p.connector}-${Date.now()}-${n++}`,
  });
  const collection = await repos.collections.create(org.id, { key: 'items', name: 'items' });
  const existing = p.names();
  // The same records already exist here (same name), plus one only here.
  for (const [, name] of existing) await repos.records.create(org.id, collection.id, { data: { name } });
  await repos.records.create(org.id, collection.id, { data: { name: `only local ${p.connector}` } });
  const connection = await repos.connections.create(org.id, {
    name: p.connector,
    connector: p.connector,
    settings: p.settings,
    credentials: p.credentials,
  });
  const sync = await repos.syncs.create(org.id, {
    name: `acc-${n++}`,
    definition: {
      a: { connector: 'collection' },
      b: { connectionId: connection.id },
      direction: 'two-way',
      objects: [
        { name: 'items', a: 'items', b: p.object, matchKeys: ['name'], fields: [{ a: 'name', b: p.field }] },
      ],
      conflicts: { default: { policy: 'manual' } },
    },
  });
  const run = async () => {
    const result = await runSync({
      db: store.db,
      connectors: builtInConnectors(),
      connections: repos.connections,
      orgId: org.id,
      syncId: sync.id,
    });
    expect(result.outcome, JSON.stringify(result)).toBe('success');
    return result;
  };
  const local = async () => (await repos.records.list(org.id, collection.id, { limit: 100 })).data;

  const first = await run();
  expect(first.counts.created).toBe(1);
  expect(p.names().length).toBe(existing.length + 1);
  expect((await local()).length).toBe(existing.length + 1);
  expect(new Set(p.names().map(([, name]) => name)).size).toBe(existing.length + 1);

  // Both sides rename the same record differently: a manual conflict, nothing overwritten.
  const [id, name] = existing[0]!;
  const mine = (await local()).find((r) => r.data.name === name)!;
  await repos.records.update(org.id, collection.id, mine.id, { data: { name: `${name} (here)` } });
  await p.rename(id, `${name} (there)`);
  const both = await run();
  expect(both.counts.conflicts, JSON.stringify(both.counts)).toBe(1);
  const conflicts = await store.db
    .selectFrom('conflicts')
    .select(['status'])
    .where('org_id', '=', org.id)
    .where('sync_id', '=', sync.id)
    .execute();
  expect(conflicts.map((c) => c.status)).toEqual(['open']);
  expect(p.names().find(([pid]) => pid === id)![1]).toBe(`${name} (there)`);
  expect((await repos.records.get(org.id, collection.id, mine.id))!.data.name).toBe(`${name} (here)`);
}

describeEachDialect('platform acceptance', (get) => {
  for (const name of ['hubspot', 'airtable', 'notion', 'synup'])
    it(`${name}: first run links by match key without duplicates; a both-sides edit lands in Conflicts`, async () => {
      const p = await platform(name);
      try {
        await linksByMatchKeyAndHoldsConflicts(get(), p);
      } finally {
        await p.close();
      }
    });
});
