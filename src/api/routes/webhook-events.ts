/**
 * @module `/api/v1/webhook-events`: inbound webhooks as received (headers and raw body), newest first, with their
 * processing status; `POST …/:id/replay` processes one again (its sync runs are queued anew).
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import { WebhookEventRepository, type WebhookEvent } from '../../store/repositories/webhook-events.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const STATUSES = ['received', 'processed', 'failed', 'ignored'] as const;

const eventShape = {
  id: z.string(),
  connectionId: z.string(),
  externalId: z
    .string()
    .meta({ description: 'the platform’s event id (or the body digest): unique per connection' }),
  status: z.enum(STATUSES),
  error: z.string().nullable(),
  receivedAt: TimestampSchema,
  processedAt: TimestampSchema.nullable(),
};
const WebhookEventSchema = z.strictObject(eventShape).meta({ id: 'WebhookEvent' });
const WebhookEventDetailSchema = z
  .strictObject({
    ...eventShape,
    headers: z.record(z.string(), z.string()),
    body: z.string().meta({ description: 'the raw body, byte for byte as signed' }),
  })
  .meta({ id: 'WebhookEventDetail' });

const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
const IdParams = z.strictObject({ id: idSchema('whe') });

function view(e: WebhookEvent) {
  return {
    id: e.id,
    connectionId: e.connectionId,
    externalId: e.externalId,
    status: e.status,
    error: e.error,
    receivedAt: e.receivedAt,
    processedAt: e.processedAt,
  };
}

const notFound = () => new DataSyncError('not_found', 'webhook event not found');

export const webhookEventRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/webhook-events',
    operationId: 'listWebhookEvents',
    summary: 'List inbound webhook events, newest first',
    tag: 'webhook-events',
    access: 'webhook_events:read',
    query: z.strictObject({
      ...pageQueryShape,
      connectionId: idSchema('con').optional(),
      status: z.enum(STATUSES).optional(),
      from: instant.optional().meta({ description: 'received at or after, ISO-8601' }),
      to: instant.optional().meta({ description: 'received before, ISO-8601' }),
    }),
    responses: { 200: pageSchema(WebhookEventSchema) },
    async handler({ query, auth, repos }) {
      const page = await repos.webhookEvents.list(auth.orgId, query);
      return ok({ data: page.data.map(view), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/webhook-events/:id',
    operationId: 'getWebhookEvent',
    summary: 'One webhook event with its headers and raw body',
    tag: 'webhook-events',
    access: 'webhook_events:read',
    params: IdParams,
    responses: { 200: WebhookEventDetailSchema },
    async handler({ params, auth, repos }) {
      const event = await repos.webhookEvents.get(auth.orgId, params.id);
      if (!event) throw notFound();
      return ok({ ...view(event), headers: event.headers, body: event.body });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/webhook-events/:id/replay',
    operationId: 'replayWebhookEvent',
    summary: 'Process a webhook event again: its syncs get a run queued',
    tag: 'webhook-events',
    access: 'runs:control',
    params: IdParams,
    responses: { 202: WebhookEventSchema },
    async handler({ params, auth, api, audit }) {
      const queue = api.options.runtime?.queue;
      const event = await api.app.store.db.transaction().execute(async (trx) => {
        const events = new WebhookEventRepository(trx);
        const found = await events.get(auth.orgId, params.id);
        if (!found) throw notFound();
        if (!queue)
          throw new DataSyncError('not_implemented', 'no runtime in this process to process webhooks');
        await events.reset(auth.orgId, found.id);
        await queue.enqueue(trx, {
          type: 'webhook.process',
          payload: { webhookEventId: found.id, orgId: auth.orgId, connectionId: found.connectionId },
          priority: 'high',
        });
        return { ...found, status: 'received' as const, error: null, processedAt: null };
      });
      await audit({ action: 'webhook_event.replayed', resourceType: 'webhook_event', resourceId: event.id });
      return { status: 202, body: view(event) };
    },
  }),
];
