/**
 * The table the security harness walks: one row per route of /api/v1. A row says how to build a valid request in
 * a given organization (creating what it needs) and, when the default is not enough, a request with bad input.
 * Adding a route means adding a row here: routes.test.ts fails for any route without one, and then checks the row
 * for success (as the least role allowed), bad input, no auth, wrong role and another tenant's ids.
 */
import { syncNameFor } from '../../src/compat/sync-engine-api.js';
import { ensureAdServer } from '../../src/adserver/adserver-setup.js';
import { hashPassword } from '../../src/lib/crypto/password.js';
import { newId } from '../../src/lib/ids.js';
import { toJson } from '../../src/store/json.js';
import type { Role, RunStatus } from '../../src/store/schema.js';
import { unique, type ApiWorld, type TenantWorld } from '../helpers/api.js';
import {
  createInstagramSimulator,
  type InstagramSimulator,
} from '../../src/simulators/instagram/instagram-simulator.js';

export interface CaseRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

export interface RouteCase {
  /** `METHOD /path` exactly as declared. */
  route: string;
  /** Expected success status. */
  status: number;
  /** A valid request acting on `t`'s organization; creates its own rows so destructive routes have a target. */
  valid(w: ApiWorld, t: TenantWorld): Promise<CaseRequest>;
  /** Bad input (400/422). Default: the valid request plus an unknown query parameter. */
  bad?(w: ApiWorld, t: TenantWorld): Promise<CaseRequest>;
  /** Needs a signed-in person rather than an API key. */
  session?: boolean;
}

export async function makeConnection(w: ApiWorld, t: TenantWorld) {
  return w.ctx.repos.connections.create(t.org.id, {
    name: unique('conn'),
    connector: 'airtable',
    settings: { baseUrl: 'http://127.0.0.1:1' },
    credentials: { token: 'good-token-123456' },
  });
}

async function makeNotionConnection(w: ApiWorld, t: TenantWorld) {
  return w.ctx.repos.connections.create(t.org.id, {
    name: unique('notion'),
    connector: 'notion',
    credentials: { token: 'secret_notion_token', databaseId: 'db' },
  });
}

export async function makeAlertChannel(w: ApiWorld, t: TenantWorld) {
  return (
    await w.ctx.repos.alertChannels.create(t.org.id, { name: unique('alerts'), url: 'https://example.com/a' })
  ).channel;
}

export async function makeCollection(w: ApiWorld, t: TenantWorld) {
  return w.ctx.repos.collections.create(t.org.id, {
    key: unique('posts').replace(/[^a-z0-9_-]/g, '_'),
    name: 'Posts',
  });
}

export async function makeRecord(w: ApiWorld, t: TenantWorld) {
  const collection = await makeCollection(w, t);
  const record = await w.ctx.repos.records.create(t.org.id, collection.id, { data: { title: 'Hello' } });
  return { collection, record };
}

export async function makeMember(w: ApiWorld, t: TenantWorld, role: Role = 'viewer') {
  const user = await w.ctx.repos.users.create({
    email: `${unique('m')}@example.com`,
    name: 'M',
    passwordHash: null,
  });
  await w.ctx.repos.users.addMembership(t.org.id, user.id, role);
  return user;
}

export async function makeSite(w: ApiWorld, t: TenantWorld) {
  const slug = unique('site').replace(/[^a-z0-9-]/g, '-');
  return (await w.ctx.repos.sites.create(t.org.id, { name: 'North', slug, url: 'builtin:receiver' })).site;
}

/** An item of a content type with two text fields, for mapping cells and overrides. */
export async function makeItem(w: ApiWorld, t: TenantWorld) {
  const collection = await w.ctx.repos.collections.create(t.org.id, {
    key: unique('offer').replace(/[^a-z0-9_]/g, '_'),
    name: 'Offers',
    schema: {
      fields: [
        { key: 'headline', label: 'Headline', type: 'text', required: true },
        { key: 'cta_text', label: 'CTA', type: 'text', required: true },
      ],
    },
  });
  return w.ctx.repos.records.create(t.org.id, collection.id, {
    data: { headline: 'Fall', cta_text: 'Shop' },
    status: 'published',
  });
}

/** A push sync between two local collections (no connection needed). */
export function syncDefinition(from = 'people', to = 'people_copy') {
  return {
    a: { connector: 'collection' },
    b: { connector: 'collection' },
    direction: 'push',
    objects: [{ name: 'people', a: from, b: to, fields: [{ a: 'email', b: 'email' }] }],
  };
}

export async function makeSync(w: ApiWorld, t: TenantWorld) {
  return w.ctx.repos.syncs.create(t.org.id, { name: unique('sync'), definition: syncDefinition() });
}

