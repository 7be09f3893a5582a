/**
 * SQLite when the disk fills up or the data directory turns read-only, on a real small filesystem (a tmpfs
 * mounted for the test; skipped where mounting is not allowed). Disk full: the write that does not fit fails with
 * SQLite's "database or disk is full", a sync run ends `failed` with that message instead of throwing, the file
 * passes its integrity check with every committed batch whole, and once there is room again the same sync
 * finishes with nothing duplicated. Read-only: `datasync migrate` exits non-zero saying so, and the file is
 * byte-for-byte unchanged.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import { baseEnv, runCliToEnd } from '../helpers/cli.js';
import { tally } from './tally.js';

function tryMount(size: string): string | undefined {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const probe = tryMount('1m');
if (probe) {
  execFileSync('umount', [probe]);
  rmSync(probe, { recursive: true, force: true });
}

const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) {
    execFileSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

function mount(size: string): string {
  const dir = tryMount(size)!;
  mounted.push(dir);
  return dir;
}

describe.runIf(probe)('SQLite on a full or read-only disk', () => {
  it('disk full: a clear error, a failed run (not a crash), no corruption, and it finishes once there is room', async () => {
    const dir = mount('6m');
    writeFileSync(path.join(dir, 'filler'), randomBytes(2 * 1024 * 1024));
    const store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
    try {
      await migrateToLatest(store.db as never, store.dialect);
      const repos = createRepositories(store.db, new SecretBox(randomBytes(32)));
      const org = await repos.organizations.create({ name: 'Disk', slug: 'disk' });
      const a = await repos.collections.create(org.id, { key: 'a', name: 'a' });
      await repos.collections.create(org.id, { key: 'b', name: 'b' });
      const sync = await repos.syncs.create(org.id, {
        name: 'disk',
        definition: {
          a: { connector: 'collection' },
          b: { connector: 'collection' },
          direction: 'push',
          batchSize: 200,
          objects: [
            {
              name: 'items',
              a: 'a',
              b: 'b',
              fields: [
                { a: 'title', b: 'title' },
                { a: 'pad', b: 'pad' },
              ],
            },
          ],
        },
      });
      let full: Error | undefined;
      let committed = 0;
      for (let batch = 0; !full && batch < 1000; batch++) {
        try {
          await store.db.transaction().execute((trx) =>
            createRepositories(trx, new SecretBox(randomBytes(32))).records.writeMany(
              org.id,
              a.id,
              Array.from({ length: 100 }, (_, i) => ({
                data: { title: `r${batch}-${i}`, pad: randomBytes(300).toString('hex') },
              })),
            ),
          );
          committed += 100;
        } catch (error) {
          full = error as Error;
        }
      }
      expect(full?.message).toMatch(/database or disk is full/);
      expect(await repos.records.count(org.id, a.id)).toBe(committed);

      // Some room back, not enough for the whole copy: the run fails part-way and says why.
      rmSync(path.join(dir, 'filler'));
      const run = () =>
        runSync({ db: store.db, connectors: builtInConnectors(), orgId: org.id, syncId: sync.id });
      const failed = await run();
      expect(failed.outcome).toBe('failed');
      expect(failed.error?.message).toMatch(/disk is full/);
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(store.db);
      expect(check.rows[0]?.integrity_check).toBe('ok');
      expect(await repos.records.count(org.id, a.id)).toBe(committed);

      execFileSync('mount', ['-o', 'remount,size=64m', dir]);
      const done = await run();
      expect(done.outcome, JSON.stringify(done.error)).toBe('success');
      const b = (await repos.collections.byKey(org.id, 'b'))!;
      const copied = await repos.records.count(org.id, b.id);
      const titles = await store.db
        .selectFrom('records')
        .select((eb) =>
          eb.fn
            .count<number>(sql`json_extract(data, '$.title')`)
            .distinct()
            .as('n'),
        )
        .where('collection_id', '=', b.id)
        .executeTakeFirstOrThrow();
      tally({
        suite: 'SQLite disk full',
        faultsInjected: 2,
        runsCompleted: 2,
        recordsChecked: committed + copied,
        lost: committed - copied,
        duplicated: copied - Number(titles.n),
      });
      expect(copied).toBe(committed);
      expect(Number(titles.n)).toBe(committed);
    } finally {
      await store.close();
    }
  });

  it('read-only data dir: datasync migrate exits non-zero naming the problem, the file unchanged', async () => {
    const dir = mount('16m');
    const file = path.join(dir, 'datasync.db');
    const store = await openDatabase({ dialect: 'sqlite', file });
    await migrateToLatest(store.db as never, store.dialect);
    await createRepositories(store.db, new SecretBox(randomBytes(32))).organizations.create({
      name: 'RO',
      slug: 'ro',
    });
    await store.close();
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const result = await runCliToEnd(['migrate', '--data', dir], baseEnv());
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/not writable \(EROFS\)/);
    expect(result.stderr + result.stdout).not.toMatch(/\n\s+at /);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
    tally({
      suite: 'SQLite read-only data dir',
      faultsInjected: 1,
      runsCompleted: 0,
      recordsChecked: 1,
      lost: 0,
      duplicated: 0,
    });
  });
});
