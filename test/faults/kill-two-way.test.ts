/**
 * SIGKILL mid-sync: a two-way sync of 10,000 records between a collection (SQLite file) and the HubSpot
 * simulator over HTTP runs in a process of its own, which the test kills at a random moment, 20 times, with edits
 * and creates landing on both sides between the attempts. Then it runs to the end, and both sides must hold
 * exactly what a reference model says: one record per tag on each side (no duplicate from a create whose answer
 * died with the process), every acknowledged edit present, and one more run writes nothing.
 *
 * The model: each record has a tag (its domain, never edited) and a name; the latest edit of a name wins, and the
 * two sides edit disjoint records so no conflict policy is involved.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import {
  startHubSpotSimulator,
  type HubSpotSimulator,
} from '../../src/simulators/hubspot/hubspot-simulator.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import { checkCompanies, companiesWorld } from './companies-world.js';
import { tally } from './tally.js';

const RECORDS = 10_000;
const KILLS = 20;
const CHILD = path.resolve('test/faults/sync-child.ts');

interface ChildOutcome {
  outcome: string;
  counts: { created: number; updated: number; deleted: number };
  error?: { message: string };
}

function startChild(args: object) {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let batches = 0;
  let onBatch = () => {};
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    const seen = (out.match(/^batch$/gm) ?? []).length;
    if (seen !== batches) {
      batches = seen;
      onBatch();
    }
  });
  /** Calls `fn` once `count` batches have been committed (at once for 0). */
  const afterBatches = (count: number, fn: () => void) => {
    onBatch = () => {
      if (batches >= count) fn();
    };
    onBatch();
  };
  const exited = new Promise<{ signal: NodeJS.Signals | null; result?: ChildOutcome; stderr: string }>(
    (resolve) =>
      child.once('exit', (_code, signal) => {
        const last = out.trim().split('\n').pop() ?? '';
        resolve({
          signal,
          ...(last.startsWith('{') ? { result: JSON.parse(last) as ChildOutcome } : {}),
          stderr: err,
        });
      }),
  );
  return { child, afterBatches, exited };
}

let dir: string;
let store: Store;
let repos: Repositories;
let sim: HubSpotSimulator;
const key = randomBytes(32);

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-kill-'));
  store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
  await migrateToLatest(store.db as never, store.dialect);
  repos = createRepositories(store.db, new SecretBox(key));
  sim = await startHubSpotSimulator({ seedRecords: 0, rateLimit: false, searchRateLimit: false });
});

afterAll(async () => {
  await sim?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

it(`SIGKILLed ${KILLS} times during a ${RECORDS.toLocaleString('en-US')}-record two-way sync, it converges with nothing lost or duplicated`, async () => {
  const world = await companiesWorld(repos, sim, 'Kill');
  const { org, collection, sync, model, createLocal, localLive } = world;
  const createRemote = (count: number) => world.createRemote(count);
  const platformLive = () => world.platformLive();
  // Edits land on records the side already has; local edits take even tags, platform edits odd ones.
  const editBothSides = async (round: number) => {
    const local = (await localLive()).filter((r) => Number(String(r.data.domain).slice(1, -8)) % 2 === 0);
    const writes = pickSome(local, 50).map((r) => {
      const name = `local edit ${round} ${String(r.data.domain)}`;
      model.set(String(r.data.domain), name);
      return { id: r.id, data: { ...r.data, name } };
    });
    await repos.records.writeMany(org.id, collection.id, writes);
    const remote = platformLive().filter((o) => Number(String(o.properties.domain).slice(1, -8)) % 2 === 1);
    for (const o of pickSome(remote, 50)) {
      const name = `remote edit ${round} ${o.properties.domain}`;
      model.set(o.properties.domain!, name);
      sim.ui.update('companies', o.id, { name });
    }
  };

  await createLocal(RECORDS);
  const args = {
    file: path.join(dir, 'datasync.db'),
    key: key.toString('hex'),
    orgId: org.id,
    syncId: sync.id,
  };
  let kills = 0;
  let completed = 0;
  let attempts = 0;
  while (kills < KILLS && attempts < KILLS * 3) {
    attempts++;
    if (attempts > 1) {
      await editBothSides(attempts);
      await createLocal(10);
      createRemote(10);
    }
    const c = startChild(args);
    // A random moment among the writes: after 0-2 committed batches, 0-150 ms into the next one (a platform
    // write in flight, or its answer not yet committed).
    let timer: NodeJS.Timeout | undefined;
    c.afterBatches(Math.floor(Math.random() * 3), () => {
      timer ??= setTimeout(() => c.child.kill('SIGKILL'), Math.random() * 150);
    });
    const end = await c.exited;
    clearTimeout(timer);
    if (end.signal === 'SIGKILL') kills++;
    else {
      expect(end.result, end.stderr).toBeDefined();
      completed++;
    }
  }
  expect(kills).toBe(KILLS);

  // Run to the end: runs that fail part-way are run again, as the runtime would.
  let final: ChildOutcome | undefined;
  for (let i = 0; i < 5 && final?.outcome !== 'success'; i++) {
    const end = await startChild(args).exited;
    expect(end.result, end.stderr).toBeDefined();
    final = end.result;
    completed++;
  }
  expect(final?.outcome).toBe('success');
  const quiet = (await startChild(args).exited).result!;
  completed++;
  expect(quiet.outcome).toBe('success');
  expect(quiet.counts.created + quiet.counts.updated + quiet.counts.deleted).toBe(0);

  const { local, remote, duplicated, lost, wrong } = await checkCompanies(world);
  tally({
    suite: 'kill -9 during a 10k two-way sync',
    faultsInjected: kills,
    runsCompleted: completed,
    recordsChecked: local.length + remote.length,
    lost: lost + wrong.length,
    duplicated,
  });
  expect(duplicated).toBe(0);
  expect(lost).toBe(0);
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(local.length).toBe(model.size);
  expect(remote.length).toBe(model.size);
}, 300_000);

function pickSome<T>(items: T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}
