/**
 * @module The `delivery.send` job: sends one stored delivery (a replay from the API, an alert) to its site or
 * alert channel, signed with that target's current secret, every attempt recorded and retried with backoff by deliver.ts. An abort (cancel,
 * shutdown) stops between attempts and leaves the delivery pending.
 */
import { deliver } from '../deliveries/deliver.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import type { JobHandler } from '../runtime/handlers.js';
import { createRepositories } from '../store/repositories/index.js';

export function deliverySendHandler(box: SecretBox): JobHandler {
  return async (ctx, job, signal) => {
    const { orgId, deliveryId } = job.payload;
    if (typeof orgId !== 'string' || typeof deliveryId !== 'string') {
      return { message: 'malformed delivery.send payload: nothing done' };
    }
    const repos = createRepositories(ctx.store.db, box);
    const delivery = await repos.deliveries.get(orgId, deliveryId);
    if (!delivery || delivery.status !== 'pending') return { message: 'delivery gone or already final' };
    const secret = delivery.targetId
      ? ((await repos.sites.secret(orgId, delivery.targetId)) ??
        (await repos.alertChannels.secret(orgId, delivery.targetId)))
      : undefined;
    if (!secret) {
      await repos.deliveries.recordAttempt(
        orgId,
        delivery.id,
        {
          attempt: delivery.attempts + 1,
          statusCode: null,
          latencyMs: 0,
          responseExcerpt: null,
          error: 'the site or alert channel is gone or has no signing secret',
        },
        { status: 'failed' },
      );
      return { message: 'no signing secret: delivery failed' };
    }
    const outcome = await deliver(repos.deliveries, delivery, secret, { signal });
    return { message: `delivery ${outcome.status} after ${outcome.attempts} attempt(s)` };
  };
}