export async function makeRun(w: ApiWorld, t: TenantWorld, status: RunStatus = 'queued') {
  const sync = await makeSync(w, t);
  const run = await w.ctx.repos.runs.create(t.org.id, {
    syncId: sync.id,
    kind: 'sync.run',
    trigger: 'manual',
  });
  if (status !== 'queued') await w.ctx.repos.runs.finish(run.id, { status });
  await w.ctx.repos.runLogs.append(t.org.id, run.id, [{ level: 'info', message: 'hello' }]);
  return run;
}

export async function makeConflict(w: ApiWorld, t: TenantWorld) {
  const sync = await makeSync(w, t);
  const linkId = `lnk_${unique('x')
    .replace(/[^a-z0-9]/g, '')
    .padEnd(26, '0')
    .slice(0, 26)}`;
  await w.ctx.repos.conflicts.raise(t.org.id, sync.id, null, [
    { linkId, fields: [{ field: 'email', base: 'a@x', local: 'b@x', remote: 'c@x' }] },
  ]);
  return (await w.ctx.repos.conflicts.byLinks(t.org.id, [linkId], 'open')).get(linkId)!;
}

const noInput = async (): Promise<CaseRequest> => ({});
let loginHash: string | undefined;

export async function makeWebhookEvent(w: ApiWorld, t: TenantWorld) {
  const connection = await makeConnection(w, t);
  const id = newId('whe');
  await w.ctx.store.db
    .insertInto('webhook_events')
    .values({
      id,
      org_id: t.org.id,
      connection_id: connection.id,
      external_id: unique('evt'),
      headers: toJson({ 'content-type': 'application/json' }),
      body: '{"hello":"world"}',
      status: 'received',
      error: null,
      received_at: new Date().toISOString(),
      processed_at: null,
    })
    .execute();
  return { id, connection };
}

export async function makeDelivery(w: ApiWorld, t: TenantWorld) {
  const site = await makeSite(w, t);
  const delivery = await w.ctx.repos.deliveries.create(t.org.id, {
    url: 'http://127.0.0.1:1/hook',
    payload: { items: [] },
    targetId: site.id,
  });
  await w.ctx.repos.deliveries.recordAttempt(
    t.org.id,
    delivery.id,
    { attempt: 1, statusCode: 500, latencyMs: 12, responseExcerpt: 'boom', error: 'HTTP 500' },
    { status: 'failed' },
  );
  return delivery;
}

