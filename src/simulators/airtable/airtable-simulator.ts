/**
 * @module The Airtable simulator: a fake of the Airtable Web API faithful to its public docs, for connector tests
 * and the offline demo.
 *
 * Docs followed: airtable.com/developers/web/api/{list-records, get-record, create-records,
 * update-multiple-records, update-record, delete-multiple-records, delete-record, errors, rate-limits,
 * webhooks-overview, create-a-webhook, list-webhook-payloads, refresh-a-webhook, model/webhooks-payload},
 * support.airtable.com "Managing API call limits" and "API: Common troubleshooting".
 *
 * Auth: `Authorization: Bearer <token>`; none → 401 AUTHENTICATION_REQUIRED, wrong → 401 UNAUTHORIZED
 * ("Invalid authentication token"); an unknown base → 403 INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND (docs example).
 * Rate limit: 5 requests/s per base and 50 requests/s per token; beyond it 429 and every request for that
 * base (or token) is refused for 30 s (docs: "must wait 30 seconds"); no Retry-After header is documented, so
 * none is sent. Writes: at most 10 records per create/update/delete request (422 INVALID_RECORDS beyond:
 * the error type is our choice, the docs only state the limit).
 */
import type { FastifyRequest } from 'fastify';
import type { PlatformErrorReply } from '../kit/platform-error.js';
import { RateLimiter, type RateLimitPolicy } from '../kit/rate-limiter.js';
import { systemClock } from '../kit/sim-clock.js';
import { startSimServer, type AuthOutcome } from '../kit/sim-server.js';
import type { SimulatorHandle, SimulatorOptions } from '../kit/simulator-handle.js';
import { WebhookSender } from '../kit/webhook-sender.js';
import { airtableError, airtableErrors } from './airtable-errors.js';
import { AirtableRecords } from './airtable-records.js';
import { registerAirtableRoutes } from './airtable-routes.js';
import { AIRTABLE_BASE_ID, AIRTABLE_TABLE_ID, AIRTABLE_TOKEN, seedAirtable } from './airtable-seed.js';
import { findTable, type AirtableBase, type AirtableRecord } from './airtable-state.js';
import { AirtableWebhooks } from './airtable-webhooks.js';

export const AIRTABLE_RATE_LIMIT: RateLimitPolicy = { limit: 5, windowMs: 1000, lockoutMs: 30_000 };
export const AIRTABLE_TOKEN_RATE_LIMIT: RateLimitPolicy = { limit: 50, windowMs: 1000, lockoutMs: 30_000 };

export interface AirtableSimulatorOptions extends SimulatorOptions {
  token?: string;
}

export interface AirtableSimulator extends SimulatorHandle {
  base: AirtableBase;
  baseId: string;
  tableId: string;
  webhookRegistry: AirtableWebhooks;
  /** Plays a person editing in the Airtable UI: changes show up in listings and webhook payloads (source "client"). */
  ui: {
    create(table: string, fields: Record<string, unknown>): AirtableRecord;
    update(table: string, recordId: string, fields: Record<string, unknown>): AirtableRecord;
    destroy(table: string, recordId: string): void;
  };
}

export async function startAirtableSimulator(
  options: AirtableSimulatorOptions = {},
): Promise<AirtableSimulator> {
  const clock = options.clock ?? systemClock;
  const token = options.token ?? AIRTABLE_TOKEN;
  const base = seedAirtable(options.seedRecords ?? 25, clock.now());
  const sender = new WebhookSender();
  const webhooks = new AirtableWebhooks(base, clock, sender);
  const records = new AirtableRecords(base, clock, webhooks);
  const baseLimiter =
    options.rateLimit === false
      ? undefined
      : new RateLimiter(options.rateLimit ?? AIRTABLE_RATE_LIMIT, clock);
  const tokenLimiter =
    options.rateLimit === false
      ? undefined
      : new RateLimiter(
          options.rateLimit
            ? { ...options.rateLimit, limit: options.rateLimit.limit * 10 }
            : AIRTABLE_TOKEN_RATE_LIMIT,
          clock,
        );

  const authenticate = (request: FastifyRequest): AuthOutcome => {
    const header = request.headers.authorization;
    if (!header || !/^Bearer\s+\S/.test(header))
      return { reject: airtableError(401, 'AUTHENTICATION_REQUIRED', 'Authentication required') };
    if (header.replace(/^Bearer\s+/, '') !== token)
      return { reject: airtableError(401, 'UNAUTHORIZED', 'Invalid authentication token') };
    return { principal: token };
  };

  const baseKey = (url: string): string => {
    const m = /^\/v0\/(?:meta\/)?(?:bases\/)?(app[^/?]+)/.exec(url);
    return m?.[1] ?? 'none';
  };

  const server = await startSimServer({
    port: options.port,
    host: options.host,
    clock,
    errors: airtableErrors,
    authenticate,
    limit(request, principal) {
      const refuse = (): { reject: PlatformErrorReply } => ({ reject: airtableErrors.rateLimited(30_000) });
      if (baseLimiter && !baseLimiter.take(baseKey(request.url)).allowed) return refuse();
      if (tokenLimiter && !tokenLimiter.take(principal).allowed) return refuse();
      return undefined;
    },
    resetRateLimits() {
      baseLimiter?.reset();
      tokenLimiter?.reset();
    },
    routes: (app) => registerAirtableRoutes(app, base, records, webhooks),
    sideChannel(app) {
      app.post<{
        Body: { table?: string; recordId?: string; fields?: Record<string, unknown>; delete?: boolean };
      }>('/__sim/airtable/ui-edit', async (request, reply) => {
        const { table = AIRTABLE_TABLE_ID, recordId, fields = {} } = request.body ?? {};
        try {
          if (request.body?.delete && recordId) return (ui.destroy(table, recordId), { deleted: recordId });
          return recordId ? ui.update(table, recordId, fields) : ui.create(table, fields);
        } catch (error) {
          return reply.status(400).send({ error: error instanceof Error ? error.message : String(error) });
        }
      });
    },
  });

  const tableOf = (name: string) => {
    const table = findTable(base, name);
    if (!table) throw new Error(`no table ${name}`);
    return table;
  };
  const ui: AirtableSimulator['ui'] = {
    create: (table, fields) => records.create(tableOf(table), [{ fields }], true, 'client')[0]!,
    update: (table, recordId, fields) =>
      records.update(tableOf(table), [{ id: recordId, fields }], { replace: false, typecast: true }, 'client')
        .records[0]!,
    destroy: (table, recordId) => void records.destroy(tableOf(table), [recordId], 'client'),
  };

  return {
    platform: 'airtable',
    url: server.url,
    credentials: { token, baseId: AIRTABLE_BASE_ID, tableId: AIRTABLE_TABLE_ID, tableName: 'Tasks' },
    clock,
    faults: server.faults,
    log: server.log,
    webhooks: sender,
    base,
    baseId: AIRTABLE_BASE_ID,
    tableId: AIRTABLE_TABLE_ID,
    webhookRegistry: webhooks,
    ui,
    async close() {
      await server.close();
      await sender.idle();
    },
  };
}
