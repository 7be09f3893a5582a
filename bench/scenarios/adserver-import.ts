/**
 * @module Ad server import benchmark: the Broadstreet simulator (seeded with n entities over the six types, its
 * rate limit set to `rate` requests/s) over loopback HTTP, and one full import (the ad server sync pulled, levels
 * in parallel) into a fresh database. Broadstreet has no pagination: a list call answers one parent's children,
 * so the ceiling is rate × the mean list size (entities ÷ the fewest list calls the API's shape allows: the
 * networks, then per network its advertisers, zones and advertisements, per advertiser its campaigns, per
 * campaign its placements). Figures: wall time, entities/s, requests made (429s among them) and the share of the
 * ceiling reached. `npm run bench -- adserver-import [--n 10000] [--runs 1] [--dialect sqlite|postgres]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureAdServer } from '../../src/adserver/adserver-setup.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { createBroadstreetSimulator } from '../../src/simulators/broadstreet/broadstreet-simulator.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';

export interface AdServerImportOptions {
  dialect: 'sqlite' | 'postgres';
  n: number;
  /** The simulator's limit, requests per second (the connector paces itself to the same figure). */
  rate: number;
  pgUrl: string;
}

export interface AdServerImportSample {
  entities: number;
  seconds: number;
  entitiesPerSecond: number;
  requests: number;
  rejected: number;
  minRequests: number;
  ceilingPerSecond: number;
  shareOfCeiling: number;
}

export async function adServerImport(o: AdServerImportOptions): Promise<AdServerImportSample> {
  const sim = await createBroadstreetSimulator({
    seedRecords: o.n,
    rateLimit: { limit: o.rate, windowMs: 1000 },
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-bench-adserver-'));
  const schema = `t_${Math.floor(Date.now() / 1000)}_ads_${randomBytes(3).toString('hex')}`;
  const store: Store =
    o.dialect === 'sqlite'
      ? await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.db') })
      : await openDatabase({ dialect: 'postgres', url: o.pgUrl }, { schema });
  try {
    await migrateToLatest(store.db as never, store.dialect);
    const repos = createRepositories(store.db, new SecretBox(randomBytes(32)));
    const org = await repos.organizations.create({ name: 'bench', slug: `bench-ads-${Date.now()}` });
    const connection = await repos.connections.create(org.id, {
      name: 'Broadstreet',
      connector: 'broadstreet',
      settings: { baseUrl: sim.url, requestsPerSecond: o.rate },
      credentials: { accessToken: sim.credentials.accessToken! },
    });
    const setup = await ensureAdServer(store.db, org.id, connection);
    const counts = sim.account.counts();
    const entities = Object.values(counts).reduce((a, b) => a + b, 0);
    const minRequests = 1 + 3 * counts.network + counts.advertiser + counts.campaign;
    sim.log.clear();
    const started = performance.now();
    const result = await runSync({
      db: store.db,
      connectors: builtInConnectors(),
      connections: repos.connections,
      orgId: org.id,
      syncId: setup.sync.id,
      direction: 'pull',
      parallelLevels: true,
    });
    const seconds = (performance.now() - started) / 1000;
    if (result.outcome !== 'success' || result.counts.created !== entities)
      throw new Error(`import ${result.outcome}: ${result.counts.created} of ${entities} created`);
    const log = sim.log.entries();
    const rejected = log.filter((r) => r.status === 429).length;
    const ceilingPerSecond = o.rate * (entities / minRequests);
    const entitiesPerSecond = entities / seconds;
    return {
      entities,
      seconds,
      entitiesPerSecond,
      requests: log.length,
      rejected,
      minRequests,
      ceilingPerSecond,
      shareOfCeiling: entitiesPerSecond / ceilingPerSecond,
    };
  } finally {
    await store.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
    if (o.dialect === 'postgres') {
      const pg = (await import('pg')).default;
      const client = new pg.Client({ connectionString: o.pgUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}