export const ROUTE_CASES: RouteCase[] = [
  {
    route: 'POST /api/v1/auth/login',
    status: 200,
    async valid(w, t) {
      const email = `${unique('login')}@example.com`;
      const password = 'a good long password';
      loginHash ??= await hashPassword(password);
      const user = await w.ctx.repos.users.create({ email, name: 'L', passwordHash: loginHash });
      await w.ctx.repos.users.addMembership(t.org.id, user.id, 'viewer');
      return { body: { email, password } };
    },
    bad: async () => ({ body: { email: 'not-an-email', password: 'x', extra: true } }),
  },
  { route: 'POST /api/v1/auth/logout', status: 204, session: true, valid: noInput },
  { route: 'GET /api/v1/me', status: 200, valid: noInput },
  {
    route: 'POST /api/v1/organizations',
    status: 201,
    session: true,
    valid: async () => ({ body: { name: unique('Tenant') } }),
    bad: async () => ({ body: { name: 'x', slug: 'Not A Slug' } }),
  },
  {
    route: 'GET /api/v1/members',
    status: 200,
    valid: async () => ({ query: { limit: '10', role: 'viewer' } }),
    bad: async () => ({ query: { limit: '0' } }),
  },
  {
    route: 'POST /api/v1/members',
    status: 201,
    valid: async () => ({ body: { email: `${unique('new')}@example.com`, role: 'editor' } }),
    bad: async () => ({ body: { email: 'x@example.com', role: 'king' } }),
  },
  {
    route: 'PATCH /api/v1/members/:userId',
    status: 200,
    valid: async (w, t) => ({ params: { userId: (await makeMember(w, t)).id }, body: { role: 'editor' } }),
    bad: async (w, t) => ({
      params: { userId: (await makeMember(w, t)).id },
      body: { role: 'editor', admin: true },
    }),
  },
  {
    route: 'DELETE /api/v1/members/:userId',
    status: 204,
    valid: async (w, t) => ({ params: { userId: (await makeMember(w, t)).id } }),
    bad: async () => ({ params: { userId: 'usr_nope' } }),
  },
  {
    route: 'GET /api/v1/api-keys',
    status: 200,
    valid: async () => ({ query: { includeRevoked: 'false' } }),
    bad: async () => ({ query: { includeRevoked: 'maybe' } }),
  },
  {
    route: 'GET /api/v1/api-keys/:id',
    status: 200,
    valid: async (w, t) => ({
      params: { id: (await w.ctx.repos.apiKeys.create(t.org.id, { name: 'k', role: 'viewer' })).apiKey.id },
    }),
    bad: async () => ({ params: { id: 'key_../../etc' } }),
  },
  {
    route: 'POST /api/v1/api-keys',
    status: 201,
    valid: async () => ({ body: { name: 'ci', role: 'viewer' } }),
    bad: async () => ({ body: { name: '', role: 'viewer' } }),
  },
  {
    route: 'DELETE /api/v1/api-keys/:id',
    status: 204,
    valid: async (w, t) => ({
      params: { id: (await w.ctx.repos.apiKeys.create(t.org.id, { name: 'k', role: 'viewer' })).apiKey.id },
    }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'GET /api/v1/audit-log',
    status: 200,
    valid: async () => ({ query: { action: 'connection.created', from: '2020-01-01T00:00:00Z' } }),
    bad: async () => ({ query: { from: 'yesterday' } }),
  },
  {
    route: 'GET /api/v1/connections',
    status: 200,
    valid: async () => ({ query: { connector: 'airtable', limit: '5' } }),
    bad: async () => ({ query: { limit: 'many' } }),
  },
  {
    route: 'POST /api/v1/connections',
    status: 201,
    valid: async () => ({
      body: { name: unique('c'), connector: 'notion', credentials: { token: 'secret_abcdefgh' } },
    }),
    bad: async () => ({ body: { name: 'c', connector: 'Not A Connector!' } }),
  },
  {
    route: 'GET /api/v1/connections/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id } }),
    bad: async () => ({ params: { id: 'con_x' } }),
  },
  {
    route: 'PATCH /api/v1/connections/:id',
    status: 200,
    valid: async (w, t) => ({
      params: { id: (await makeConnection(w, t)).id },
      body: { settings: { region: 'eu' } },
    }),
    bad: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id }, body: {} }),
  },
  {
    route: 'DELETE /api/v1/connections/:id',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id } }),
    bad: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id }, body: { force: true } }),
  },
  {
    route: 'GET /api/v1/connections/:id/schema',
    status: 200,
    // Broadstreet describes its objects without calling the platform, so the case needs no server.
    valid: async (w, t) => ({
      params: {
        id: (
          await w.ctx.repos.connections.create(t.org.id, {
            name: unique('bs'),
            connector: 'broadstreet',
            settings: {},
            credentials: { accessToken: 'token-123456' },
          })
        ).id,
      },
    }),
  },
  {
    route: 'POST /api/v1/connections/:id/test',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id } }),
  },
  {
    route: 'POST /api/v1/connections/:id/webhook-verification/reveal',
    status: 200,
    valid: async (w, t) => {
      const c = await makeNotionConnection(w, t);
      await w.ctx.repos.connections.captureVerificationToken(c.id, 'verificationToken', 'secret_route_case');
      return { params: { id: c.id } };
    },
  },
  {
    route: 'DELETE /api/v1/connections/:id/webhook-verification',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeNotionConnection(w, t)).id } }),
  },
  { route: 'GET /api/v1/collections', status: 200, valid: noInput },
  {
    route: 'POST /api/v1/collections',
    status: 201,
    valid: async () => ({
      body: { key: unique('col').replace(/[^a-z0-9_-]/g, '_'), name: 'Col', schema: { fields: [] } },
    }),
    bad: async () => ({ body: { key: '9-starts-with-digit', name: 'x' } }),
  },
  {
    route: 'GET /api/v1/collections/:key',
    status: 200,
    valid: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key } }),
    bad: async () => ({ params: { key: 'UPPER' } }),
  },
  {
    route: 'PATCH /api/v1/collections/:key',
    status: 200,
    valid: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key }, body: { name: 'Renamed' } }),
    bad: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key }, body: { name: 42 } }),
  },
  {
    route: 'DELETE /api/v1/collections/:key',
    status: 204,
    valid: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key } }),
  },
  {
    route: 'GET /api/v1/collections/:key/records',
    status: 200,
    valid: async (w, t) => ({
      params: { key: (await makeRecord(w, t)).collection.key },
      query: { status: 'draft' },
    }),
    bad: async (w, t) => ({
      params: { key: (await makeRecord(w, t)).collection.key },
      query: { status: 'lost' },
    }),
  },
  {
    route: 'POST /api/v1/collections/:key/records',
    status: 201,
    valid: async (w, t) => ({
      params: { key: (await makeCollection(w, t)).key },
      body: { data: { title: 'x' }, status: 'draft' },
    }),
    bad: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key }, body: { data: [1, 2] } }),
  },
  {
    route: 'GET /api/v1/collections/:key/records/:id',
    status: 200,
    valid: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return { params: { key: collection.key, id: record.id } };
    },
    bad: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key, id: 'rec_' } }),
  },
  {
    route: 'GET /api/v1/collections/:key/records/:id/sync-log',
    status: 200,
    valid: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return { params: { key: collection.key, id: record.id } };
    },
    bad: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return { params: { key: collection.key, id: record.id }, query: { cursor: 'not-a-cursor' } };
    },
  },
  {
    route: 'PUT /api/v1/collections/:key/records/:id',
    status: 200,
    valid: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return {
        params: { key: collection.key, id: record.id },
        body: { data: { title: 'y' }, version: record.version },
      };
    },
    bad: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return { params: { key: collection.key, id: record.id }, body: { data: { title: 'y' } } };
    },
  },
  {
    route: 'DELETE /api/v1/collections/:key/records/:id',
    status: 204,
    valid: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      return { params: { key: collection.key, id: record.id } };
    },
  },
  { route: 'GET /api/v1/alert-channels', status: 200, valid: noInput },
  {
    route: 'POST /api/v1/alert-channels',
    status: 201,
    valid: async () => ({ body: { name: 'On-call', url: 'https://example.com/alerts' } }),
    bad: async () => ({ body: { name: 'On-call', url: 'mailto:ops@example.com' } }),
  },
  {
    route: 'DELETE /api/v1/alert-channels/:id',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeAlertChannel(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'POST /api/v1/alert-channels/:id/test',
    status: 202,
    valid: async (w, t) => ({ params: { id: (await makeAlertChannel(w, t)).id } }),
    bad: async () => ({ params: { id: 'con_x' } }),
  },
  {
    route: 'POST /api/v1/collections/:key/records/:id/push',
    status: 202,
    valid: async (w, t) => {
      const { collection, record } = await makeRecord(w, t);
      await w.ctx.repos.syncs.create(t.org.id, {
        name: unique('sync'),
        definition: syncDefinition(collection.key),
      });
      return { params: { key: collection.key, id: record.id } };
    },
    bad: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key, id: 'rec_' } }),
  },
  { route: 'GET /api/v1/sites', status: 200, valid: noInput },
  {
    route: 'POST /api/v1/sites',
    status: 201,
    valid: async () => ({ body: { name: 'West', slug: unique('west'), url: 'https://example.com/hook' } }),
    bad: async () => ({ body: { name: 'West', slug: 'West Side', url: 'ftp://x' } }),
  },
  {
    route: 'GET /api/v1/sites/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSite(w, t)).id } }),
    bad: async () => ({ params: { id: 'site_x' } }),
  },
  {
    route: 'PATCH /api/v1/sites/:id',
    status: 200,
    valid: async (w, t) => ({
      params: { id: (await makeSite(w, t)).id },
      body: { simulate: true, failureRate: 0.2 },
    }),
    bad: async (w, t) => ({ params: { id: (await makeSite(w, t)).id }, body: { failureRate: 2 } }),
  },
  {
    route: 'DELETE /api/v1/sites/:id',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeSite(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'POST /api/v1/sites/:id/rotate-secret',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSite(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'GET /api/v1/sites/:id/snapshot',
    status: 200,
    async valid(w, t) {
      const site = await makeSite(w, t);
      await w.ctx.repos.sites.saveSnapshot(t.org.id, site.id, {
        deliveryId: 'dlv_x',
        payload: { items: [] },
        itemCount: 0,
        receivedAt: new Date().toISOString(),
      });
      return { params: { id: site.id } };
    },
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'GET /api/v1/mappings',
    status: 200,
    valid: noInput,
    bad: async () => ({ query: { siteId: 'x' } }),
  },
  {
    route: 'PUT /api/v1/mappings',
    status: 200,
    valid: async (w, t) => ({
      body: {
        siteId: (await makeSite(w, t)).id,
        itemId: (await makeItem(w, t)).id,
        mode: 'override',
        overrides: { cta_text: 'Call us' },
      },
    }),
    bad: async (w, t) => ({
      body: {
        siteId: (await makeSite(w, t)).id,
        itemId: (await makeItem(w, t)).id,
        mode: 'override',
        overrides: { cta_text: 5 },
      },
    }),
  },
  {
    route: 'GET /api/v1/webhook-events',
    status: 200,
    valid: noInput,
    bad: async () => ({ query: { status: 'x' } }),
  },
  {
    route: 'GET /api/v1/webhook-events/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeWebhookEvent(w, t)).id } }),
    bad: async () => ({ params: { id: 'whe_x' } }),
  },
  {
    route: 'POST /api/v1/webhook-events/:id/replay',
    status: 202,
    valid: async (w, t) => ({ params: { id: (await makeWebhookEvent(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'GET /api/v1/deliveries',
    status: 200,
    valid: noInput,
    bad: async () => ({ query: { status: 'x' } }),
  },
  {
    route: 'GET /api/v1/deliveries/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeDelivery(w, t)).id } }),
    bad: async () => ({ params: { id: 'dlv_x' } }),
  },
  {
    route: 'POST /api/v1/deliveries/:id/replay',
    status: 202,
    valid: async (w, t) => ({ params: { id: (await makeDelivery(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  { route: 'GET /api/v1/syncs', status: 200, valid: noInput },
  {
    route: 'POST /api/v1/syncs',
    status: 201,
    valid: async () => ({ body: { name: 'Copy', definition: syncDefinition(), schedule: '*/15 * * * *' } }),
    bad: async () => ({ body: { name: 'Copy', definition: syncDefinition(), schedule: 'every tuesday' } }),
  },
  {
    route: 'GET /api/v1/syncs/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id } }),
  },
  {
    route: 'PATCH /api/v1/syncs/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id }, body: { schedule: null } }),
    bad: async (w, t) => ({
      params: { id: (await makeSync(w, t)).id },
      body: { definition: { ...syncDefinition(), direction: 'sideways' } },
    }),
  },
  {
    route: 'GET /api/v1/syncs/:id/schema',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id } }),
  },
  {
    route: 'DELETE /api/v1/syncs/:id',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id } }),
    bad: async () => ({ params: { id: 'syn_nope' } }),
  },
  {
    route: 'POST /api/v1/syncs/:id/runs',
    status: 202,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id }, body: { dryRun: true } }),
    bad: async (w, t) => ({ params: { id: (await makeSync(w, t)).id }, body: { dryRun: 'yes' } }),
  },
  {
    route: 'POST /api/v1/syncs/:id/pause',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id } }),
    bad: async (w, t) => ({ params: { id: (await makeSync(w, t)).id }, body: { now: true } }),
  },
  {
    route: 'POST /api/v1/syncs/:id/resume',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSync(w, t)).id } }),
    bad: async () => ({ params: { id: 'run_01jz0000000000000000000000' } }),
  },
  {
    route: 'GET /api/v1/runs',
    status: 200,
    valid: async () => ({ query: { status: 'failed', trigger: 'manual', from: '2020-01-01T00:00:00Z' } }),
    bad: async () => ({ query: { status: 'exploded' } }),
  },
  {
    route: 'GET /api/v1/runs/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeRun(w, t)).id } }),
  },
  {
    route: 'GET /api/v1/runs/:id/logs',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeRun(w, t)).id }, query: { level: 'info' } }),
    bad: async (w, t) => ({ params: { id: (await makeRun(w, t)).id }, query: { afterId: '-1' } }),
  },
  {
    route: 'POST /api/v1/runs/:id/cancel',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeRun(w, t)).id } }),
    bad: async (w, t) => ({ params: { id: (await makeRun(w, t)).id }, body: { force: true } }),
  },
  {
    route: 'POST /api/v1/runs/:id/retry',
    status: 202,
    valid: async (w, t) => ({ params: { id: (await makeRun(w, t, 'failed')).id } }),
    bad: async () => ({ params: { id: 'run_x' } }),
  },
  {
    route: 'GET /api/v1/conflicts',
    status: 200,
    valid: async () => ({ query: { status: 'open' } }),
    bad: async () => ({ query: { status: 'maybe' } }),
  },
  {
    route: 'GET /api/v1/conflicts/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeConflict(w, t)).id } }),
  },
  {
    route: 'POST /api/v1/conflicts/:id/resolve',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeConflict(w, t)).id }, body: { keep: 'remote' } }),
    bad: async (w, t) => ({ params: { id: (await makeConflict(w, t)).id }, body: { keep: 'both' } }),
  },
  {
    route: 'POST /api/v1/syndication/runs',
    status: 202,
    valid: async (w, t) => ({ body: { siteIds: [(await makeSite(w, t)).id], force: true } }),
    bad: async () => ({ body: { siteIds: ['nope'] } }),
  },
  {
    route: 'GET /api/v1/syndication/runs',
    status: 200,
    valid: noInput,
    bad: async () => ({ query: { limit: '0' } }),
  },
  {
    route: 'GET /api/v1/syndication/runs/:id',
    status: 200,
    async valid(w, t) {
      const run = await w.ctx.repos.runs.create(t.org.id, {
        kind: 'syndication.run',
        trigger: 'api',
        params: {},
      });
      return { params: { id: run.id } };
    },
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'POST /api/v1/runs/bulk',
    status: 200,
    async valid(w, t) {
      const failed = await makeRun(w, t, 'failed');
      const queued = await makeRun(w, t);
      return { body: { action: 'retry', ids: [failed.id, queued.id] } };
    },
    bad: async () => ({ body: { action: 'explode', ids: [] } }),
  },
  {
    route: 'GET /api/v1/saved-views',
    status: 200,
    valid: async () => ({ query: { page: 'runs' } }),
    bad: async () => ({ query: { page: 'nowhere' } }),
  },
  {
    route: 'POST /api/v1/saved-views',
    status: 200,
    valid: async () => ({ body: { page: 'runs', name: unique('view'), filters: { status: 'failed' } } }),
    bad: async () => ({ body: { page: 'runs', name: '', filters: { 'bad key': 'x' } } }),
  },
  {
    route: 'DELETE /api/v1/saved-views/:id',
    status: 204,
    async valid(w, t) {
      // Views are private to their owner: the harness calls as the viewer key.
      const key = (await w.ctx.repos.apiKeys.authenticate(t.keys.viewer))!;
      const v = await w.ctx.repos.savedViews.save(
        t.org.id,
        { type: 'api_key', id: key.id },
        { page: 'runs', name: unique('view'), filters: {} },
      );
      return { params: { id: v.id } };
    },
    bad: async () => ({ params: { id: 'svw_nope' } }),
  },
  {
    route: 'GET /api/v1/notifications',
    status: 200,
    valid: async () => ({ query: { status: 'open' } }),
    bad: async () => ({ query: { status: 'loud' } }),
  },
  {
    route: 'POST /api/v1/notifications/:id/acknowledge',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeNotification(w, t)).id } }),
    bad: async () => ({ params: { id: 'ntf_nope' } }),
  },
  {
    route: 'POST /api/v1/notifications/:id/resolve',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeNotification(w, t)).id } }),
    bad: async () => ({ params: { id: 'ntf_nope' } }),
  },
  {
    route: 'GET /api/v1/social-accounts',
    status: 200,
    valid: async () => ({ query: { platform: 'instagram', autoSync: 'true' } }),
    bad: async () => ({ query: { platform: 'myspace' } }),
  },
  {
    route: 'POST /api/v1/social-accounts',
    status: 201,
    async valid(w, t) {
      const sim = await socialCaseSimulator();
      const connection = await makeSocialConnection(w, t, 'instagram', sim.url);
      const token = sim.ui.issueToken(sim.accounts[0]!.igUserId, { issuedAgoMs: 2 * 86_400_000 }).token;
      return { body: { connectionId: connection.id, accessToken: token } };
    },
    bad: async (w, t) => ({
      body: { connectionId: (await makeSocialConnection(w, t, 'instagram', 'http://127.0.0.1:1')).id },
    }),
  },
  {
    route: 'POST /api/v1/social-accounts/authorize-url',
    status: 200,
    valid: async (w, t) => ({
      body: {
        connectionId: (await makeSocialConnection(w, t, 'tiktok', 'http://127.0.0.1:1')).id,
        redirectUri: 'http://localhost:4000/social/accounts',
        state: 'abc',
      },
    }),
    bad: async (w, t) => ({
      body: { connectionId: (await makeSocialConnection(w, t, 'tiktok', 'http://127.0.0.1:1')).id },
    }),
  },
  {
    route: 'GET /api/v1/social-accounts/:id',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id } }),
    bad: async () => ({ params: { id: 'sac_x' } }),
  },
  {
    route: 'PATCH /api/v1/social-accounts/:id',
    status: 200,
    valid: async (w, t) => ({
      params: { id: (await makeSocialAccount(w, t)).id },
      body: { autoSync: false },
    }),
    bad: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id }, body: { autoSync: 'yes' } }),
  },
  {
    route: 'DELETE /api/v1/social-accounts/:id',
    status: 204,
    valid: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'POST /api/v1/social-accounts/:id/sync',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id } }),
    bad: async () => ({ params: { id: 'nope' } }),
  },
  {
    route: 'GET /api/v1/social-accounts/:id/posts',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id } }),
    bad: async (w, t) => ({ params: { id: (await makeSocialAccount(w, t)).id }, query: { limit: '0' } }),
  },
  {
    route: 'GET /api/v1/social-sync-logs',
    status: 200,
    valid: async () => ({ query: { trigger: 'cron', status: 'error' } }),
    bad: async () => ({ query: { trigger: 'sometimes' } }),
  },
  {
    route: 'GET /api/v1/social-settings',
    status: 200,
    valid: noInput,
  },
  {
    route: 'PUT /api/v1/social-settings',
    status: 200,
    valid: async () => ({ body: { pollMinutes: 30 } }),
    bad: async () => ({ body: { pollMinutes: 7 } }),
  },
  {
    route: 'POST /api/v1/sites/:id/enable',
    status: 200,
    async valid(w, t) {
      const site = await makeSite(w, t);
      const policy = { disableAfterMs: 0, minFailures: 1 };
      await w.ctx.repos.sites.recordResult(
        t.org.id,
        site.id,
        { status: 'failed', error: 'HTTP 500' },
        { policy },
      );
      return { params: { id: site.id } };
    },
    bad: async () => ({ params: { id: 'nope' } }),
  },
];

