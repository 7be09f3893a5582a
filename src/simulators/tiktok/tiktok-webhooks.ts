/**
 * @module TikTok webhooks (developers.tiktok.com/doc/webhooks-overview, webhooks-events, webhooks-verification):
 * events are POSTed as JSON to the app's one callback URL (set in the Developer Portal; here `setCallbackUrl`),
 * body `{"client_key","event","create_time":<unix s>,"user_openid","content":"<serialized JSON>"}`, with
 * `TikTok-Signature: t=<unix s>,s=<hex HMAC-SHA256(key = client secret, "<t>.<raw body>")>`.
 * Events sent: `video.publish.completed` (content `{"share_id"}`) when a video is published through the simulator,
 * `authorization.removed` (content `{"reason"}`) when a grant is revoked.
 * Choice: no redelivery (TikTok retries non-200 answers for 72 hours with exponential backoff; a test that needs a
 * second attempt can call `redeliver`).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookDelivery, WebhookSender } from '../kit/webhook-sender.js';

export type TikTokEvent = 'video.publish.completed' | 'video.upload.failed' | 'authorization.removed';

export function tiktokSignature(clientSecret: string, timestampS: number, rawBody: string): string {
  const s = createHmac('sha256', clientSecret).update(`${timestampS}.${rawBody}`, 'utf8').digest('hex');
  return `t=${timestampS},s=${s}`;
}

export class TikTokWebhooks {
  callbackUrl: string | undefined;

  constructor(
    private readonly clientKey: string,
    private readonly clientSecret: string,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
  ) {}

  emit(event: TikTokEvent, openId: string, content: Record<string, unknown>): void {
    if (!this.callbackUrl) return;
    const rawBody = JSON.stringify({
      client_key: this.clientKey,
      event,
      create_time: Math.floor(this.clock.now() / 1000),
      user_openid: openId,
      content: JSON.stringify(content),
    });
    void this.post(rawBody);
  }

  /** Sends a past delivery's body again, freshly signed (what TikTok's retry would do). */
  redeliver(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    return this.post(delivery.rawBody);
  }

  shareId(videoId: string): string {
    return `video.${videoId}.${randomBytes(6).toString('base64url')}`;
  }

  private post(rawBody: string): Promise<WebhookDelivery> {
    const t = Math.floor(this.clock.now() / 1000);
    return this.sender.send(this.callbackUrl!, rawBody, {
      'TikTok-Signature': tiktokSignature(this.clientSecret, t, rawBody),
    });
  }
}
