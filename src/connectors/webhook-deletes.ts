/**
 * @module Deletes announced by a connection's stored webhook events (Synup `post.deleted`, Notion `page.deleted`):
 * the hook route keeps every verified event raw in `webhook_events`, so a later incremental read of the same
 * connection finds the deletes it could not list. Events are parsed with the connector's own webhook parser.
 */
import { fromJson } from '../store/json.js';
import type { ConnectorContext } from './registry.js';
import type { DeletedSince } from './sdk/tombstones.js';
import { earlier } from './sdk/tombstones.js';
import type { WebhookSupport } from './sdk/types.js';

/** Events are stamped with our clock, cursors with the platform's: read this much earlier. */
export const STORED_EVENT_OVERLAP_MS = 5 * 60_000;
const MAX_EVENTS = 10_000;

/**
 * Reads deletes from the connection's stored events; undefined when the connector was opened without a stored
 * connection (tests, ad-hoc endpoints). `sameObject` says whether an event's object names the synced one.
 */
export function storedWebhookDeletes(
  context: Pick<ConnectorContext, 'db' | 'orgId' | 'connectionId'>,
  webhooks: WebhookSupport,
  sameObject: (eventObject: string, object: string) => boolean = (a, b) => a === b,
): DeletedSince | undefined {
  const { db, orgId, connectionId } = context;
  if (!db || !connectionId) return undefined;
  return async (object, since) => {
    const rows = await db
      .selectFrom('webhook_events')
      .select(['body', 'headers'])
      .where('org_id', '=', orgId)
      .where('connection_id', '=', connectionId)
      .where('received_at', '>=', earlier(since, STORED_EVENT_OVERLAP_MS))
      .orderBy('received_at')
      .limit(MAX_EVENTS)
      .execute();
    const ids: string[] = [];
    for (const row of rows) {
      let events;
      try {
        events = webhooks.parse(row.body, fromJson<Record<string, string | undefined>>(row.headers) ?? {});
      } catch {
        continue;
      }
      for (const e of events) if (e.kind === 'delete' && sameObject(e.object, object)) ids.push(e.recordId);
    }
    return ids;
  };
}