/** An item of a content type (via makeItem) edited once through the API's repositories, so it has two revisions. */
async function makeItemWithHistory(w: ApiWorld, t: TenantWorld) {
  const item = await makeItem(w, t);
  const actor = { type: 'system' as const, id: null, label: 'test' };
  await w.ctx.repos.itemRevisions.record(t.org.id, [item], { action: 'created', actor });
  const edited = await w.ctx.repos.records.update(t.org.id, item.collectionId, item.id, {
    data: { ...item.data, cta_text: 'Edited' },
  });
  await w.ctx.repos.itemRevisions.record(t.org.id, [edited!], { action: 'updated', actor });
  const collection = await w.ctx.repos.collections.get(t.org.id, item.collectionId);
  return { key: collection!.key, id: item.id, version: edited!.version };
}

ROUTE_CASES.push(
  {
    route: 'GET /api/v1/collections/:key/records/:id/revisions',
    status: 200,
    valid: async (w, t) => {
      const h = await makeItemWithHistory(w, t);
      return { params: { key: h.key, id: h.id } };
    },
    bad: async (w, t) => ({ params: { key: (await makeCollection(w, t)).key, id: 'rec_' } }),
  },
  {
    route: 'GET /api/v1/collections/:key/records/:id/revisions/diff',
    status: 200,
    valid: async (w, t) => {
      const h = await makeItemWithHistory(w, t);
      return { params: { key: h.key, id: h.id }, query: { from: '1', to: String(h.version) } };
    },
    bad: async (w, t) => {
      const h = await makeItemWithHistory(w, t);
      return { params: { key: h.key, id: h.id }, query: { from: 'first' } };
    },
  },
  {
    route: 'POST /api/v1/collections/:key/records/:id/revisions/:version/restore',
    status: 200,
    valid: async (w, t) => {
      const h = await makeItemWithHistory(w, t);
      return { params: { key: h.key, id: h.id, version: '1' }, body: { version: h.version } };
    },
    bad: async (w, t) => {
      const h = await makeItemWithHistory(w, t);
      return { params: { key: h.key, id: h.id, version: '1' }, body: { version: 'latest' } };
    },
  },
);
export async function makeNotification(w: ApiWorld, t: TenantWorld) {
  const sync = await makeSync(w, t);
  const raised = await w.ctx.repos.notifications.raise(t.org.id, {
    kind: 'sync.auto_paused',
    resourceType: 'sync',
    resourceId: sync.id,
    title: 'paused',
    message: 'failed 3 times',
  });
  return raised.notification;
}

