/**
 * @module HubSpot webhooks (developers.hubspot.com/docs/api/webhooks, .../validating-requests, and the official
 * Node client's Signature.getSignature): events are POSTed as a JSON array
 * `[{eventId, subscriptionId, portalId, appId, occurredAt, subscriptionType, attemptNumber, objectId,
 * changeSource, propertyName?, propertyValue?}]` with
 * - `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp)) and
 *   `X-HubSpot-Request-Timestamp` (ms; receivers reject anything older than 5 minutes);
 * - `X-HubSpot-Signature` v1 = hex(SHA-256(client secret + raw body)) with `X-HubSpot-Signature-Version: v1`,
 *   which the docs say webhook requests carry for backwards compatibility.
 * Choices: subscriptions are set on the handle or the side channel (HubSpot: app settings); a
 * `*.propertyChange` subscription without a property name covers every property; all events of one API call
 * go out in one request (HubSpot batches up to 100); no retries.
 */
import { createHash, createHmac } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookSender } from '../kit/webhook-sender.js';
import { HUBSPOT_APP_ID, HUBSPOT_PORTAL_ID } from './hubspot-seed.js';

export interface HubSpotSubscription {
  id: number;
  /** e.g. contact.creation, contact.propertyChange, deal.deletion */
  eventType: string;
  propertyName?: string;
}

export interface HubSpotEvent {
  subscriptionType: string;
  objectId: number;
  propertyName?: string;
  propertyValue?: string;
  changeFlag?: string;
}

export function hubspotSignatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  body: string,
  ts: string,
) {
  return createHmac('sha256', clientSecret).update(`${method}${uri}${body}${ts}`, 'utf8').digest('base64');
}

export class HubSpotWebhooks {
  targetUrl: string | null = null;
  readonly subscriptions: HubSpotSubscription[] = [];
  private eventSeq = 100;

  constructor(
    private readonly clientSecret: string,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
  ) {}

  configure(targetUrl: string, eventTypes: (string | { eventType: string; propertyName?: string })[]): void {
    this.targetUrl = targetUrl;
    this.subscriptions.length = 0;
    eventTypes.forEach((e, i) =>
      this.subscriptions.push({ id: 1000 + i, ...(typeof e === 'string' ? { eventType: e } : e) }),
    );
  }

  /** Sends the events of one change (those some subscription covers) in one signed request. */
  emit(events: HubSpotEvent[], changeSource: 'CRM_UI' | 'API'): void {
    if (!this.targetUrl) return;
    const occurredAt = this.clock.now();
    const body = events.flatMap((e) => {
      const sub = this.subscriptions.find(
        (s) => s.eventType === e.subscriptionType && (!s.propertyName || s.propertyName === e.propertyName),
      );
      if (!sub) return [];
      return [
        {
          eventId: ++this.eventSeq,
          subscriptionId: sub.id,
          portalId: HUBSPOT_PORTAL_ID,
          appId: HUBSPOT_APP_ID,
          occurredAt,
          subscriptionType: e.subscriptionType,
          attemptNumber: 0,
          objectId: e.objectId,
          changeSource,
          ...(e.propertyName !== undefined
            ? { propertyName: e.propertyName, propertyValue: e.propertyValue }
            : {}),
          ...(e.changeFlag ? { changeFlag: e.changeFlag } : {}),
        },
      ];
    });
    if (body.length === 0) return;
    const rawBody = JSON.stringify(body);
    const timestamp = String(this.clock.now());
    void this.sender.send(this.targetUrl, rawBody, {
      'X-HubSpot-Signature-v3': hubspotSignatureV3(
        this.clientSecret,
        'POST',
        this.targetUrl,
        rawBody,
        timestamp,
      ),
      'X-HubSpot-Request-Timestamp': timestamp,
      'X-HubSpot-Signature': createHash('sha256')
        .update(this.clientSecret + rawBody, 'utf8')
        .digest('hex'),
      'X-HubSpot-Signature-Version': 'v1',
    });
  }
}
