/**
 * Peer: RxDB with its memory storage, replicating against a master held in memory by the push/pull handlers
 * (RxDB's replication protocol: checkpointed pull, push with the assumed master state, three-way conflict
 * handling in which the local state wins, as DataSync's local_wins). Batch 1000. Runs in its own process; prints
 * one JSON line: { ms, peakRssMb, ... }.
 *   node --import tsx bench/peers/rxdb.ts one-way <n>   push n records to an empty master
 *   node --import tsx bench/peers/rxdb.ts two-way <n>   n records in sync, 1% changed each side, 0.5% on both
 */
import { createRxDatabase, type RxConflictHandler, type WithDeleted } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { row } from '../seed.js';

interface Doc {
  id: string;
  title: string;
  body: string;
  status: string;
  n: number;
}

const [scenario, count] = [process.argv[2], Number(process.argv[3] ?? 100_000)];
const BATCH = 1000;

const doc = (i: number, salt = ''): Doc => ({ id: `r${i}`, ...(row(i, salt) as Omit<Doc, 'id'>) });
const same = (a: WithDeleted<Doc> | undefined, b: WithDeleted<Doc> | undefined) =>
  !!a &&
  !!b &&
  a.title === b.title &&
  a.body === b.body &&
  a.status === b.status &&
  a.n === b.n &&
  a._deleted === b._deleted;

/** The master side: documents with a change sequence, and a log the pull handler reads from a checkpoint. */
const master = new Map<string, { doc: WithDeleted<Doc>; seq: number }>();
const log: string[] = [];
const put = (d: WithDeleted<Doc>) => {
  log.push(d.id);
  master.set(d.id, { doc: d, seq: log.length });
};
let conflictsSeen = 0;

const conflictHandler: RxConflictHandler<Doc> = {
  isEqual: (a, b) => same(a, b),
  // Three-way: RxDB hands over the fork's state, the master state it assumed and the real one; local wins.
  resolve: async (i) => i.newDocumentState,
};

const db = await createRxDatabase({ name: `peer${Date.now()}`, storage: getRxStorageMemory() });
await db.addCollections({
  docs: {
    schema: {
      version: 0,
      primaryKey: 'id',
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 100 },
        title: { type: 'string' },
        body: { type: 'string' },
        status: { type: 'string' },
        n: { type: 'number' },
      },
      required: ['id', 'title', 'body', 'status', 'n'],
    },
    conflictHandler,
  },
});
const collection = db.docs!;

function replicate(pull: boolean, live: boolean) {
  return replicateRxCollection<Doc, { seq: number }>({
    collection,
    replicationIdentifier: 'bench-master',
    live,
    push: {
      batchSize: BATCH,
      handler: async (rows) => {
        const conflicts: WithDeleted<Doc>[] = [];
        for (const r of rows) {
          const current = master.get(r.newDocumentState.id)?.doc;
          if (current && !same(current, r.assumedMasterState)) {
            conflictsSeen++;
            conflicts.push(current);
          } else put(r.newDocumentState);
        }
        return conflicts;
      },
    },
    ...(pull
      ? {
          pull: {
            batchSize: BATCH,
            handler: async (checkpoint: { seq: number } | undefined, batchSize: number) => {
              const documents: WithDeleted<Doc>[] = [];
              let i = checkpoint?.seq ?? 0;
              for (; i < log.length && documents.length < batchSize; i++) {
                const entry = master.get(log[i]!)!;
                if (entry.seq === i + 1) documents.push(entry.doc);
              }
              return { documents, checkpoint: { seq: i } };
            },
          },
        }
      : {}),
  });
}

const insert = async (make: (i: number) => Doc) => {
  for (let i = 0; i < count; i += 10_000)
    await collection.bulkInsert(Array.from({ length: Math.min(10_000, count - i) }, (_, k) => make(i + k)));
};

let ms: number;
let extra: Record<string, number> = {};
if (scenario === 'one-way') {
  await insert((i) => doc(i));
  const started = performance.now();
  const state = replicate(false, false);
  await state.awaitInitialReplication();
  ms = performance.now() - started;
  if (master.size !== count) throw new Error(`master holds ${master.size} of ${count}`);
  await state.cancel();
} else {
  for (let i = 0; i < count; i++) put({ ...doc(i), _deleted: false });
  const state = replicate(true, true);
  await state.awaitInitialReplication();
  const changed = Math.round(count * 0.01);
  const both = Math.round(count * 0.005);
  // Master-side edits first (pulled on the next resync), then local ones (pushed as they are written).
  for (let k = 0; k < changed; k++) {
    const i = k < both ? k : count - 1 - k;
    put({ ...doc(i, '-master'), _deleted: false });
  }
  const started = performance.now();
  await collection.bulkUpsert(Array.from({ length: changed }, (_, k) => doc(k, '-local')));
  state.reSync();
  await state.awaitInSync();
  ms = performance.now() - started;
  const lost = [...Array(changed).keys()].filter(
    (k) => master.get(`r${k}`)!.doc.title !== `Title ${k}-local`,
  );
  if (lost.length > 0) throw new Error(`${lost.length} local edits missing on the master`);
  extra = { changed: changed * 2 - both, conflicts: conflictsSeen };
  await state.cancel();
}
await db.close();
console.log(JSON.stringify({ ms, peakRssMb: process.resourceUsage().maxRSS / 1024, ...extra }));