/** One Instagram simulator for the social rows, started on first use (the worker process ends it). */
let socialSim: Promise<InstagramSimulator> | undefined;
function socialCaseSimulator(): Promise<InstagramSimulator> {
  socialSim ??= createInstagramSimulator({ accounts: 1, seedRecords: 1, rateLimit: false });
  return socialSim;
}

export async function makeSocialConnection(
  w: ApiWorld,
  t: TenantWorld,
  connector: 'instagram' | 'tiktok',
  baseUrl: string,
) {
  return w.ctx.repos.connections.create(t.org.id, {
    name: unique(connector),
    connector,
    settings: { baseUrl },
    credentials:
      connector === 'instagram'
        ? { appSecret: 'app-secret-123456', verifyToken: 'verify-123456' }
        : { clientKey: 'ck-123456', clientSecret: 'cs-123456' },
  });
}

export async function makeSocialAccount(w: ApiWorld, t: TenantWorld) {
  const connection = await makeSocialConnection(w, t, 'instagram', 'http://127.0.0.1:1');
  return w.ctx.repos.socialAccounts.create(t.org.id, {
    connectionId: connection.id,
    platform: 'instagram',
    platformUserId: unique('ig'),
    username: 'case_account',
    tokens: { accessToken: 'IGAA-case-token' },
    tokenExpiresAt: null,
  });
}
export async function makeBroadstreetConnection(w: ApiWorld, t: TenantWorld) {
  return w.ctx.repos.connections.create(t.org.id, {
    name: unique('broadstreet'),
    connector: 'broadstreet',
    settings: { baseUrl: 'http://127.0.0.1:1' },
    credentials: { accessToken: 'bs-token-123456' },
  });
}

