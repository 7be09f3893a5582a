/**
 * @module Inbound webhook events as received (headers and raw body), their processing status, and the unscoped
 * connection lookup the receiver needs: a platform is not a member, its signature is what authorizes it.
 * Events are written by `ingestWebhookEvent` (runtime/triggers.ts), which dedupes by the platform's event id.
 */
import type { Kysely } from 'kysely';
import { nowIso } from '../../lib/time.js';
import { fromJson } from '../json.js';
import type { Database, WebhookEventsTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export type WebhookEventStatus = WebhookEventsTable['status'];

export interface WebhookEvent {
  id: string;
  orgId: string;
  connectionId: string;
  externalId: string;
  status: WebhookEventStatus;
  error: string | null;
  receivedAt: string;
  processedAt: string | null;
}

export interface WebhookEventDetail extends WebhookEvent {
  headers: Record<string, string>;
  body: string;
}

export interface WebhookEventFilter {
  connectionId?: string | undefined;
  status?: WebhookEventStatus | undefined;
  /** Inclusive ISO instant. */
  from?: string | undefined;
  /** Exclusive ISO instant. */
  to?: string | undefined;
}

const SUMMARY = [
  'id',
  'org_id',
  'connection_id',
  'external_id',
  'status',
  'error',
  'received_at',
  'processed_at',
] as const;

function toEvent(r: Pick<WebhookEventsTable, (typeof SUMMARY)[number]>): WebhookEvent {
  return {
    id: r.id,
    orgId: r.org_id,
    connectionId: r.connection_id,
    externalId: r.external_id,
    status: r.status,
    error: r.error,
    receivedAt: r.received_at,
    processedAt: r.processed_at,
  };
}

export class WebhookEventRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Unscoped, for the receiver only: the organization and connector of a connection id. */
  async connectionForHook(
    connectionId: string,
  ): Promise<{ id: string; orgId: string; connector: string } | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .select(['id', 'org_id', 'connector'])
      .where('id', '=', connectionId)
      .executeTakeFirst();
    return row && { id: row.id, orgId: row.org_id, connector: row.connector };
  }

  async list(orgId: string, page: PageRequest & WebhookEventFilter = {}): Promise<Page<WebhookEvent>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('webhook_events').select(SUMMARY).where('org_id', '=', orgId);
    if (page.connectionId) q = q.where('connection_id', '=', page.connectionId);
    if (page.status) q = q.where('status', '=', page.status);
    if (page.from) q = q.where('received_at', '>=', page.from);
    if (page.to) q = q.where('received_at', '<', page.to);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toEvent), limit);
  }

  async get(orgId: string, id: string): Promise<WebhookEventDetail | undefined> {
    const row = await this.db
      .selectFrom('webhook_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...toEvent(row), headers: fromJson<Record<string, string>>(row.headers) ?? {}, body: row.body };
  }

  /** Ends processing: `processed`, `ignored` (nothing to do) or `failed` with the reason. */
  async finish(
    orgId: string,
    id: string,
    status: Exclude<WebhookEventStatus, 'received'>,
    error: string | null,
  ) {
    await this.db
      .updateTable('webhook_events')
      .set({ status, error, processed_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Back to `received`, for a replay. */
  async reset(orgId: string, id: string): Promise<void> {
    await this.db
      .updateTable('webhook_events')
      .set({ status: 'received', error: null, processed_at: null })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}
