/**
 * @module `/api/v1/alert-channels`: where alerts go besides the admin's bell. A channel is a URL that receives
 * each alert (a sync paused after repeated failures) as a Standard Webhooks POST signed with the channel's own
 * secret, answered once at creation. `POST …/:id/test` sends a test alert through the same path (a delivery with
 * recorded attempts and retries), so an operator can check the receiver before it matters.
 */
import { z } from 'zod';
import { dispatchAlert } from '../../alerts/alert-dispatch.js';
import { DataSyncError } from '../../lib/errors.js';
import { requireQueue } from '../api-options.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { idSchema, NameSchema, TimestampSchema } from '../schemas/common.js';

const AlertChannelSchema = z
  .strictObject({ id: z.string(), name: z.string(), url: z.string(), createdAt: TimestampSchema })
  .meta({ id: 'AlertChannel' });
const IdParams = z.strictObject({ id: idSchema('con') });

function notFound(): DataSyncError {
  return new DataSyncError('not_found', 'alert channel not found');
}

export const alertChannelRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/alert-channels',
    operationId: 'listAlertChannels',
    summary: 'List the alert channels (never their secrets)',
    tag: 'alerts',
    access: 'alerts:read',
    responses: { 200: z.strictObject({ data: z.array(AlertChannelSchema), nextCursor: z.null() }) },
    async handler({ auth, repos }) {
      return ok({ data: await repos.alertChannels.list(auth.orgId), nextCursor: null });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/alert-channels',
    operationId: 'createAlertChannel',
    summary: 'Add an alert channel; its signing secret is in this answer only',
    tag: 'alerts',
    access: 'alerts:write',
    body: z
      .strictObject({
        name: NameSchema,
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2000),
      })
      .meta({ id: 'CreateAlertChannelRequest' }),
    responses: {
      201: z
        .strictObject({
          channel: AlertChannelSchema,
          secret: z
            .string()
            .meta({ description: 'the Standard Webhooks signing secret (whsec_…): shown once' }),
        })
        .meta({ id: 'CreatedAlertChannel' }),
    },
    async handler({ body, auth, transaction }) {
      return created(
        await transaction(async (repos, audit) => {
          const result = await repos.alertChannels.create(auth.orgId, body);
          await audit({
            action: 'alert_channel.created',
            resourceType: 'alert_channel',
            resourceId: result.channel.id,
            details: { name: body.name },
          });
          return result;
        }),
      );
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/alert-channels/:id',
    operationId: 'deleteAlertChannel',
    summary: 'Remove an alert channel',
    tag: 'alerts',
    access: 'alerts:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        if (!(await repos.alertChannels.delete(auth.orgId, params.id))) throw notFound();
        await audit({
          action: 'alert_channel.deleted',
          resourceType: 'alert_channel',
          resourceId: params.id,
        });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/alert-channels/:id/test',
    operationId: 'testAlertChannel',
    summary: 'Send a test alert to the channel (202 with the queued delivery)',
    tag: 'alerts',
    access: 'alerts:write',
    params: IdParams,
    responses: { 202: z.strictObject({ deliveryId: z.string() }).meta({ id: 'AlertTestQueued' }) },
    async handler({ params, auth, api, repos }) {
      const queue = requireQueue(api);
      if (!(await repos.alertChannels.get(auth.orgId, params.id))) throw notFound();
      const [deliveryId] = await dispatchAlert(
        api.app.store.db,
        api.app.box,
        queue,
        auth.orgId,
        { type: 'alert.test', data: { message: 'A test alert from DataSync.', channelId: params.id } },
        params.id,
      );
      return { status: 202, body: { deliveryId: deliveryId! } };
    },
  }),
];
