/**
 * End-to-end check shared by the platform connector tests: a two-way runSync between a local `collection` and a
 * platform connector reached through a stored connection (credentials sealed by the repository), against the
 * platform's simulator over HTTP. The first run converges both sides; a second run writes nothing.
 */
import { expect } from 'vitest';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import type { MigratedStore } from '../helpers/dialects.js';

let n = 0;

export interface E2EOptions {
  connector: string;
  settings: Record<string, unknown>;
  credentials: Record<string, string>;
  object: string;
  /** Local field → platform field, the first one a text field that names the record. */
  fields: [string, string][];
  /** Reads the platform's live records as data maps (through the simulator's own state). */
  platformRecords(): Record<string, unknown>[];
  /** Plays a person renaming one platform record (its name field) in the platform's UI. */
  editOnPlatform(name: string): void | Promise<void>;
}

export async function runTwoWayE2E({ store, repos }: MigratedStore, options: E2EOptions): Promise<void> {
  const org = await repos.organizations.create({
    name: 'e2e',
    slug: `e2e-${options.connector}-${Date.now()}-${n++}`,
  });
  const collection = await repos.collections.create(org.id, { key: 'items', name: 'items' });
  const [nameLocal, namePlatform] = options.fields[0]!;
  for (let i = 0; i < 3; i++)
    await repos.records.create(org.id, collection.id, {
      data: { [nameLocal]: `local ${options.connector} ${i}` },
    });
  const connection = await repos.connections.create(org.id, {
    name: options.connector,
    connector: options.connector,
    settings: options.settings,
    credentials: options.credentials,
  });
  const sync = await repos.syncs.create(org.id, {
    name: `e2e-${n++}`,
    definition: {
      a: { connector: 'collection' },
      b: { connectionId: connection.id },
      direction: 'two-way',
      objects: [
        { name: 'items', a: 'items', b: options.object, fields: options.fields.map(([a, b]) => ({ a, b })) },
      ],
    },
  });
  const run = () =>
    runSync({
      db: store.db,
      connectors: builtInConnectors(),
      connections: repos.connections,
      orgId: org.id,
      syncId: sync.id,
    });
  const before = options.platformRecords().length;
  const first = await run();
  expect(first.outcome, JSON.stringify(first)).toBe('success');
  const platform = options.platformRecords();
  expect(platform.length).toBe(before + 3);
  const local = (await repos.records.list(org.id, collection.id, { limit: 1000 })).data;
  expect(local.length).toBe(platform.length);
  expect(platform.map((r) => r[namePlatform]).sort()).toEqual(local.map((r) => r.data[nameLocal]).sort());
  const second = await run();
  expect(second.outcome, JSON.stringify(second)).toBe('success');
  expect(second.counts.created + second.counts.updated + second.counts.deleted).toBe(0);

  // An edit on the platform comes back; an edit here goes out; then quiet again.
  await options.editOnPlatform('edited on the platform');
  const third = await run();
  expect(third.outcome, JSON.stringify(third)).toBe('success');
  const names = async () =>
    (await repos.records.list(org.id, collection.id, { limit: 1000 })).data.map((r) => r.data[nameLocal]);
  expect(await names()).toContain('edited on the platform');
  const mine = local.find((r) => r.data[nameLocal] !== 'edited on the platform')!;
  await repos.records.update(org.id, collection.id, mine.id, {
    data: { ...mine.data, [nameLocal]: 'edited in DataSync' },
  });
  const fourth = await run();
  expect(fourth.outcome, JSON.stringify(fourth)).toBe('success');
  expect(options.platformRecords().map((r) => r[namePlatform])).toContain('edited in DataSync');
  const fifth = await run();
  expect(
    fifth.counts.created + fifth.counts.updated + fifth.counts.deleted,
    JSON.stringify(fifth.counts),
  ).toBe(0);
}
