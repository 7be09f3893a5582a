/**
 * Test harness for engine runs: an organization, a collection, a memory platform and a registry wiring both, over
 * a migrated store of either dialect.
 */
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { collectionConnectorFactory } from '../../src/connectors/collection/collection-connector.js';
import {
  memoryConnector,
  memoryObjectSpec,
  type MemoryConnectorOptions,
} from '../../src/connectors/memory/memory-connector.js';
import { MemoryPlatform } from '../../src/connectors/memory/memory-platform.js';
import type { ObjectSpec } from '../../src/connectors/sdk/types.js';
import type { SyncDefinitionInput } from '../../src/engine/definition.js';
import type { SyncEvent, SyncResult } from '../../src/engine/events.js';
import { runSync, type RunSyncOptions } from '../../src/engine/run-sync.js';
import type { Repositories } from '../../src/store/repositories/index.js';
import type { Store } from '../../src/store/database.js';

let n = 0;

export interface Harness {
  orgId: string;
  platform: MemoryPlatform;
  /** A second memory platform for memory ↔ memory syncs. */
  local: MemoryPlatform;
  registry: ConnectorRegistry;
  events: SyncEvent[];
  createSync(definition: SyncDefinitionInput): Promise<string>;
  run(syncId: string, extra?: Partial<RunSyncOptions>): Promise<SyncResult>;
  collection(key: string, schema?: Record<string, unknown>): Promise<string>;
}

export async function makeHarness(
  store: Store,
  repos: Repositories,
  options: {
    specs?: ObjectSpec[];
    memory?: MemoryConnectorOptions;
    localSpecs?: ObjectSpec[];
    localMemory?: MemoryConnectorOptions;
  } = {},
): Promise<Harness> {
  const org = await repos.organizations.create({ name: 'Engine', slug: `engine-${Date.now()}-${n++}` });
  const platform = new MemoryPlatform('m');
  const local = new MemoryPlatform('l');
  const specs = options.specs ?? [memoryObjectSpec('items')];
  const registry = new ConnectorRegistry()
    .register(collectionConnectorFactory)
    .register({ name: 'memory', create: () => memoryConnector(platform, specs, options.memory) })
    .register({
      name: 'memory-local',
      create: () =>
        memoryConnector(local, options.localSpecs ?? specs, { name: 'memory-local', ...options.localMemory }),
    });
  const events: SyncEvent[] = [];
  return {
    orgId: org.id,
    platform,
    local,
    registry,
    events,
    async createSync(definition) {
      const sync = await repos.syncs.create(org.id, { name: `sync-${n++}`, definition });
      return sync.id;
    },
    run(syncId, extra = {}) {
      return runSync({
        db: store.db,
        connectors: registry,
        orgId: org.id,
        syncId,
        onEvent: (e) => events.push(e),
        ...extra,
      });
    },
    async collection(key, schema = {}) {
      const c = await repos.collections.create(org.id, { key, name: key, schema });
      return c.id;
    },
  };
}
