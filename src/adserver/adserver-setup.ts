/**
 * @module The ad server's local side for one Broadstreet connection: a collection per entity type and one sync
 * pairing them with the connection's objects (field for field; references come from the connector's declared
 * specs, so the engine orders the types itself). The sync is stored two-way but only ever run in one direction
 * at a time: an import pulls, an export pushes, over the same links, so an imported entity is never exported
 * again and an exported one is recognised on the next import. Deletes are ignored both ways: an import never
 * removes local work and an export never removes anything on the server.
 */
import type { Kysely } from 'kysely';
import {
  BROADSTREET_OBJECTS,
  broadstreetSpec,
  type BroadstreetObject,
} from '../connectors/broadstreet/broadstreet-objects.js';
import type { SyncDefinitionInput } from '../engine/definition.js';
import { DataSyncError } from '../lib/errors.js';
import { CollectionRepository } from '../store/repositories/collections.js';
import { SyncRepository, type Sync } from '../store/repositories/syncs.js';
import type { Database } from '../store/schema.js';

export const ADSERVER_TYPES = BROADSTREET_OBJECTS;
export type AdServerType = BroadstreetObject;
export const ADSERVER_MANAGED_BY = 'adserver';

export interface AdServerSetup {
  sync: Sync;
  /** Entity type → collection id. */
  collections: Record<AdServerType, string>;
}

export function collectionKey(type: AdServerType, connectionId: string): string {
  return `adserver-${type}-${connectionId.toLowerCase()}`;
}

/** The types `type` references, transitively (what must be on the server before it). */
export function ancestors(type: AdServerType): AdServerType[] {
  const out = new Set<AdServerType>();
  const visit = (t: AdServerType) => {
    for (const ref of broadstreetSpec(t).references ?? []) {
      const parent = ref.object as AdServerType;
      if (!out.has(parent)) {
        out.add(parent);
        visit(parent);
      }
    }
  };
  visit(type);
  return ADSERVER_TYPES.filter((t) => out.has(t));
}

export function adServerDefinition(connectionId: string): SyncDefinitionInput {
  return {
    a: { connector: 'collection' },
    b: { connectionId },
    direction: 'two-way',
    mode: 'full',
    deletes: { policy: 'ignore', guard: null },
    objects: ADSERVER_TYPES.map((type) => ({
      name: type,
      a: collectionKey(type, connectionId),
      b: type,
      fields: Object.entries(broadstreetSpec(type).fields).map(([name, field]) =>
        field.readOnly ? { a: name, b: name, direction: 'b_to_a' as const } : { a: name, b: name },
      ),
    })),
  };
}

/** Finds (or makes) the collections and the sync of this connection's ad server. */
export async function ensureAdServer(
  db: Kysely<Database>,
  orgId: string,
  connection: { id: string; name: string; connector: string },
): Promise<AdServerSetup> {
  if (connection.connector !== 'broadstreet') {
    throw new DataSyncError(
      'validation_failed',
      `connection ${connection.id} is not a Broadstreet connection`,
    );
  }
  const collections = new CollectionRepository(db);
  const ids = {} as Record<AdServerType, string>;
  for (const type of ADSERVER_TYPES) {
    const key = collectionKey(type, connection.id);
    const existing = await collections.byKey(orgId, key);
    const fields = Object.fromEntries(
      Object.entries(broadstreetSpec(type).fields).map(([name, f]) => [name, { type: f.type }]),
    );
    const made =
      existing ??
      (await collections
        .create(orgId, {
          key,
          name: `${connection.name}: ${type}`,
          schema: { fields },
          managedBy: ADSERVER_MANAGED_BY,
        })
        // Two first requests at once: the key is unique, the loser reads the winner's row.
        .catch(async (error: unknown) => {
          const winner = await collections.byKey(orgId, key);
          if (!winner) throw error;
          return winner;
        }));
    ids[type] = made.id;
  }
  const syncs = new SyncRepository(db);
  const sync =
    (await findSync(syncs, orgId, connection.id)) ??
    (await syncs.create(orgId, {
      name: `Ad server: ${connection.name}`,
      definition: adServerDefinition(connection.id),
      // Paused: schedules and webhooks leave it alone; only the ad server's import and export run it.
      status: 'paused',
      managedBy: ADSERVER_MANAGED_BY,
    }));
  return { sync, collections: ids };
}

async function findSync(
  syncs: SyncRepository,
  orgId: string,
  connectionId: string,
): Promise<Sync | undefined> {
  let cursor: string | undefined;
  for (;;) {
    const page = await syncs.list(orgId, { limit: 200, ...(cursor ? { cursor } : {}) });
    const found = page.data.find(
      (s) => s.managedBy === ADSERVER_MANAGED_BY && s.definition.b.connectionId === connectionId,
    );
    if (found) return found;
    if (!page.nextCursor) return undefined;
    cursor = page.nextCursor;
  }
}
