/**
 * @module `/api/v1/deliveries`: what was sent to which site, each attempt's status, latency and answer excerpt.
 * `POST …/:id/replay` sends the same bytes again as a new delivery (its own attempt series, retried with backoff,
 * signed afresh: new webhook-id and timestamp) on a worker (`delivery.send`): the request only queues it.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import {
  DeliveryRepository,
  type Delivery,
  type DeliveryAttempt,
} from '../../store/repositories/deliveries.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const STATUSES = ['pending', 'success', 'failed'] as const;

const deliveryShape = {
  id: z.string(),
  runId: z.string().nullable(),
  targetId: z.string().nullable().meta({ description: 'the site delivered to' }),
  url: z.string(),
  status: z.enum(STATUSES),
  attempts: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: TimestampSchema.nullable(),
  createdAt: TimestampSchema,
  updatedAt: TimestampSchema,
};
const DeliverySchema = z.strictObject(deliveryShape).meta({ id: 'Delivery' });
const AttemptSchema = z
  .strictObject({
    attempt: z.number().int(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number(),
    responseExcerpt: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'DeliveryAttempt' });
const DeliveryDetailSchema = z
  .strictObject({ ...deliveryShape, payload: z.unknown(), attemptLog: z.array(AttemptSchema) })
  .meta({ id: 'DeliveryDetail' });

const IdParams = z.strictObject({ id: idSchema('dlv') });
const notFound = () => new DataSyncError('not_found', 'delivery not found');

function view(d: Delivery) {
  return {
    id: d.id,
    runId: d.runId,
    targetId: d.targetId,
    url: d.url,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    nextAttemptAt: d.nextAttemptAt,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

const attemptView = (a: DeliveryAttempt) => ({ ...a });

export const deliveryRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/deliveries',
    operationId: 'listDeliveries',
    summary: 'List deliveries, newest first',
    tag: 'deliveries',
    access: 'deliveries:read',
    query: z.strictObject({
      ...pageQueryShape,
      status: z.enum(STATUSES).optional(),
      siteId: idSchema('site').optional(),
      runId: idSchema('run').optional(),
    }),
    responses: { 200: pageSchema(DeliverySchema) },
    async handler({ query, auth, repos }) {
      const { siteId, ...rest } = query;
      const page = await repos.deliveries.list(auth.orgId, {
        ...rest,
        ...(siteId ? { targetId: siteId } : {}),
      });
      return ok({ data: page.data.map(view), nextCursor: page.nextCursor });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/deliveries/:id',
    operationId: 'getDelivery',
    summary: 'One delivery with its payload and every attempt',
    tag: 'deliveries',
    access: 'deliveries:read',
    params: IdParams,
    responses: { 200: DeliveryDetailSchema },
    async handler({ params, auth, repos }) {
      const delivery = await repos.deliveries.get(auth.orgId, params.id);
      if (!delivery) throw notFound();
      const attempts = await repos.deliveries.attempts(auth.orgId, delivery.id);
      return ok({ ...view(delivery), payload: delivery.payload, attemptLog: attempts.map(attemptView) });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/deliveries/:id/replay',
    operationId: 'replayDelivery',
    summary: 'Send a delivery’s payload again, as a new delivery with its own attempts',
    tag: 'deliveries',
    access: 'deliveries:replay',
    params: IdParams,
    responses: { 202: DeliverySchema },
    async handler({ params, auth, api, audit }) {
      const queue = api.options.runtime?.queue;
      const replay = await api.app.store.db.transaction().execute(async (trx) => {
        const deliveries = new DeliveryRepository(trx);
        const original = await deliveries.get(auth.orgId, params.id);
        if (!original) throw notFound();
        if (!queue)
          throw new DataSyncError('not_implemented', 'no runtime in this process to send deliveries');
        const created = await deliveries.create(auth.orgId, {
          url: original.url,
          payload: original.payload,
          body: original.body ?? JSON.stringify(original.payload),
          runId: original.runId,
          targetId: original.targetId,
        });
        await queue.enqueue(trx, {
          type: 'delivery.send',
          payload: { orgId: auth.orgId, deliveryId: created.id, replayOf: original.id },
        });
        return created;
      });
      await audit({
        action: 'delivery.replayed',
        resourceType: 'delivery',
        resourceId: params.id,
        details: { replay: replay.id },
      });
      return { status: 202, body: view(replay) };
    },
  }),
];
