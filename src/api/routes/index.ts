/**
 * @module Every route of /api/v1, one file per resource. A new resource adds its file and one line here; the
 * server mounts the list, the OpenAPI document and the docs page describe it, and the security tests walk it.
 */
import type { ApiRoute } from '../define-route.js';
import { apiKeyRoutes } from './api-keys.js';
import { auditLogRoutes } from './audit-log.js';
import { authRoutes } from './auth.js';
import { collectionRoutes } from './collections.js';
import { connectionRoutes } from './connections.js';
import { mappingRoutes } from './mappings.js';
import { meRoutes } from './me.js';
import { organizationRoutes } from './organizations.js';
import { memberRoutes } from './members.js';
import { recordRoutes } from './records.js';
import { siteRoutes } from './sites.js';
import { webhookEventRoutes } from './webhook-events.js';
import { deliveryRoutes } from './deliveries.js';
import { syncRoutes } from './syncs.js';
import { runRoutes } from './runs.js';
import { conflictRoutes } from './conflicts.js';
import { syndicationRoutes } from './syndication.js';
import { itemRevisionRoutes } from './item-revisions.js';
import { savedViewRoutes } from './saved-views.js';
import { notificationRoutes } from './notifications.js';
import { socialRoutes } from './social.js';
import { adServerRoutes } from './adserver.js';
import { alertChannelRoutes } from './alert-channels.js';
import { syncStartRoutes } from './sync-start.js';

export const API_ROUTES: readonly ApiRoute[] = [
  ...authRoutes,
  ...meRoutes,
  ...organizationRoutes,
  ...memberRoutes,
  ...apiKeyRoutes,
  ...auditLogRoutes,
  ...connectionRoutes,
  ...collectionRoutes,
  ...recordRoutes,
  ...siteRoutes,
  ...mappingRoutes,
  ...webhookEventRoutes,
  ...deliveryRoutes,
  ...syncRoutes,
  ...runRoutes,
  ...conflictRoutes,
  ...syndicationRoutes,
  ...itemRevisionRoutes,
  ...savedViewRoutes,
  ...notificationRoutes,
  ...socialRoutes,
  ...adServerRoutes,
  ...alertChannelRoutes,
  ...syncStartRoutes,
];
