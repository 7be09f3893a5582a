/**
 * Peer: PouchDB with the memory adapter, replicating one database into another (CouchDB's replication protocol:
 * changes feed, revs diff, bulk docs), batch 1000. Conflicts are kept as CouchDB keeps them: a deterministic
 * winning revision plus `_conflicts`. Runs in its own process; prints one JSON line: { ms, peakRssMb, ... }.
 *   node --import tsx bench/peers/pouchdb.ts one-way <n>   replicate n documents into an empty database
 *   node --import tsx bench/peers/pouchdb.ts two-way <n>   n documents in sync, 1% changed each side, 0.5% on both
 */
import { createRequire } from 'node:module';
import { row } from '../seed.js';

const require = createRequire(import.meta.url);
const PouchDB = require('pouchdb-core')
  .plugin(require('pouchdb-adapter-memory'))
  .plugin(require('pouchdb-replication'));

const [scenario, count] = [process.argv[2], Number(process.argv[3] ?? 100_000)];
const BATCH = 1000;
const stamp = Date.now();
const a = new PouchDB(`a${stamp}`, { adapter: 'memory' });
const b = new PouchDB(`b${stamp}`, { adapter: 'memory' });

const doc = (i: number, salt = '') => ({ _id: `r${String(i).padStart(7, '0')}`, ...row(i, salt) });
async function fill(db: typeof a) {
  for (let i = 0; i < count; i += 10_000)
    await db.bulkDocs(Array.from({ length: Math.min(10_000, count - i) }, (_, k) => doc(i + k)));
}
async function edit(db: typeof a, indices: number[], salt: string) {
  const ids = indices.map((i) => doc(i)._id);
  const current = await db.allDocs({ keys: ids });
  await db.bulkDocs(
    current.rows.map((r: { value: { rev: string } }, k: number) => ({
      ...doc(indices[k]!, salt),
      _rev: r.value.rev,
    })),
  );
}

let ms: number;
let extra: Record<string, number> = {};
if (scenario === 'one-way') {
  await fill(a);
  const started = performance.now();
  await PouchDB.replicate(a, b, { batch_size: BATCH, batches_limit: 1 });
  ms = performance.now() - started;
  const info = await b.info();
  if (info.doc_count !== count) throw new Error(`target holds ${info.doc_count} of ${count}`);
} else {
  await fill(a);
  await PouchDB.replicate(a, b, { batch_size: BATCH });
  const changed = Math.round(count * 0.01);
  const both = Math.round(count * 0.005);
  const onA = [...Array(changed).keys()];
  const onB = [...onA.slice(0, both), ...Array.from({ length: changed - both }, (_, k) => count - 1 - k)];
  await edit(b, onB, '-b');
  const started = performance.now();
  await edit(a, onA, '-a');
  await PouchDB.sync(a, b, { batch_size: BATCH });
  ms = performance.now() - started;
  const conflicted = await b.allDocs({
    keys: onA.slice(0, both).map((i) => doc(i)._id),
    include_docs: true,
    conflicts: true,
  });
  extra = {
    changed: changed * 2 - both,
    conflicts: conflicted.rows.filter((r: { doc?: { _conflicts?: string[] } }) => r.doc?._conflicts?.length)
      .length,
  };
}
console.log(JSON.stringify({ ms, peakRssMb: process.resourceUsage().maxRSS / 1024, ...extra }));