/** A local network of a fresh Broadstreet connection's ad server. */
export async function makeAdServerNetwork(w: ApiWorld, t: TenantWorld) {
  const connection = await makeBroadstreetConnection(w, t);
  const setup = await ensureAdServer(w.ctx.store.db, t.org.id, connection);
  const record = await w.ctx.repos.records.create(t.org.id, setup.collections.networks, {
    data: { name: unique('Network') },
  });
  return { connection, record };
}

ROUTE_CASES.push(
  {
    route: 'GET /api/v1/adserver/:connectionId',
    status: 200,
    valid: async (w, t) => ({ params: { connectionId: (await makeBroadstreetConnection(w, t)).id } }),
    bad: async () => ({ params: { connectionId: 'nope' } }),
  },
  {
    route: 'POST /api/v1/adserver/:connectionId/import',
    status: 202,
    valid: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id },
      body: { type: 'zones' },
    }),
    bad: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id },
      body: { type: 'banners' },
    }),
  },
  {
    route: 'POST /api/v1/adserver/:connectionId/export',
    status: 202,
    valid: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id },
      body: {},
    }),
    bad: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id },
      body: { everything: true },
    }),
  },
  {
    route: 'GET /api/v1/adserver/:connectionId/entities',
    status: 200,
    valid: async (w, t) => ({
      params: { connectionId: (await makeAdServerNetwork(w, t)).connection.id },
      query: { localOnly: 'true', limit: '10' },
    }),
    bad: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id },
      query: { state: 'lost' },
    }),
  },
  {
    route: 'POST /api/v1/adserver/:connectionId/entities/:type',
    status: 201,
    async valid(w, t) {
      const { connection, record } = await makeAdServerNetwork(w, t);
      return {
        params: { connectionId: connection.id, type: 'advertisers' },
        body: { data: { name: 'Acme', network_id: record.id } },
      };
    },
    bad: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id, type: 'advertisers' },
      body: { data: { name: '' } },
    }),
  },
  {
    route: 'POST /api/v1/adserver/:connectionId/entities/:type/:id/retry',
    status: 202,
    async valid(w, t) {
      const { connection, record } = await makeAdServerNetwork(w, t);
      return { params: { connectionId: connection.id, type: 'networks', id: record.id } };
    },
    bad: async (w, t) => ({
      params: { connectionId: (await makeBroadstreetConnection(w, t)).id, type: 'networks', id: 'nope' },
    }),
  },
);

