/**
 * @module `/api/v1/sites`: destinations of content syndication. Each site is backed by a `webhook` connection
 * holding its signing secret; the secret is answered once, at creation and at rotation, never again. A site can
 * point at the built-in receiver (`builtin:receiver`) and, in simulate mode, make it fail a share of requests.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import type { Site } from '../../store/repositories/sites.js';
import { BUILTIN_RECEIVER_URL } from '../../syndication/site-url.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { idSchema, NameSchema, TimestampSchema } from '../schemas/common.js';

const SlugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lowercase letters, digits and dashes');
const UrlSchema = z.union([
  z.literal(BUILTIN_RECEIVER_URL),
  z.url({ protocol: /^https?$/, error: `must be an http(s) URL or "${BUILTIN_RECEIVER_URL}"` }).max(2000),
]);

const SiteSchema = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    url: z.string(),
    simulate: z.boolean(),
    failureRate: z.number(),
    lastStatus: z.enum(['success', 'failed']).nullable(),
    lastError: z.string().nullable(),
    lastSyncedAt: TimestampSchema.nullable(),
    failingSince: TimestampSchema.nullable().meta({ description: 'start of the current failure streak' }),
    consecutiveFailures: z.number().int(),
    disabledAt: TimestampSchema.nullable().meta({
      description: 'set when the site was disabled for failing for days: runs skip it until re-enabled',
    }),
    disabledReason: z.string().nullable(),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .meta({ id: 'Site' });

const SecretSchema = z
  .string()
  .meta({ description: 'the Standard Webhooks signing secret (whsec_…): shown once' });
const IdParams = z.strictObject({ id: idSchema('site') });
const SimulationShape = {
  simulate: z.boolean().optional(),
  failureRate: z.number().min(0).max(1).optional(),
};

type SiteView = z.output<typeof SiteSchema>;

function view(site: Site, simulation: { simulate: boolean; failureRate: number }): SiteView {
  return {
    id: site.id,
    name: site.name,
    slug: site.slug,
    url: site.url,
    ...simulation,
    lastStatus: site.lastStatus,
    lastError: site.lastError,
    lastSyncedAt: site.lastSyncedAt,
    failingSince: site.failingSince,
    consecutiveFailures: site.consecutiveFailures,
    disabledAt: site.disabledAt,
    disabledReason: site.disabledReason,
    createdAt: site.createdAt,
    updatedAt: site.updatedAt,
  };
}

function notFound(): DataSyncError {
  return new DataSyncError('not_found', 'site not found');
}

export const siteRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/sites',
    operationId: 'listSites',
    summary: 'List sites by name, with each one’s last sync result',
    tag: 'sites',
    access: 'connections:read',
    responses: { 200: z.strictObject({ data: z.array(SiteSchema), nextCursor: z.null() }) },
    async handler({ auth, repos }) {
      const sites = await repos.sites.list(auth.orgId);
      const data = await Promise.all(
        sites.map(async (s) => view(s, await repos.sites.simulation(auth.orgId, s.id))),
      );
      return ok({ data, nextCursor: null });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/sites',
    operationId: 'createSite',
    summary: 'Create a site; its signing secret is in this answer only',
    tag: 'sites',
    access: 'connections:write',
    body: z
      .strictObject({ name: NameSchema, slug: SlugSchema, url: UrlSchema, ...SimulationShape })
      .meta({ id: 'CreateSiteRequest' }),
    responses: {
      201: z.strictObject({ site: SiteSchema, secret: SecretSchema }).meta({ id: 'CreatedSite' }),
    },
    async handler({ body, auth, transaction }) {
      const result = await transaction(async (repos, audit) => {
        const { site, secret } = await repos.sites.create(auth.orgId, body);
        if (body.simulate !== undefined) {
          await repos.sites.setSimulation(auth.orgId, site.id, {
            simulate: body.simulate,
            ...(body.failureRate !== undefined ? { failureRate: body.failureRate } : {}),
          });
        }
        await audit({
          action: 'site.created',
          resourceType: 'site',
          resourceId: site.id,
          details: { slug: site.slug },
        });
        return { site: view(site, await repos.sites.simulation(auth.orgId, site.id)), secret };
      });
      return created(result);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/sites/:id',
    operationId: 'getSite',
    summary: 'One site',
    tag: 'sites',
    access: 'connections:read',
    params: IdParams,
    responses: { 200: SiteSchema },
    async handler({ params, auth, repos }) {
      const site = await repos.sites.get(auth.orgId, params.id);
      if (!site) throw notFound();
      return ok(view(site, await repos.sites.simulation(auth.orgId, site.id)));
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/sites/:id',
    operationId: 'updateSite',
    summary: 'Rename a site, move it to another URL, or change simulate mode',
    tag: 'sites',
    access: 'connections:write',
    params: IdParams,
    body: z
      .strictObject({ name: NameSchema.optional(), url: UrlSchema.optional(), ...SimulationShape })
      .refine((b) => Object.keys(b).length > 0, 'nothing to change')
      .meta({ id: 'UpdateSiteRequest' }),
    responses: { 200: SiteSchema },
    async handler({ params, body, auth, transaction }) {
      const site = await transaction(async (repos, audit) => {
        const current = await repos.sites.get(auth.orgId, params.id);
        if (!current) throw notFound();
        const { simulate, failureRate, ...fields } = body;
        if (Object.keys(fields).length > 0) await repos.sites.update(auth.orgId, params.id, fields);
        if (simulate !== undefined || failureRate !== undefined) {
          const now = await repos.sites.simulation(auth.orgId, params.id);
          await repos.sites.setSimulation(auth.orgId, params.id, {
            simulate: simulate ?? now.simulate,
            failureRate: failureRate ?? now.failureRate,
          });
        }
        await audit({
          action: 'site.updated',
          resourceType: 'site',
          resourceId: params.id,
          details: { fields: Object.keys(body) },
        });
        return view(
          (await repos.sites.get(auth.orgId, params.id))!,
          await repos.sites.simulation(auth.orgId, params.id),
        );
      });
      return ok(site);
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/sites/:id',
    operationId: 'deleteSite',
    summary: 'Delete a site with its mappings and snapshot',
    tag: 'sites',
    access: 'connections:write',
    params: IdParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        if (!(await repos.sites.delete(auth.orgId, params.id))) throw notFound();
        await audit({ action: 'site.deleted', resourceType: 'site', resourceId: params.id });
      });
      return noContent();
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/sites/:id/rotate-secret',
    operationId: 'rotateSiteSecret',
    summary: 'Replace the signing secret; the new one is in this answer only',
    tag: 'sites',
    access: 'connections:write',
    params: IdParams,
    responses: { 200: z.strictObject({ secret: SecretSchema }).meta({ id: 'RotatedSecret' }) },
    async handler({ params, auth, transaction }) {
      const secret = await transaction(async (repos, audit) => {
        const s = await repos.sites.rotateSecret(auth.orgId, params.id);
        if (!s) throw notFound();
        await audit({ action: 'site.secret_rotated', resourceType: 'site', resourceId: params.id });
        return s;
      });
      return ok({ secret });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/sites/:id/enable',
    operationId: 'enableSite',
    summary: 'Re-enable a site that was disabled for failing, with a fresh failure streak',
    tag: 'sites',
    access: 'connections:write',
    params: IdParams,
    responses: { 200: SiteSchema },
    async handler({ params, auth, transaction }) {
      const site = await transaction(async (repos, audit) => {
        const current = await repos.sites.get(auth.orgId, params.id);
        if (!current) throw notFound();
        await repos.sites.enable(auth.orgId, params.id);
        await audit({
          action: 'site.enabled',
          resourceType: 'site',
          resourceId: params.id,
          details: { wasDisabled: current.disabledAt !== null, reason: current.disabledReason },
        });
        return view(
          (await repos.sites.get(auth.orgId, params.id))!,
          await repos.sites.simulation(auth.orgId, params.id),
        );
      });
      return ok(site);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/sites/:id/snapshot',
    operationId: 'getSiteSnapshot',
    summary: 'What the site last received (built-in receiver only)',
    tag: 'sites',
    access: 'connections:read',
    params: IdParams,
    responses: {
      200: z
        .strictObject({
          siteId: z.string(),
          deliveryId: z.string(),
          payload: z.unknown(),
          itemCount: z.number().int(),
          receivedAt: TimestampSchema,
        })
        .meta({ id: 'SiteSnapshot' }),
    },
    async handler({ params, auth, repos }) {
      if (!(await repos.sites.get(auth.orgId, params.id))) throw notFound();
      const snapshot = await repos.sites.snapshot(auth.orgId, params.id);
      if (!snapshot) throw new DataSyncError('not_found', 'this site has not received anything yet');
      return ok(snapshot);
    },
  }),
];
