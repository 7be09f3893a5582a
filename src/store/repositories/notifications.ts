/**
 * @module Notifications: something an operator must know about (a sync paused after repeated failures), one
 * open issue per resource and kind. A repeat while it is open bumps its occurrence count instead of adding
 * noise; acknowledging keeps it visible as handled; resolving closes it.
 */
import type { Kysely, Selectable } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, NotificationStatus, NotificationsTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface Notification {
  id: string;
  orgId: string;
  kind: string;
  resourceType: string;
  resourceId: string;
  title: string;
  message: string;
  status: NotificationStatus;
  occurrences: number;
  details: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface NewNotification {
  kind: string;
  resourceType: string;
  resourceId: string;
  title: string;
  message: string;
  details?: Record<string, unknown>;
}

export class NotificationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Opens a notification, or bumps the one already open (or acknowledged) for this resource and kind. */
  async raise(
    orgId: string,
    input: NewNotification,
  ): Promise<{ notification: Notification; created: boolean }> {
    const now = nowIso();
    const current = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('resource_id', '=', input.resourceId)
      .where('kind', '=', input.kind)
      .where('status', 'in', ['open', 'acknowledged'])
      .executeTakeFirst();
    if (current) {
      await this.db
        .updateTable('notifications')
        .set((eb) => ({
          occurrences: eb('occurrences', '+', 1),
          message: input.message,
          status: 'open',
          updated_at: now,
        }))
        .where('id', '=', current.id)
        .execute();
      return { notification: (await this.get(orgId, current.id))!, created: false };
    }
    const row = {
      id: newId('ntf'),
      org_id: orgId,
      kind: input.kind,
      resource_type: input.resourceType,
      resource_id: input.resourceId,
      title: input.title,
      message: input.message,
      status: 'open' as const,
      occurrences: 1,
      details: toJson(input.details ?? {}),
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('notifications').values(row).execute();
    return { notification: toNotification(row), created: true };
  }

  async get(orgId: string, id: string): Promise<Notification | undefined> {
    const row = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toNotification(row);
  }

  async list(
    orgId: string,
    filter: { status?: NotificationStatus | undefined } = {},
    page: PageRequest = {},
  ): Promise<Page<Notification>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('notifications').selectAll().where('org_id', '=', orgId);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toNotification), limit);
  }

  async countOpen(orgId: string): Promise<number> {
    const row = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('status', '=', 'open')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async setStatus(orgId: string, id: string, status: NotificationStatus): Promise<Notification | undefined> {
    await this.db
      .updateTable('notifications')
      .set({ status, updated_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    return this.get(orgId, id);
  }

  /** Resolves what is open about a resource (e.g. when its sync is resumed). */
  async resolveFor(orgId: string, resourceId: string): Promise<void> {
    await this.db
      .updateTable('notifications')
      .set({ status: 'resolved', updated_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('resource_id', '=', resourceId)
      .where('status', 'in', ['open', 'acknowledged'])
      .execute();
  }
}

function toNotification(row: Selectable<NotificationsTable> | Record<string, unknown>): Notification {
  const r = row as Selectable<NotificationsTable>;
  return {
    id: r.id,
    orgId: r.org_id,
    kind: r.kind,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    title: r.title,
    message: r.message,
    status: r.status,
    occurrences: Number(r.occurrences),
    details: fromJson<Record<string, unknown>>(r.details) ?? {},
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
