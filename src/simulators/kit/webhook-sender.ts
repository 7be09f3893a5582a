/**
 * @module Outbound webhook deliveries from a simulator to a receiver (a connector's inbound route, or a test's
 * server). The platform signs; this sends, records every attempt, and lets a test wait until nothing is in
 * flight (`idle`) instead of sleeping.
 */

export interface WebhookDelivery {
  seq: number;
  url: string;
  headers: Record<string, string>;
  /** The exact bytes that were signed and sent. */
  rawBody: string;
  status?: number;
  /** Network failure or timeout, when there was no HTTP answer. */
  error?: string;
}

export interface WebhookSenderOptions {
  /** Give up on a receiver after this long (default 10 s). */
  timeoutMs?: number;
}

export class WebhookSender {
  private readonly sent: WebhookDelivery[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private seq = 0;
  private readonly timeoutMs: number;

  constructor(options: WebhookSenderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** POSTs `rawBody` with `headers`; never throws (failures are recorded on the delivery). */
  send(url: string, rawBody: string, headers: Record<string, string>): Promise<WebhookDelivery> {
    const delivery: WebhookDelivery = {
      seq: ++this.seq,
      url,
      headers: { 'content-type': 'application/json', ...headers },
      rawBody,
    };
    this.sent.push(delivery);
    const attempt = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: delivery.headers,
          body: rawBody,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        delivery.status = response.status;
        await response.arrayBuffer().catch(() => undefined);
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
      return delivery;
    })();
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
    return attempt;
  }

  deliveries(): readonly WebhookDelivery[] {
    return this.sent;
  }

  /** Resolves once every delivery started so far (and any started meanwhile) has finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
