/**
 * @module Synup post webhooks (docs/simulators/synup-posts.md): one event per delivery,
 * `{"id":"evt_…","type":"post.created|post.updated|post.status_changed|post.note_added|post.deleted",
 * "createdAt","data":{"post":{…}}}`, signed `x-synup-signature: <hex HMAC-SHA256(webhook secret, raw body)>`.
 * Events carry the whole post, so change events carry the record.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../sdk/errors.js';
import type { WebhookSupport } from '../sdk/types.js';
import { postToRemote, type SynupPostJson } from './synup-objects.js';

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

export const synupWebhooks: WebhookSupport = {
  verify(rawBody, headers, secret) {
    const given = header(headers, 'x-synup-signature');
    if (!given || !/^[0-9a-f]+$/i.test(given)) return false;
    const expected = createHmac('sha256', secret).update(rawBody, 'utf8').digest();
    const actual = Buffer.from(given, 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },
  parse(rawBody) {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new ConnectorError('validation', 'Synup webhook: body is not JSON');
    }
    const e = body as { id?: unknown; type?: unknown; data?: { post?: SynupPostJson } };
    if (typeof e?.id !== 'string' || typeof e.type !== 'string' || typeof e.data?.post?.id !== 'string')
      throw new ConnectorError('validation', 'Synup webhook: not a post event');
    const post = e.data.post;
    if (e.type === 'post.deleted')
      return [{ eventId: e.id, object: 'posts', recordId: post.id, kind: 'delete' }];
    return [
      { eventId: e.id, object: 'posts', recordId: post.id, kind: 'upsert', record: postToRemote(post) },
    ];
  },
};
