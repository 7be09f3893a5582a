/**
 * Bench fixtures: records written straight through the repositories in big batches, and (for the incremental
 * scenarios) two collections already linked, with links built the way the engine builds them, so a 1M set does
 * not need a 1M-record first sync before every measurement.
 */
import type { Kysely } from 'kysely';
import { CompiledPair } from '../src/engine/mapping.js';
import { parseSyncDefinition, type SyncDefinitionInput } from '../src/engine/definition.js';
import { collectionConnector } from '../src/connectors/collection/collection-connector.js';
import { newId } from '../src/lib/ids.js';
import type { Repositories } from '../src/store/repositories/index.js';
import { LinkRepository, type LinkWrite } from '../src/store/repositories/links.js';
import type { Database } from '../src/store/schema.js';

export const FIELDS = [
  { a: 'title', b: 'name' },
  { a: 'body', b: 'text' },
  { a: 'status', b: 'state' },
  { a: 'n', b: 'n' },
];

export function row(i: number, salt = ''): Record<string, unknown> {
  return {
    title: `Title ${i}${salt}`,
    body: `Body of record ${i} `.repeat(3),
    status: i % 3 ? 'draft' : 'published',
    n: i,
  };
}

export function toB(data: Record<string, unknown>): Record<string, unknown> {
  return { name: data.title, text: data.body, state: data.status, n: data.n };
}

/** Inserts `count` records in batches; returns their ids in id order. */
export async function seedRecords(
  repos: Repositories,
  orgId: string,
  collectionId: string,
  count: number,
  make: (i: number) => Record<string, unknown>,
): Promise<void> {
  const BATCH = 5000;
  for (let i = 0; i < count; i += BATCH) {
    const writes: { data: Record<string, unknown> }[] = [];
    for (let j = i; j < Math.min(count, i + BATCH); j++) writes.push({ data: make(j) });
    await repos.records.writeMany(orgId, collectionId, writes);
  }
}

export function definition(
  mode: 'incremental' | 'full',
  direction: 'push' | 'two-way',
  a: string,
  b: string,
): SyncDefinitionInput {
  return {
    a: { connector: 'collection' },
    b: { connector: 'collection' },
    direction,
    mode,
    batchSize: 1000,
    deletes: { policy: 'propagate', guard: null },
    objects: [{ name: 'items', a, b, fields: FIELDS }],
  };
}

/**
 * Links every record of A to the record of B with the same position, as a finished first sync would, with cursors
 * at the current end of both change feeds.
 */
export async function seedLinked(
  db: Kysely<Database>,
  repos: Repositories,
  orgId: string,
  syncId: string,
  a: { key: string; id: string },
  b: { key: string; id: string },
): Promise<void> {
  const sync = (await repos.syncs.get(orgId, syncId))!;
  const def = parseSyncDefinition(sync.definition);
  const connector = collectionConnector(db, orgId);
  const clientA = await connector.object(a.key);
  const clientB = await connector.object(b.key);
  const pair = new CompiledPair(def.objects[0]!, def, { a: clientA.spec, b: clientB.spec });
  const links = new LinkRepository(db);
  const pagesB = clientB.listAll({ pageSize: 5000 })[Symbol.asyncIterator]();
  for await (const page of clientA.listAll({ pageSize: 5000 })) {
    const other = (await pagesB.next()).value as { records: { id: string; data: Record<string, unknown> }[] };
    const writes: LinkWrite[] = page.records.map((r, i) => {
      const baseA = pair.project('a', r.data);
      const baseB = pair.project('b', other.records[i]!.data);
      return {
        id: newId('lnk'),
        aId: r.id,
        bId: other.records[i]!.id,
        baseA,
        baseB,
        aChecksum: pair.checksum(baseA),
        bChecksum: pair.checksum(baseB),
        status: 'ok',
        error: null,
      };
    });
    await db
      .transaction()
      .execute((trx) => new LinkRepository(trx).upsertMany(orgId, syncId, 'items', writes));
  }
  void links;
  const end = async (collectionId: string) => {
    const row = await db
      .selectFrom('records')
      .select((eb) => eb.fn.max('change_seq').as('m'))
      .where('collection_id', '=', collectionId)
      .executeTakeFirst();
    return String(Number(row?.m ?? 0));
  };
  await repos.syncs.saveState(orgId, syncId, {
    pairs: { items: { cursorA: await end(a.id), cursorB: await end(b.id), matched: true } },
  });
}
