/**
 * @module Named monotonic counters (see the `counters` table). Reserving a range locks the row until the
 * transaction ends, which is what makes change sequence numbers safe to use as cursors.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

/** Reserves `count` values and returns the first; the range is [first, first + count). */
export async function reserveSequence(db: Kysely<Database>, name: string, count = 1): Promise<number> {
  const row = await db
    .insertInto('counters')
    .values({ name, value: count })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value: sql`counters.value + ${count}` }))
    .returning('value')
    .executeTakeFirstOrThrow();
  return Number(row.value) - count + 1;
}
