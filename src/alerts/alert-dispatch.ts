/**
 * @module Sending an alert out: one signed delivery per alert channel of the organization, queued in the same
 * transaction as its delivery row (the `delivery.send` job sends it, records every attempt and retries with
 * backoff), so an alert is never lost between "decided" and "sent", and each attempt shows in /deliveries.
 * Body: the Standard Webhooks shape `{"type","timestamp","data"}`.
 */
import type { Kysely } from 'kysely';
import type { Queue } from '../runtime/queue/queue.js';
import type { Repositories } from '../store/repositories/index.js';
import { createRepositories } from '../store/repositories/index.js';
import type { Database } from '../store/schema.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';

export interface Alert {
  /** e.g. `sync.auto_paused`, `alert.test`. */
  type: string;
  data: Record<string, unknown>;
}

/** Queues the alert to every channel of the org; returns the delivery ids (none when no channel is set up). */
export async function dispatchAlert(
  db: Kysely<Database>,
  box: SecretBox,
  queue: Queue,
  orgId: string,
  alert: Alert,
  only?: string,
): Promise<string[]> {
  return db.transaction().execute(async (trx) => {
    const repos: Repositories = createRepositories(trx, box);
    const channels = (await repos.alertChannels.list(orgId)).filter(
      (c) => only === undefined || c.id === only,
    );
    const ids: string[] = [];
    for (const channel of channels) {
      const delivery = await repos.deliveries.create(orgId, {
        url: channel.url,
        payload: { type: alert.type, timestamp: new Date().toISOString(), data: alert.data },
        targetId: channel.id,
      });
      await queue.enqueue(trx, { type: 'delivery.send', payload: { orgId, deliveryId: delivery.id } });
      ids.push(delivery.id);
    }
    return ids;
  });
}
