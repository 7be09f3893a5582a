/**
 * @module `/api/v1/notifications`: what operators must know about (e.g. a sync paused after repeated failures),
 * one open issue per resource and kind, with `POST …/:id/acknowledge|resolve`. The shell's bell shows the
 * open count from `GET /api/v1/notifications?status=open`.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import type { Notification } from '../../store/repositories/notifications.js';
import type { NotificationStatus } from '../../store/schema.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const STATUSES = ['open', 'acknowledged', 'resolved'] as const;

const NotificationSchema = z
  .strictObject({
    id: z.string(),
    kind: z.string(),
    resourceType: z.string(),
    resourceId: z.string(),
    title: z.string(),
    message: z.string(),
    status: z.enum(STATUSES),
    occurrences: z.number(),
    details: z.record(z.string(), z.unknown()),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Notification' });

function view(n: Notification): z.output<typeof NotificationSchema> {
  const { orgId: _org, ...rest } = n;
  return rest;
}

function transition(verb: 'acknowledge' | 'resolve', status: NotificationStatus) {
  return defineRoute({
    method: 'POST',
    path: `/api/v1/notifications/:id/${verb}`,
    operationId: `${verb}Notification`,
    summary: verb === 'acknowledge' ? 'Mark a notification as seen and handled' : 'Close a notification',
    tag: 'notifications',
    access: 'runs:control',
    params: z.strictObject({ id: idSchema('ntf') }),
    responses: { 200: NotificationSchema },
    async handler({ params, auth, transaction }) {
      return ok(
        await transaction(async (repos, audit) => {
          if (!(await repos.notifications.get(auth.orgId, params.id))) {
            throw new DataSyncError('not_found', 'notification not found');
          }
          const n = (await repos.notifications.setStatus(auth.orgId, params.id, status))!;
          await audit({ action: `notification.${status}`, resourceType: 'notification', resourceId: n.id });
          return view(n);
        }),
      );
    },
  });
}

export const notificationRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/notifications',
    operationId: 'listNotifications',
    summary: 'Notifications, newest first; `openCount` is the number still open',
    tag: 'notifications',
    access: 'runs:read',
    query: z.strictObject({ ...pageQueryShape, status: z.enum(STATUSES).optional() }),
    responses: {
      200: pageSchema(NotificationSchema).extend({ openCount: z.number() }),
    },
    async handler({ query, auth, repos }) {
      const { cursor, limit, status } = query;
      const page = await repos.notifications.list(auth.orgId, { status }, { cursor, limit });
      return ok({
        data: page.data.map(view),
        nextCursor: page.nextCursor,
        openCount: await repos.notifications.countOpen(auth.orgId),
      });
    },
  }),
  transition('acknowledge', 'acknowledged'),
  transition('resolve', 'resolved'),
];
