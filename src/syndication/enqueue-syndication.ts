/**
 * @module How a syndication run starts: from the API (a person pressing Run sync) or the hourly cron. Both end in
 * `enqueueRun`, in the caller's transaction. One organization's syndication runs never overlap (lock key), and a
 * second request while one is still queued returns the queued one when it asks for the same thing.
 */
import type { Kysely } from 'kysely';
import type { Queue } from '../runtime/queue/queue.js';
import type { ScheduleEntry } from '../runtime/scheduler.js';
import { enqueueRun, type EnqueuedRun } from '../runtime/triggers.js';
import type { RunTrigger } from '../store/repositories/runs.js';
import type { Database } from '../store/schema.js';
import { SYNDICATION_RUN, type SyndicationRunParams } from './syndication-run-handler.js';

/** Hourly, on the hour: the default syndication schedule of every organization with sites. */
export const SYNDICATION_CRON = '0 * * * *';

export function enqueueSyndicationRun(
  db: Kysely<Database>,
  queue: Queue,
  input: { orgId: string; trigger: RunTrigger } & SyndicationRunParams,
): Promise<EnqueuedRun> {
  const params: Record<string, unknown> = {};
  if (input.siteIds) params.siteIds = [...new Set(input.siteIds)];
  if (input.force) params.force = true;
  const scope = input.siteIds ? [...new Set(input.siteIds)].sort().join(',') : '*';
  return enqueueRun(db, queue, {
    orgId: input.orgId,
    kind: SYNDICATION_RUN,
    trigger: input.trigger,
    params,
    lockKey: `syndication:${input.orgId}`,
    dedupeKey: `run:${SYNDICATION_RUN}:${input.orgId}:${scope}:${input.force ? 'force' : ''}`,
    // Sites retry inside the job; a job-level retry would re-send to the sites that succeeded.
    maxAttempts: 1,
  });
}

/** One hourly schedule per organization that has sites, for `Scheduler.addSource`. */
export function syndicationSchedules(db: Kysely<Database>, queue: Queue): () => Promise<ScheduleEntry[]> {
  return async () => {
    const orgs = await db.selectFrom('sites').select('org_id').distinct().execute();
    return orgs.map(({ org_id: orgId }) => ({
      key: `syndication:${orgId}`,
      cron: SYNDICATION_CRON,
      enqueue: (trx: Kysely<Database>) => enqueueSyndicationRun(trx, queue, { orgId, trigger: 'cron' }),
    }));
  };
}
