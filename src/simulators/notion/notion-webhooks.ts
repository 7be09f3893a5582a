/**
 * @module Notion integration webhooks (developers.notion.com/reference/webhooks, webhooks-events-delivery):
 * creating a subscription first POSTs `{"verification_token":"secret_…"}` (unsigned) to the URL; after that,
 * every event carries `X-Notion-Signature: sha256=<hex HMAC-SHA256(key = verification_token, raw body)>`.
 * Events carry ids only (`entity`), never content: receivers re-fetch the page.
 *
 * Choices: subscriptions are created from the side channel or the handle (Notion does it in its UI); each
 * change sends one event (Notion aggregates some event types); no retries of failed deliveries.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookSender } from '../kit/webhook-sender.js';
import { NOTION_WORKSPACE_ID } from './notion-seed.js';
import type { NotionDatabase } from './notion-state.js';

export type NotionEventType = 'page.created' | 'page.properties_updated' | 'page.deleted' | 'page.undeleted';

export interface NotionSubscription {
  id: string;
  url: string;
  verificationToken: string;
}

export function notionSignature(verificationToken: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', verificationToken).update(rawBody, 'utf8').digest('hex')}`;
}

export class NotionWebhooks {
  readonly subscriptions: NotionSubscription[] = [];
  readonly integrationId = randomUUID();

  constructor(
    private readonly db: NotionDatabase,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
  ) {}

  /** Creates a subscription and sends the verification request; resolves with the token it carried. */
  async subscribe(url: string): Promise<NotionSubscription> {
    const sub = {
      id: randomUUID(),
      url,
      verificationToken: `secret_${randomBytes(24).toString('base64url')}`,
    };
    this.subscriptions.push(sub);
    await this.sender.send(url, JSON.stringify({ verification_token: sub.verificationToken }), {});
    return sub;
  }

  emit(
    type: NotionEventType,
    pageId: string,
    author: { id: string; type: 'person' | 'bot' },
    updatedProperties?: string[],
  ): void {
    for (const sub of this.subscriptions) {
      const rawBody = JSON.stringify({
        id: randomUUID(),
        timestamp: new Date(this.clock.now()).toISOString(),
        workspace_id: NOTION_WORKSPACE_ID,
        workspace_name: 'DataSync simulator',
        subscription_id: sub.id,
        integration_id: this.integrationId,
        authors: [author],
        attempt_number: 1,
        type,
        entity: { id: pageId, type: 'page' },
        data: {
          parent: { id: this.db.id, type: 'database', data_source_id: this.db.dataSourceId },
          ...(updatedProperties ? { updated_properties: updatedProperties } : {}),
        },
      });
      void this.sender.send(sub.url, rawBody, {
        'X-Notion-Signature': notionSignature(sub.verificationToken, rawBody),
      });
    }
  }
}
