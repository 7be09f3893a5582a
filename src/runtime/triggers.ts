/**
 * @module How work enters the runtime. Every trigger ends in `enqueueRun`: a run record and its job written in
 * the caller's transaction, so a run exists exactly when its job does.
 * - manual / API: `enqueueRun(db, queue, { trigger: 'manual' | 'api', … })`;
 * - cron: the scheduler (scheduler.ts);
 * - change events from the app (the outbox): `enqueueChangeEvent` inside the transaction that made the change;
 * - webhooks: `ingestWebhookEvent` stores the raw event first (deduped by the platform's event id), then
 *   enqueues its processing, in one transaction.
 */
import type { Kysely } from 'kysely';
import { newId } from '../lib/ids.js';
import { nowIso } from '../lib/time.js';
import { toJson } from '../store/json.js';
import { RunRepository, type RunTrigger } from '../store/repositories/runs.js';
import type { Database } from '../store/schema.js';
import type { Priority, Queue } from './queue/queue.js';

/** Cron-driven platform syncs must finish inside a serverless cron's limit. */
export const DEFAULT_RUN_TIMEOUT_MS = 55_000;

export interface EnqueueRunInput {
  orgId: string;
  /** Job type, and the run's kind: `sync.run` for a sync. */
  kind: string;
  trigger: RunTrigger;
  syncId?: string | null;
  params?: Record<string, unknown>;
  priority?: Priority;
  runAt?: Date;
  /** Default: `sync:<syncId>` when there is a sync, so a sync never has two runs at once. */
  lockKey?: string | null;
  /**
   * A second request while a run with this key is still queued returns that run instead of queueing another
   * (default for manual, cron and api triggers of a sync: `run:<kind>:<syncId>`). Pass null to always queue.
   */
  dedupeKey?: string | null;
  timeoutMs?: number;
  maxAttempts?: number;
  dryRun?: boolean;
  /** Continuations carry the checkpoint and stall counter forward. */
  checkpoint?: unknown;
  continuationOf?: string;
  noProgress?: number;
}

export interface EnqueuedRun {
  runId: string;
  jobId: string;
  /** An existing queued run was returned. */
  deduped: boolean;
}

/**
 * Creates a queued run and its job in `db`: the caller's transaction, or one of its own. Never the two writes
 * apart: a consumer woken by the job's insert (Postgres notifies at commit) that finds no run yet drops the job,
 * and the run then stays queued forever (seen as a stalled test on a loaded machine).
 */
export async function enqueueRun(
  db: Kysely<Database>,
  queue: Queue,
  input: EnqueueRunInput,
): Promise<EnqueuedRun> {
  if (!db.isTransaction) return db.transaction().execute((trx) => enqueueRun(trx, queue, input));
  const lockKey = input.lockKey !== undefined ? input.lockKey : input.syncId ? `sync:${input.syncId}` : null;
  const dedupeKey =
    input.dedupeKey !== undefined
      ? input.dedupeKey
      : input.syncId && input.trigger !== 'event' && input.trigger !== 'webhook' && !input.continuationOf
        ? `run:${input.kind}:${input.syncId}`
        : null;
  const runId = newId('run');
  const enqueued = await queue.enqueue(db, {
    type: input.kind,
    payload: { runId },
    priority: input.priority ?? 'default',
    ...(input.runAt ? { runAt: input.runAt } : {}),
    ...(lockKey ? { lockKey } : {}),
    ...(dedupeKey ? { dedupeKey } : {}),
    ...(input.timeoutMs ? { timeoutMs: input.timeoutMs } : {}),
    ...(input.maxAttempts ? { maxAttempts: input.maxAttempts } : {}),
  });
  if (enqueued.deduped) {
    return { runId: String(enqueued.payload.runId), jobId: enqueued.jobId, deduped: true };
  }
  const runs = new RunRepository(db);
  await runs.create(input.orgId, {
    id: runId,
    syncId: input.syncId ?? null,
    kind: input.kind,
    trigger: input.trigger,
    params: input.params ?? {},
    lockKey,
    dryRun: input.dryRun ?? false,
    checkpoint: input.checkpoint ?? null,
    continuationOf: input.continuationOf ?? null,
    noProgress: input.noProgress ?? 0,
  });
  await runs.setJob(runId, enqueued.jobId);
  return { runId, jobId: enqueued.jobId, deduped: false };
}

/**
 * The outbox: call inside the transaction that changed the record, so the push is queued if and only if the
 * change commits. Changes made while the sync's event run is still queued collapse into that run: a run reads
 * the collection's change feed from its cursor, so it takes every change made before it starts, not only the
 * record that queued it (`params.recordIds` names that one, for the run's history).
 */
export function enqueueChangeEvent(
  db: Kysely<Database>,
  queue: Queue,
  input: { orgId: string; syncId: string; recordId: string; kind?: string; priority?: Priority },
): Promise<EnqueuedRun> {
  return enqueueRun(db, queue, {
    orgId: input.orgId,
    kind: input.kind ?? 'sync.run',
    trigger: 'event',
    syncId: input.syncId,
    params: { recordIds: [input.recordId] },
    dedupeKey: `event:${input.kind ?? 'sync.run'}:${input.syncId}`,
    priority: input.priority ?? 'high',
  });
}

export interface IngestedWebhook {
  eventId: string;
  /** The platform sent this event before: stored once, processed once. */
  duplicate: boolean;
  jobId: string | null;
}

/**
 * Stores an inbound webhook raw, then enqueues `webhook.process` for it, in one transaction. The HTTP route
 * calls this after verifying the signature and answers 2xx once it returns.
 */
export async function ingestWebhookEvent(
  db: Kysely<Database>,
  queue: Queue,
  input: {
    orgId: string;
    connectionId: string;
    externalId: string;
    headers: Record<string, string>;
    body: string;
    jobType?: string;
  },
): Promise<IngestedWebhook> {
  const work = async (trx: Kysely<Database>): Promise<IngestedWebhook> => {
    const id = newId('whe');
    const inserted = await trx
      .insertInto('webhook_events')
      .values({
        id,
        org_id: input.orgId,
        connection_id: input.connectionId,
        external_id: input.externalId,
        headers: toJson(input.headers),
        body: input.body,
        status: 'received',
        error: null,
        received_at: nowIso(),
        processed_at: null,
      })
      .onConflict((oc) => oc.columns(['connection_id', 'external_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) {
      const existing = await trx
        .selectFrom('webhook_events')
        .select('id')
        .where('connection_id', '=', input.connectionId)
        .where('external_id', '=', input.externalId)
        .executeTakeFirstOrThrow();
      return { eventId: existing.id, duplicate: true, jobId: null };
    }
    const job = await queue.enqueue(trx, {
      type: input.jobType ?? 'webhook.process',
      payload: { webhookEventId: id, orgId: input.orgId, connectionId: input.connectionId },
      priority: 'high',
    });
    return { eventId: id, duplicate: false, jobId: job.jobId };
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

/** Asks a run to stop (queued: cancelled now and its job removed; running: its worker aborts it). */
export async function cancelRun(db: Kysely<Database>, queue: Queue, orgId: string, runId: string) {
  const run = await new RunRepository(db).requestCancel(orgId, runId);
  if (run?.status === 'cancelled' && run.jobId) await queue.cancel(run.jobId);
  return run;
}
