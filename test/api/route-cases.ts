/**
 * The table the security harness walks: one row per route of /api/v1. A row says how to build a valid request in
 * a given organization (creating what it needs) and, when the default is not enough, a request with bad input.
 * Adding a route means adding a row here: routes.test.ts fails for any route without one, and then checks the row
 * for success (as the least role allowed), bad input, no auth, wrong role and another tenant's ids.
 */
import { hashPassword } from '../../src/lib/crypto/password.js';
import type { Role } from '../../src/store/schema.js';
import { unique, type ApiWorld, type TenantWorld } from '../helpers/api.js';

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

const noInput = async (): Promise<CaseRequest> => ({});
let loginHash: string | undefined;

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
    route: 'POST /api/v1/connections/:id/test',
    status: 200,
    valid: async (w, t) => ({ params: { id: (await makeConnection(w, t)).id } }),
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
];