/**
 * A valid `POST /sync/start` waits for its run, and this world's runtime never runs jobs: the request's run is
 * finished here as a worker would, once it is queued. Requests that are refused never queue one; the stand-in
 * then gives up.
 */
async function syncStartRequest(w: ApiWorld, t: TenantWorld): Promise<CaseRequest> {
  const connection = await w.ctx.repos.connections.create(t.org.id, {
    name: unique('synup'),
    connector: 'synup',
    settings: { baseUrl: 'http://127.0.0.1:1', locationId: 'loc_1' },
    credentials: { apiKey: 'synup-key-123456' },
  });
  const body = {
    project_id: unique('case'),
    sync_type: 'pull',
    source_platform: connection.name,
    target_entity: 'posts',
  };
  const name = syncNameFor(body as Parameters<typeof syncNameFor>[0]);
  void (async () => {
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      const sync = await w.ctx.repos.syncs.byName(t.org.id, name);
      const queued = sync
        ? (await w.ctx.repos.runs.list(t.org.id, { syncId: sync.id, status: 'queued' })).data
        : [];
      for (const run of queued) await w.ctx.repos.runs.finish(run.id, { status: 'success' });
      if (queued.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })().catch(() => undefined);
  return { body };
}

ROUTE_CASES.push({
  route: 'POST /sync/start',
  status: 200,
  valid: syncStartRequest,
  bad: async (w, t) => ({
    body: { ...((await syncStartRequest(w, t)).body as object), sync_type: 'sideways' },
  }),
});
