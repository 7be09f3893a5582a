/**
 * @module Key locks (`runtime_locks`): one holder per key, with a lease the holder renews while it works. Both
 * queue back ends use them, so "one running run per sync" means the same thing on SQLite and on Postgres, and a
 * killed holder's key frees itself when its lease runs out.
 */
import type { Kysely } from 'kysely';
import { isoAfter, nowIso } from '../../lib/time.js';
import type { Database } from '../../store/schema.js';

/** Takes `key` for `owner` unless someone else holds an unexpired lease on it. */
export async function acquireLock(
  db: Kysely<Database>,
  key: string,
  owner: string,
  jobId: string,
  leaseMs: number,
): Promise<boolean> {
  const now = nowIso();
  const row = await db
    .insertInto('runtime_locks')
    .values({ key, owner, job_id: jobId, expires_at: isoAfter(leaseMs) })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({
          owner: eb.ref('excluded.owner'),
          job_id: eb.ref('excluded.job_id'),
          expires_at: eb.ref('excluded.expires_at'),
        }))
        .where((eb) =>
          eb.or([
            eb('runtime_locks.expires_at', '<=', now),
            eb.and([eb('runtime_locks.owner', '=', owner), eb('runtime_locks.job_id', '=', jobId)]),
          ]),
        ),
    )
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

/** When the key is held by someone else, the time its lease runs out. */
export async function lockExpiry(db: Kysely<Database>, key: string): Promise<Date | undefined> {
  const row = await db
    .selectFrom('runtime_locks')
    .select('expires_at')
    .where('key', '=', key)
    .executeTakeFirst();
  return row ? new Date(row.expires_at) : undefined;
}

/** Extends every lease `owner` holds; returns the keys still held (a key missing was lost). */
export async function renewLocks(db: Kysely<Database>, owner: string, leaseMs: number): Promise<Set<string>> {
  const rows = await db
    .updateTable('runtime_locks')
    .set({ expires_at: isoAfter(leaseMs) })
    .where('owner', '=', owner)
    .returning('key')
    .execute();
  return new Set(rows.map((r) => r.key));
}

export async function releaseLock(db: Kysely<Database>, key: string, owner: string): Promise<void> {
  await db.deleteFrom('runtime_locks').where('key', '=', key).where('owner', '=', owner).execute();
}

export async function releaseLocksOf(db: Kysely<Database>, owners: string[]): Promise<number> {
  if (owners.length === 0) return 0;
  const result = await db.deleteFrom('runtime_locks').where('owner', 'in', owners).executeTakeFirst();
  return Number(result.numDeletedRows);
}
