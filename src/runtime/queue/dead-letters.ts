/**
 * @module Dead letters: jobs that ran out of attempts (or cannot run at all) land in `runtime_dead_letters`
 * with their last error, on both back ends, where an operator can see them and replay them.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../../store/json.js';
import type { Database } from '../../store/schema.js';
import type { DeadLetter, Job } from './queue.js';

export async function insertDeadLetter(db: Kysely<Database>, job: Job, error: string): Promise<void> {
  await db
    .insertInto('runtime_dead_letters')
    .values({
      id: newId('job'),
      job_id: job.id,
      type: job.type,
      payload: toJson(job.payload),
      attempts: job.attempt,
      error,
      created_at: nowIso(),
    })
    .execute();
}

export async function listDeadLetters(db: Kysely<Database>, limit = 100): Promise<DeadLetter[]> {
  const rows = await db
    .selectFrom('runtime_dead_letters')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    jobId: r.job_id,
    type: r.type,
    payload: fromJson<Record<string, unknown>>(r.payload),
    attempts: r.attempts,
    error: r.error,
    createdAt: r.created_at,
  }));
}
