/**
 * @module Outbound deliveries and their attempts: what was sent where, each try's status, latency and a short
 * excerpt of the answer, so an operator can see why a site failed and replay it.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, DeliveriesTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface Delivery {
  id: string;
  orgId: string;
  runId: string | null;
  targetId: string | null;
  url: string;
  payload: unknown;
  /** The exact bytes sent (null for deliveries made before migration 0010: send the payload re-encoded). */
  body: string | null;
  status: DeliveriesTable['status'];
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttempt {
  attempt: number;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string | null;
  error: string | null;
  createdAt: string;
}

function toDelivery(r: { [K in keyof DeliveriesTable]?: unknown }): Delivery {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    runId: (r.run_id as string | null) ?? null,
    targetId: (r.target_id as string | null) ?? null,
    url: r.url as string,
    payload: fromJson(r.payload),
    body: (r.body as string | null | undefined) ?? null,
    status: r.status as Delivery['status'],
    attempts: Number(r.attempts),
    lastStatusCode:
      r.last_status_code === null || r.last_status_code === undefined ? null : Number(r.last_status_code),
    lastError: (r.last_error as string | null) ?? null,
    nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
  };
}

export class DeliveryRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    orgId: string,
    input: {
      url: string;
      payload: unknown;
      /** The exact request body; defaults to the payload as JSON. A replay passes the original's. */
      body?: string;
      runId?: string | null;
      targetId?: string | null;
    },
  ): Promise<Delivery> {
    const now = nowIso();
    const row = {
      id: newId('dlv'),
      org_id: orgId,
      run_id: input.runId ?? null,
      target_id: input.targetId ?? null,
      url: input.url,
      payload: toJson(input.payload),
      body: input.body ?? JSON.stringify(input.payload),
      status: 'pending' as const,
      attempts: 0,
      last_status_code: null,
      last_error: null,
      next_attempt_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('deliveries').values(row).execute();
    return toDelivery(row);
  }

  async get(orgId: string, id: string): Promise<Delivery | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async list(
    orgId: string,
    page: PageRequest & { targetId?: string; runId?: string; status?: Delivery['status'] } = {},
  ): Promise<Page<Delivery>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('deliveries').selectAll().where('org_id', '=', orgId);
    if (page.targetId) q = q.where('target_id', '=', page.targetId);
    if (page.runId) q = q.where('run_id', '=', page.runId);
    if (page.status) q = q.where('status', '=', page.status);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    return toPage(
      (
        await q
          .orderBy('id', 'desc')
          .limit(limit + 1)
          .execute()
      ).map(toDelivery),
      limit,
    );
  }

  /** The last delivery to a target: what "replay this site's last payload" sends again. */
  async lastForTarget(orgId: string, targetId: string): Promise<Delivery | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('target_id', '=', targetId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toDelivery(row);
  }

  async recordAttempt(
    orgId: string,
    id: string,
    attempt: Omit<DeliveryAttempt, 'createdAt'>,
    outcome: { status: Delivery['status']; nextAttemptAt?: string | null },
  ): Promise<void> {
    const now = nowIso();
    await this.db
      .insertInto('delivery_attempts')
      .values({
        delivery_id: id,
        org_id: orgId,
        attempt: attempt.attempt,
        status_code: attempt.statusCode,
        latency_ms: Math.round(attempt.latencyMs),
        response_excerpt: attempt.responseExcerpt,
        error: attempt.error,
        created_at: now,
      })
      .execute();
    await this.db
      .updateTable('deliveries')
      .set({
        status: outcome.status,
        attempts: attempt.attempt,
        last_status_code: attempt.statusCode,
        last_error: attempt.error,
        next_attempt_at: outcome.nextAttemptAt ?? null,
        updated_at: now,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async attempts(orgId: string, id: string): Promise<DeliveryAttempt[]> {
    const rows = await this.db
      .selectFrom('delivery_attempts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('delivery_id', '=', id)
      .orderBy('attempt')
      .execute();
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      statusCode: r.status_code === null ? null : Number(r.status_code),
      latencyMs: Number(r.latency_ms),
      responseExcerpt: r.response_excerpt,
      error: r.error,
      createdAt: r.created_at,
    }));
  }
}
