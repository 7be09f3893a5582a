/**
 * @module The audit log: append only (no update or delete here, by design), scoped per organization.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { AuditLogTable, Database } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface AuditEntry extends Omit<AuditLogTable, 'details'> {
  details: Record<string, unknown>;
}

export interface AuditInput {
  actorType: AuditLogTable['actor_type'];
  actorId: string | null;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** List filters; `from` is inclusive and `to` exclusive (ISO-8601 UTC). */
export interface AuditFilter {
  action?: string | undefined;
  actorType?: AuditLogTable['actor_type'] | undefined;
  actorId?: string | undefined;
  resourceType?: string | undefined;
  resourceId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export class AuditLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(orgId: string, input: AuditInput): Promise<AuditEntry> {
    const details = input.details ?? {};
    const row = {
      id: newId('aud'),
      org_id: orgId,
      actor_type: input.actorType,
      actor_id: input.actorId,
      action: input.action,
      resource_type: input.resourceType,
      resource_id: input.resourceId ?? null,
      ip: input.ip ?? null,
      created_at: nowIso(),
    };
    await this.db
      .insertInto('audit_log')
      .values({ ...row, details: toJson(details) })
      .execute();
    return { ...row, details };
  }

  async list(orgId: string, page: PageRequest & AuditFilter = {}): Promise<Page<AuditEntry>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
    if (page.action) q = q.where('action', '=', page.action);
    if (page.actorType) q = q.where('actor_type', '=', page.actorType);
    if (page.actorId) q = q.where('actor_id', '=', page.actorId);
    if (page.resourceType) q = q.where('resource_type', '=', page.resourceType);
    if (page.resourceId) q = q.where('resource_id', '=', page.resourceId);
    if (page.from) q = q.where('created_at', '>=', page.from);
    if (page.to) q = q.where('created_at', '<', page.to);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows.map((r) => ({ ...r, details: fromJson<Record<string, unknown>>(r.details) })),
      limit,
    );
  }
}
