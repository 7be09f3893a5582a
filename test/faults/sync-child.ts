/**
 * One sync run in a process of its own, the way a worker runs it, so a test can SIGKILL it at any moment.
 * Prints "started" once the store is open, "batch" after each committed batch, then one JSON line with the result.
 * Usage: node --import tsx test/faults/sync-child.ts '<{"file","key","orgId","syncId"}>'
 */
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { openDatabase } from '../../src/store/database.js';
import { createRepositories } from '../../src/store/repositories/index.js';

const options = JSON.parse(process.argv[2]!) as { file: string; key: string; orgId: string; syncId: string };
const store = await openDatabase({ dialect: 'sqlite', file: options.file });
const repos = createRepositories(store.db, new SecretBox(Buffer.from(options.key, 'hex')));
process.stdout.write('started\n');
const result = await runSync({
  db: store.db,
  connectors: builtInConnectors(),
  connections: repos.connections,
  orgId: options.orgId,
  syncId: options.syncId,
  onEvent: (e) => {
    if (e.type === 'batch_committed') process.stdout.write('batch\n');
  },
});
await store.close();
process.stdout.write(
  `${JSON.stringify({ outcome: result.outcome, counts: result.counts, error: result.error, errors: result.errors.length })}\n`,
);
