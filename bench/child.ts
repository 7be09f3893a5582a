/**
 * One measured sync run in its own process, so peak RSS belongs to the run alone (not to the seeding). Prints one
 * JSON line: the result counts, traffic, duration and peak RSS.
 * Usage: tsx bench/child.ts <sqlite file | postgres url> <schema|-> <orgId> <syncId>
 */
import { builtInConnectors } from '../src/connectors/registry.js';
import { SecretBox } from '../src/lib/crypto/secret-box.js';
import { createRepositories } from '../src/store/repositories/index.js';
import { runSync } from '../src/engine/run-sync.js';
import { openDatabase } from '../src/store/database.js';

const [target, schema, orgId, syncId] = process.argv.slice(2);
const store = target!.startsWith('postgres')
  ? await openDatabase({ dialect: 'postgres', url: target! }, schema && schema !== '-' ? { schema } : {})
  : await openDatabase({ dialect: 'sqlite', file: target! });
const started = process.hrtime.bigint();
const result = await runSync({
  db: store.db,
  connectors: builtInConnectors(),
  // Scenarios against a simulator store a connection sealed with the key they pass here.
  ...(process.env.DATASYNC_BENCH_KEY
    ? {
        connections: createRepositories(
          store.db,
          new SecretBox(Buffer.from(process.env.DATASYNC_BENCH_KEY, 'hex')),
        ).connections,
      }
    : {}),
  orgId: orgId!,
  syncId: syncId!,
});
const ms = Number(process.hrtime.bigint() - started) / 1e6;
await store.close();
console.log(
  JSON.stringify({
    outcome: result.outcome,
    error: result.error,
    counts: result.counts,
    traffic: result.traffic,
    ms,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
