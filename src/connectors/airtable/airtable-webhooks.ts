/**
 * @module Airtable webhooks (airtable.com/developers/web/api/webhooks-overview): the notification is a thin ping
 * `{"base":{"id"},"webhook":{"id"},"timestamp"}` signed with `X-Airtable-Content-MAC: hmac-sha256=<hex>`
 * (HMAC-SHA256 keyed by the base64-decoded `macSecretBase64`, over the raw body). The ping carries no changes:
 * `parse` returns none, and `readWebhookChanges` lists the payloads (`GET …/webhooks/{id}/payloads?cursor=&limit≤50`)
 * and turns them into change events.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConnectorError } from '../sdk/errors.js';
import type { ChangeEvent, WebhookSupport } from '../sdk/types.js';
import type { AirtableClient } from './airtable-client.js';

export const AIRTABLE_PAYLOADS_PAGE = 50;

function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

export const airtableWebhooks: WebhookSupport = {
  verify(rawBody, headers, secret) {
    const given = header(headers, 'x-airtable-content-mac');
    if (!given?.startsWith('hmac-sha256=')) return false;
    const expected = createHmac('sha256', Buffer.from(secret, 'base64')).update(rawBody, 'utf8').digest();
    const actual = Buffer.from(given.slice('hmac-sha256='.length), 'hex');
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },
  parse() {
    return [];
  },
};

export interface AirtablePing {
  baseId: string;
  webhookId: string;
  timestamp: string;
}

/** Reads a verified ping's body; a body that is not a ping is a validation error. */
export function parseAirtablePing(rawBody: string): AirtablePing {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    throw new ConnectorError('validation', 'Airtable webhook: body is not JSON');
  }
  const b = body as { base?: { id?: unknown }; webhook?: { id?: unknown }; timestamp?: unknown };
  if (typeof b?.base?.id !== 'string' || typeof b.webhook?.id !== 'string')
    throw new ConnectorError('validation', 'Airtable webhook: not a notification ping');
  return { baseId: b.base.id, webhookId: b.webhook.id, timestamp: String(b.timestamp ?? '') };
}

/** The changes after `cursor` (1 = from the first payload) and the cursor to resume from. */
export async function readWebhookChanges(
  client: AirtableClient,
  webhookId: string,
  cursor: number,
  signal?: AbortSignal,
): Promise<{ events: ChangeEvent[]; cursor: number }> {
  const events: ChangeEvent[] = [];
  let next = cursor;
  for (;;) {
    const body = await client.call(
      'GET',
      `/v0/bases/${encodeURIComponent(client.options.baseId)}/webhooks/${encodeURIComponent(webhookId)}/payloads`,
      'list webhook payloads',
      {
        query: [
          ['cursor', String(next)],
          ['limit', String(AIRTABLE_PAYLOADS_PAGE)],
        ],
        ...(signal ? { signal } : {}),
      },
    );
    if (!Array.isArray(body.payloads) || typeof body.cursor !== 'number')
      throw new ConnectorError('server', 'Airtable webhook payloads: malformed response');
    for (const payload of body.payloads as {
      baseTransactionNumber?: number;
      changedTablesById?: unknown;
    }[]) {
      const tables = (payload.changedTablesById ?? {}) as Record<
        string,
        { createdRecordsById?: object; changedRecordsById?: object; destroyedRecordIds?: string[] }
      >;
      for (const [table, change] of Object.entries(tables)) {
        const n = payload.baseTransactionNumber ?? next;
        for (const id of Object.keys(change.createdRecordsById ?? {}))
          events.push({ eventId: `${webhookId}:${n}:${id}`, object: table, recordId: id, kind: 'upsert' });
        for (const id of Object.keys(change.changedRecordsById ?? {}))
          events.push({ eventId: `${webhookId}:${n}:${id}`, object: table, recordId: id, kind: 'upsert' });
        for (const id of change.destroyedRecordIds ?? [])
          events.push({ eventId: `${webhookId}:${n}:${id}`, object: table, recordId: id, kind: 'delete' });
      }
    }
    next = body.cursor;
    if (body.mightHaveMore !== true) return { events, cursor: next };
  }
}
