/**
 * @module HubSpot webhooks v3 (developers.hubspot.com/docs/api/webhooks/validating-requests):
 * `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app client secret, method + URI + raw body + timestamp)) with
 * `X-HubSpot-Request-Timestamp` in ms; requests older than 5 minutes are rejected. The URI is the full URL the
 * request was sent to, which only the receiver knows: DataSync's webhook route passes it in the
 * `x-datasync-request-url` header (set by the route from the incoming request, never taken from the sender),
 * and the method in `x-datasync-request-method` (default POST). The body is an array of events; each becomes
 * one change event without the record (the engine reads it by id).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../sdk/errors.js';
import type { ChangeEvent, WebhookSupport } from '../sdk/types.js';

export const HUBSPOT_SIGNATURE_TOLERANCE_MS = 5 * 60 * 1000;
export const REQUEST_URL_HEADER = 'x-datasync-request-url';
export const REQUEST_METHOD_HEADER = 'x-datasync-request-method';

const OBJECT_BY_PREFIX: Record<string, string> = {
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  ticket: 'tickets',
  product: 'products',
  line_item: 'line_items',
};

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** Webhook support with an injectable clock (tests move time instead of waiting). */
export function hubspotWebhooks(now: () => number = Date.now): WebhookSupport {
  return {
    verify(rawBody, headers, secret) {
      const signature = header(headers, 'x-hubspot-signature-v3');
      const timestamp = header(headers, 'x-hubspot-request-timestamp');
      const url = header(headers, REQUEST_URL_HEADER);
      if (!signature || !timestamp || !url || !/^\d+$/.test(timestamp)) return false;
      if (Math.abs(now() - Number(timestamp)) > HUBSPOT_SIGNATURE_TOLERANCE_MS) return false;
      const method = (header(headers, REQUEST_METHOD_HEADER) ?? 'POST').toUpperCase();
      const expected = createHmac('sha256', secret)
        .update(`${method}${url}${rawBody}${timestamp}`, 'utf8')
        .digest();
      const actual = Buffer.from(signature, 'base64');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
    parse(rawBody) {
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        throw new ConnectorError('validation', 'HubSpot webhook: body is not JSON');
      }
      if (!Array.isArray(body))
        throw new ConnectorError('validation', 'HubSpot webhook: body is not an event array');
      const events: ChangeEvent[] = [];
      for (const raw of body) {
        const e = raw as { eventId?: unknown; subscriptionType?: unknown; objectId?: unknown };
        if (typeof e?.subscriptionType !== 'string' || e.objectId === undefined || e.eventId === undefined)
          throw new ConnectorError('validation', 'HubSpot webhook: malformed event');
        const [prefix, action] = e.subscriptionType.split('.');
        const object =
          prefix && Object.hasOwn(OBJECT_BY_PREFIX, prefix) ? OBJECT_BY_PREFIX[prefix]! : undefined;
        if (!object) continue;
        events.push({
          eventId: String(e.eventId),
          object,
          recordId: String(e.objectId),
          kind: action === 'deletion' || action === 'privacyDeletion' ? 'delete' : 'upsert',
        });
      }
      return events;
    },
  };
}
