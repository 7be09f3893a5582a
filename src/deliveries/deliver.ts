/**
 * @module One delivery from creation to a final state: every attempt recorded, retried with backoff while the
 * failure is retryable and attempts remain. Runs inside a job; an abort (cancel, timeout, shutdown) stops
 * between attempts and leaves the delivery pending for a replay.
 */
import { setTimeout as wait } from 'node:timers/promises';
import type { Delivery, DeliveryRepository } from '../store/repositories/deliveries.js';
import { backoffDelay, sendSigned, type SendResult } from './sender.js';

export interface DeliverOptions {
  maxAttempts?: number;
  timeoutMs?: number;
  /** Delay before attempt n+1 after attempt n failed; defaults to backoffDelay. */
  delayMs?: (attempt: number, last: SendResult) => number;
  signal?: AbortSignal;
  onAttempt?: (attempt: number, result: SendResult) => void;
}

export interface DeliverOutcome {
  status: Delivery['status'];
  attempts: number;
  last: SendResult;
}

export async function deliver(
  deliveries: DeliveryRepository,
  delivery: Delivery,
  secret: string,
  options: DeliverOptions = {},
): Promise<DeliverOutcome> {
  const maxAttempts = options.maxAttempts ?? 5;
  // The stored bytes, not the payload re-encoded: jsonb reorders keys, and a replay must send what was sent.
  const body = delivery.body ?? JSON.stringify(delivery.payload);
  let attempt = delivery.attempts;
  for (;;) {
    attempt += 1;
    const result = await sendSigned({
      url: delivery.url,
      secret,
      body,
      deliveryId: delivery.id,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    options.onAttempt?.(attempt, result);
    const again =
      !result.ok && result.retryable && attempt - delivery.attempts < maxAttempts && !options.signal?.aborted;
    const delay = again
      ? Math.max(
          result.retryAfterMs ?? 0,
          options.delayMs ? options.delayMs(attempt, result) : backoffDelay(attempt),
        )
      : 0;
    const status = result.ok ? 'success' : again || options.signal?.aborted ? 'pending' : 'failed';
    await deliveries.recordAttempt(
      delivery.orgId,
      delivery.id,
      {
        attempt,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseExcerpt: result.responseExcerpt,
        error: result.error,
      },
      { status, nextAttemptAt: again ? new Date(Date.now() + delay).toISOString() : null },
    );
    if (!again) return { status, attempts: attempt, last: result };
    try {
      await wait(delay, undefined, options.signal ? { signal: options.signal } : {});
    } catch {
      return { status: 'pending', attempts: attempt, last: result };
    }
  }
}
