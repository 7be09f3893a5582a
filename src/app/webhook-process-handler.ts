/**
 * @module The `webhook.process` job: what a stored inbound webhook leads to. It queues a run (trigger `webhook`)
 * of every active sync that reads or writes the event's connection and marks the event processed (or ignored
 * when no sync uses the connection), in one transaction. The run shares the dedupe key of manual and cron runs,
 * so a burst of events while a run is still queued collapses into that one run.
 */
import type { Kysely } from 'kysely';
import type { JobHandler } from '../runtime/handlers.js';
import type { Queue } from '../runtime/queue/queue.js';
import { enqueueRun } from '../runtime/triggers.js';
import { fromJson } from '../store/json.js';
import { WebhookEventRepository } from '../store/repositories/webhook-events.js';
import type { Database } from '../store/schema.js';

/** Active syncs with `connectionId` on either side. */
export async function syncsUsingConnection(
  db: Kysely<Database>,
  orgId: string,
  connectionId: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('syncs')
    .select(['id', 'definition'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .execute();
  return rows
    .filter((row) => {
      const d = fromJson<{ a?: { connectionId?: unknown }; b?: { connectionId?: unknown } }>(row.definition);
      return d?.a?.connectionId === connectionId || d?.b?.connectionId === connectionId;
    })
    .map((row) => row.id);
}

/** Queues the runs one webhook event asks for and marks it; returns the run ids (deduped ones included). */
export async function processWebhookEvent(
  db: Kysely<Database>,
  queue: Queue,
  event: { orgId: string; connectionId: string; webhookEventId: string },
  /** Handled outside sync runs (social accounts synced): the event is processed even with no sync. */
  handledElsewhere = 0,
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const syncIds = await syncsUsingConnection(trx, event.orgId, event.connectionId);
    const runIds: string[] = [];
    for (const syncId of syncIds) {
      const run = await enqueueRun(trx, queue, {
        orgId: event.orgId,
        kind: 'sync.run',
        trigger: 'webhook',
        syncId,
        params: { webhookEventId: event.webhookEventId },
        dedupeKey: `run:sync.run:${syncId}`,
      });
      runIds.push(run.runId);
    }
    const status = syncIds.length > 0 || handledElsewhere > 0 ? 'processed' : 'ignored';
    await new WebhookEventRepository(trx).finish(
      event.orgId,
      event.webhookEventId,
      status,
      status === 'ignored' ? 'no active sync uses this connection' : null,
    );
    return runIds;
  });
}

export interface WebhookProcessOptions {
  /** Work an event leads to beside sync runs (social accounts); returns how many things it handled. */
  also?: (event: { orgId: string; connectionId: string; webhookEventId: string }) => Promise<number>;
}

export function webhookProcessHandler(options: WebhookProcessOptions = {}): JobHandler {
  return async (ctx, job) => {
    const { webhookEventId, orgId, connectionId } = job.payload;
    if (typeof webhookEventId !== 'string' || typeof orgId !== 'string' || typeof connectionId !== 'string') {
      return { message: 'malformed webhook.process payload: nothing done' };
    }
    const handled = options.also ? await options.also({ orgId, connectionId, webhookEventId }) : 0;
    const runIds = await processWebhookEvent(
      ctx.store.db,
      ctx.queue,
      { orgId, connectionId, webhookEventId },
      handled,
    );
    return {
      message: `${runIds.length} sync run(s) queued${handled ? `, ${handled} social account(s) synced` : ''}`,
    };
  };
}
