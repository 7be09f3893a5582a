/**
 * @module Notion webhooks (developers.notion.com/reference/webhooks): the subscription's first POST carries
 * `{"verification_token":"secret_…"}` unsigned (read it with `notionVerificationToken` and store it as the
 * secret); every event after it is signed `X-Notion-Signature: sha256=<hex HMAC-SHA256(verification_token,
 * raw body)>`. Events carry ids only, so change events have no record: the engine re-reads the page.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../sdk/errors.js';
import type { ChangeEvent, WebhookSupport } from '../sdk/types.js';

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/**
 * The token of a subscription's verification request, or undefined when the body is anything else: the request
 * is a JSON object with `verification_token` as its one field (an event always has `id` and `type`).
 */
export function notionVerificationToken(rawBody: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  const token = (body as { verification_token?: unknown }).verification_token;
  if (keys.length !== 1 || typeof token !== 'string') return undefined;
  return /^[\x21-\x7e]{8,500}$/.test(token) ? token : undefined;
}

const DELETES = new Set(['page.deleted']);
const UPSERTS = new Set([
  'page.created',
  'page.properties_updated',
  'page.content_updated',
  'page.undeleted',
  'page.moved',
  'page.unlocked',
  'page.locked',
]);

export const notionWebhooks: WebhookSupport = {
  verify(rawBody, headers, secret) {
    const given = header(headers, 'x-notion-signature');
    if (!given?.startsWith('sha256=')) return false;
    const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
    const actual = Buffer.from(given.slice('sha256='.length), 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },
  parse(rawBody) {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new ConnectorError('validation', 'Notion webhook: body is not JSON');
    }
    const e = body as {
      id?: unknown;
      type?: unknown;
      entity?: { id?: unknown; type?: unknown };
      data?: { parent?: { id?: unknown; data_source_id?: unknown } };
    };
    if (typeof e?.id !== 'string' || typeof e.type !== 'string' || typeof e.entity?.id !== 'string')
      throw new ConnectorError('validation', 'Notion webhook: not an event');
    if (e.entity.type !== 'page' || (!DELETES.has(e.type) && !UPSERTS.has(e.type))) return [];
    const parent = e.data?.parent;
    const object = typeof parent?.id === 'string' ? parent.id : '';
    const event: ChangeEvent = {
      eventId: e.id,
      object,
      recordId: e.entity.id,
      kind: DELETES.has(e.type) ? 'delete' : 'upsert',
    };
    return [event];
  },
};
