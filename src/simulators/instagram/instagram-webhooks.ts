/**
 * @module Meta webhooks for Instagram (developers.facebook.com/docs/instagram-platform/webhooks, graph-api/webhooks/
 * getting-started): subscribing a callback URL first sends a verification GET
 * `?hub.mode=subscribe&hub.challenge=<number>&hub.verify_token=<yours>`; the endpoint must answer 200 with the
 * challenge as its body, or the subscription is not made. Each event is then a POST of
 * `{"object":"instagram","entry":[{"id":<ig-user-id>,"time":<unix s>,"changes":[{"field","value"}]}]}` with
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` (and the legacy `X-Hub-Signature: sha1=…`).
 *
 * Fields sent: `comments` (documented: a comment on the account's media). Meta documents no field for "new media
 * published"; with `mediaEvents` on, the simulator also sends a `media` change `{"media_id","media_product_type"}`
 * when a post is published. That field is a simulator extension, off by default. No retries of failed deliveries.
 */
import { createHmac, randomInt } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookSender } from '../kit/webhook-sender.js';

export interface InstagramSubscription {
  callbackUrl: string;
  verifyToken: string;
}

export interface VerificationResult {
  verified: boolean;
  status?: number;
  error?: string;
}

export function hubSignature256(appSecret: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex')}`;
}

export class InstagramWebhooks {
  readonly subscriptions: InstagramSubscription[] = [];

  constructor(
    private readonly appSecret: string,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
    readonly mediaEvents: boolean,
  ) {}

  /** Runs the verification handshake; the subscription exists only if the endpoint echoed the challenge. */
  async subscribe(callbackUrl: string, verifyToken: string): Promise<VerificationResult> {
    const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
    const url = new URL(callbackUrl);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.challenge', challenge);
    url.searchParams.set('hub.verify_token', verifyToken);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.text()).trim();
      if (response.status !== 200 || body !== challenge) return { verified: false, status: response.status };
      this.subscriptions.push({ callbackUrl, verifyToken });
      return { verified: true, status: 200 };
    } catch (error) {
      return { verified: false, error: error instanceof Error ? error.message : String(error) };
    }
  }

  emit(igUserId: string, field: string, value: Record<string, unknown>): void {
    const rawBody = JSON.stringify({
      object: 'instagram',
      entry: [{ id: igUserId, time: Math.floor(this.clock.now() / 1000), changes: [{ field, value }] }],
    });
    for (const sub of this.subscriptions)
      void this.sender.send(sub.callbackUrl, rawBody, {
        'X-Hub-Signature-256': hubSignature256(this.appSecret, rawBody),
        'X-Hub-Signature': `sha1=${createHmac('sha1', this.appSecret).update(rawBody, 'utf8').digest('hex')}`,
      });
  }
}
