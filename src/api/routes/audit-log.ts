/**
 * @module `GET /api/v1/audit-log`: who did what to which resource, when and from where; newest first, filterable.
 * Read only: the log is append only and no route changes it.
 */
import { z } from 'zod';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { pageQueryShape, pageSchema, TimestampSchema } from '../schemas/common.js';

const AuditEntrySchema = z
  .strictObject({
    id: z.string(),
    actorType: z.enum(['user', 'api_key', 'system']),
    actorId: z.string().nullable(),
    action: z.string(),
    resourceType: z.string(),
    resourceId: z.string().nullable(),
    ip: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'AuditEntry' });

const token = z.string().min(1).max(200);
const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());

export const auditLogRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/audit-log',
    operationId: 'listAuditLog',
    summary: 'List audit entries, newest first',
    tag: 'audit-log',
    access: 'audit:read',
    query: z.strictObject({
      ...pageQueryShape,
      action: token.optional(),
      actorType: z.enum(['user', 'api_key', 'system']).optional(),
      actorId: token.optional(),
      resourceType: token.optional(),
      resourceId: token.optional(),
      from: instant.optional().meta({ description: 'inclusive, ISO-8601' }),
      to: instant.optional().meta({ description: 'exclusive, ISO-8601' }),
    }),
    responses: { 200: pageSchema(AuditEntrySchema) },
    async handler({ query, auth, repos }) {
      const page = await repos.auditLog.list(auth.orgId, query);
      return ok({
        data: page.data.map((e) => ({
          id: e.id,
          actorType: e.actor_type,
          actorId: e.actor_id,
          action: e.action,
          resourceType: e.resource_type,
          resourceId: e.resource_id,
          ip: e.ip,
          details: e.details,
          createdAt: e.created_at,
        })),
        nextCursor: page.nextCursor,
      });
    },
  }),
];
