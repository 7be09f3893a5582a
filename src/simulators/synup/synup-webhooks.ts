/**
 * @module Outbound webhooks of the modelled Synup posts API: each event is POSTed as
 * `{"id":"evt_…","type":"post.status_changed","createdAt":"…","data":{"post":{…},"previousStatus"?}}` with
 * `x-synup-signature: <hex HMAC-SHA256(webhook secret, raw body)>` and `x-synup-event-id` (the idempotency
 * key). Events: post.created, post.updated, post.status_changed, post.note_added, post.deleted.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookSender } from '../kit/webhook-sender.js';
import type { SynupPost } from './synup-state.js';

export type SynupEventType =
  'post.created' | 'post.updated' | 'post.status_changed' | 'post.note_added' | 'post.deleted';
export const SYNUP_EVENT_TYPES: readonly SynupEventType[] = [
  'post.created',
  'post.updated',
  'post.status_changed',
  'post.note_added',
  'post.deleted',
];

export interface SynupWebhook {
  id: string;
  url: string;
  events: SynupEventType[];
  secret: string;
}

export function synupSignature(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('hex');
}

export class SynupWebhooks {
  readonly hooks: SynupWebhook[] = [];
  private seq = 0;

  constructor(
    private readonly defaultSecret: string,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
  ) {}

  register(url: string, events: SynupEventType[], secret = this.defaultSecret): SynupWebhook {
    const hook = { id: Buffer.from(`Webhook:${++this.seq}`).toString('base64'), url, events, secret };
    this.hooks.push(hook);
    return hook;
  }

  emit(type: SynupEventType, post: SynupPost, extra: Record<string, unknown> = {}): void {
    for (const hook of this.hooks) {
      if (!hook.events.includes(type)) continue;
      const id = `evt_${randomUUID().replace(/-/g, '')}`;
      const rawBody = JSON.stringify({
        id,
        type,
        createdAt: new Date(this.clock.now()).toISOString(),
        data: { post, ...extra },
      });
      void this.sender.send(hook.url, rawBody, {
        'x-synup-signature': synupSignature(hook.secret, rawBody),
        'x-synup-event-id': id,
      });
    }
  }
}
