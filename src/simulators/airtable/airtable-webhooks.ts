/**
 * @module Airtable webhooks as documented (airtable.com/developers/web/api/webhooks-overview, create-a-webhook,
 * list-webhook-payloads, model/webhooks-payload):
 * - create returns `{id: "ach…", macSecretBase64, expirationTime}` (7 days; refresh or list payloads extends);
 *   at most 10 webhooks per base;
 * - every change becomes a payload with an increasing `baseTransactionNumber`, read with
 *   `GET …/payloads?cursor=N&limit≤50` → `{payloads, cursor, mightHaveMore}`;
 * - the notification URL gets a thin ping `{"base":{"id"},"webhook":{"id"},"timestamp"}` with
 *   `X-Airtable-Content-MAC: hmac-sha256=<hex HMAC-SHA256(base64-decoded macSecretBase64, raw body)>`.
 * Choice (docs silent): one ping per change transaction; no retry of failed pings.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';
import type { WebhookSender } from '../kit/webhook-sender.js';
import type { AirtableBase, AirtableRecord } from './airtable-state.js';

export const WEBHOOK_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
export const MAX_WEBHOOKS_PER_BASE = 10;
export const MAX_PAYLOADS_PER_PAGE = 50;

export interface AirtablePayload {
  timestamp: string;
  baseTransactionNumber: number;
  actionMetadata: { source: string; sourceMetadata: Record<string, unknown> };
  payloadFormat: 'v0';
  changedTablesById: Record<string, unknown>;
}

export interface AirtableWebhook {
  id: string;
  notificationUrl: string | null;
  macSecretBase64: string;
  specification: { options: { filters: { dataTypes: string[]; recordChangeScope?: string } } };
  createdMs: number;
  expirationMs: number;
  /** Payload for transaction n is payloads[n - 1]. */
  payloads: AirtablePayload[];
  lastNotificationResult: { success: boolean; completionTimestamp: string; durationMs: number } | null;
}

/** One change transaction on one table, as the payload describes it. */
export interface TableChange {
  tableId: string;
  created: AirtableRecord[];
  changed: { record: AirtableRecord; changedFieldIds: string[]; previous: Record<string, unknown> }[];
  destroyed: string[];
}

/** `hmac-sha256=<hex>` over the raw body, keyed by the base64-decoded MAC secret. */
export function airtableContentMac(macSecretBase64: string, rawBody: string): string {
  const key = Buffer.from(macSecretBase64, 'base64');
  return `hmac-sha256=${createHmac('sha256', key).update(rawBody, 'utf8').digest('hex')}`;
}

export class AirtableWebhooks {
  readonly hooks = new Map<string, AirtableWebhook>();

  constructor(
    private readonly base: AirtableBase,
    private readonly clock: SimClock,
    private readonly sender: WebhookSender,
  ) {}

  create(notificationUrl: string | null, specification: AirtableWebhook['specification']): AirtableWebhook {
    const now = this.clock.now();
    const hook: AirtableWebhook = {
      id: this.base.ids.webhook(),
      notificationUrl,
      macSecretBase64: randomBytes(32).toString('base64'),
      specification,
      createdMs: now,
      expirationMs: now + WEBHOOK_LIFETIME_MS,
      payloads: [],
      lastNotificationResult: null,
    };
    this.hooks.set(hook.id, hook);
    return hook;
  }

  isActive(hook: AirtableWebhook): boolean {
    return this.clock.now() < hook.expirationMs;
  }

  extend(hook: AirtableWebhook): void {
    if (this.isActive(hook)) hook.expirationMs = this.clock.now() + WEBHOOK_LIFETIME_MS;
  }

  /** Records a change transaction on every active webhook whose specification covers it, then pings. */
  record(change: TableChange, source: 'publicApi' | 'client'): void {
    if (change.created.length + change.changed.length + change.destroyed.length === 0) return;
    const timestamp = new Date(this.clock.now()).toISOString();
    for (const hook of this.hooks.values()) {
      const filters = hook.specification.options.filters;
      if (!this.isActive(hook) || !filters.dataTypes.includes('tableData')) continue;
      if (filters.recordChangeScope && filters.recordChangeScope !== change.tableId) continue;
      const tableChanges: Record<string, unknown> = {};
      if (change.created.length)
        tableChanges.createdRecordsById = Object.fromEntries(
          change.created.map((r) => [
            r.id,
            { createdTime: new Date(r.createdMs).toISOString(), cellValuesByFieldId: r.cells },
          ]),
        );
      if (change.changed.length)
        tableChanges.changedRecordsById = Object.fromEntries(
          change.changed.map(({ record, changedFieldIds, previous }) => [
            record.id,
            {
              current: { cellValuesByFieldId: pick(record.cells, changedFieldIds) },
              previous: { cellValuesByFieldId: pick(previous, changedFieldIds) },
            },
          ]),
        );
      if (change.destroyed.length) tableChanges.destroyedRecordIds = change.destroyed;
      hook.payloads.push({
        timestamp,
        baseTransactionNumber: hook.payloads.length + 1,
        actionMetadata: { source, sourceMetadata: {} },
        payloadFormat: 'v0',
        changedTablesById: { [change.tableId]: tableChanges },
      });
      if (hook.notificationUrl) this.ping(hook, hook.notificationUrl, timestamp);
    }
  }

  private ping(hook: AirtableWebhook, url: string, timestamp: string): void {
    const rawBody = JSON.stringify({ base: { id: this.base.id }, webhook: { id: hook.id }, timestamp });
    const started = this.clock.now();
    void this.sender
      .send(url, rawBody, { 'X-Airtable-Content-MAC': airtableContentMac(hook.macSecretBase64, rawBody) })
      .then((delivery) => {
        hook.lastNotificationResult = {
          success: delivery.status !== undefined && delivery.status >= 200 && delivery.status < 300,
          completionTimestamp: new Date(this.clock.now()).toISOString(),
          durationMs: this.clock.now() - started,
        };
      });
  }

  /** The API shape of a webhook in "list webhooks". */
  json(hook: AirtableWebhook) {
    const active = this.isActive(hook);
    return {
      id: hook.id,
      type: 'client',
      isHookEnabled: active,
      notificationUrl: hook.notificationUrl,
      cursorForNextPayload: hook.payloads.length + 1,
      areNotificationsEnabled: active && hook.notificationUrl !== null,
      lastSuccessfulNotificationTime: hook.lastNotificationResult?.success
        ? hook.lastNotificationResult.completionTimestamp
        : null,
      lastNotificationResult: hook.lastNotificationResult,
      expirationTime: new Date(hook.expirationMs).toISOString(),
      specification: hook.specification,
    };
  }
}

function pick(cells: Record<string, unknown>, ids: string[]): Record<string, unknown> {
  return Object.fromEntries(ids.map((id) => [id, cells[id] ?? null]));
}
