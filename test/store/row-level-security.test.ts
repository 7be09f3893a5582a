/**
 * Row-level security (migration 0008) proven where it applies: a non-superuser role (superusers, like the
 * `postgres` role the other tests use, bypass policies), the organization set the way the API sets it
 * (withOrgScope around the handler, handed to Postgres when a pooled connection is taken), and queries that
 * carry no org filter at all.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { z } from 'zod';
import { createApiContext, defaultApiOptions } from '../../src/api/api-options.js';
import { defineRoute, ok } from '../../src/api/define-route.js';
import { registerRoutes } from '../../src/api/register-routes.js';
import { buildServer } from '../../src/api/server.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { withOrgScope } from '../../src/store/org-scope.js';
import { createRepositories, type Repositories } from '../../src/store/repositories/index.js';
import { createTestDatabase, PG_URL, type TestDatabase } from '../helpers/dialects.js';

describe.skipIf(!PG_URL)('row-level security [postgres]', () => {
  const role = `ds_rls_${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let admin: Store;
  let adminRepos: Repositories;
  let tenantStore: Store;
  let box: SecretBox;
  const orgs: { a: string; b: string; keyA: string; keyB: string } = { a: '', b: '', keyA: '', keyB: '' };

  async function superuser(query: string): Promise<void> {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    admin = await database.open();
    await migrateToLatest(admin.db as never, admin.dialect);
    box = new SecretBox(randomBytes(32));
    adminRepos = createRepositories(admin.db, box);
    for (const side of ['a', 'b'] as const) {
      const org = await adminRepos.organizations.create({ name: side, slug: `${role}-${side}` });
      orgs[side] = org.id;
      await adminRepos.connections.create(org.id, { name: `${side} one`, connector: 'memory' });
      await adminRepos.connections.create(org.id, { name: `${side} two`, connector: 'memory' });
      const key = (await adminRepos.apiKeys.create(org.id, { name: 'k', role: 'viewer' })).key;
      if (side === 'a') orgs.keyA = key;
      else orgs.keyB = key;
    }
    const db = new URL(PG_URL!).pathname.slice(1);
    await superuser(
      `create role ${role} login password 'rls' nosuperuser nobypassrls;
       grant create on database "${db}" to ${role};
       grant usage on schema "${database.schema}" to ${role};
       grant all on all tables in schema "${database.schema}" to ${role};`,
    );
    const url = new URL(PG_URL!);
    url.username = role;
    url.password = 'rls';
    tenantStore = await openDatabase(
      { dialect: 'postgres', url: url.toString() },
      { schema: database.schema! },
    );
  });

  afterAll(async () => {
    await tenantStore?.close();
    await admin?.close();
    await database?.dispose();
    const db = new URL(PG_URL!).pathname.slice(1);
    await superuser(`revoke create on database "${db}" from ${role}; drop role if exists ${role};`);
  });

  const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort();

  it('every table with an org_id column has a forced policy (a new tenant table must call enableTenantRowSecurity)', async () => {
    const { rows } = await sql<{ table: string; enabled: boolean; forced: boolean; policies: number }>`
      select c.relname as "table", c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
        (select count(*)::int from pg_policy p where p.polrelid = c.oid) as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped)
      order by 1`.execute(admin.db);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !r.enabled || !r.forced || r.policies < 1).map((r) => r.table)).toEqual([]);
  });

  it('a query with no org filter sees only the scoped organization', async () => {
    const unfiltered = () => tenantStore.db.selectFrom('connections').select('name').execute();
    expect(names(await withOrgScope(orgs.a, unfiltered))).toEqual(['a one', 'a two']);
    expect(names(await withOrgScope(orgs.b, unfiltered))).toEqual(['b one', 'b two']);
    // Unscoped work (workers, sign-in) relies on its own filters and sees every row.
    expect(names(await unfiltered()).length).toBe(4);
    // The superuser bypasses policies, whatever the setting: the limit the docs name.
    const viaAdmin = await withOrgScope(orgs.a, () =>
      admin.db.selectFrom('connections').select('name').execute(),
    );
    expect(viaAdmin.length).toBe(4);
  });

  it('writes cannot reach or create another organization’s rows', async () => {
    const updated = await withOrgScope(orgs.a, () =>
      tenantStore.db
        .updateTable('connections')
        .set({ name: 'hijacked' })
        .where('org_id', '=', orgs.b)
        .executeTakeFirst(),
    );
    expect(Number(updated.numUpdatedRows)).toBe(0);
    const tenantRepos = createRepositories(tenantStore.db, box);
    await expect(
      withOrgScope(orgs.a, () =>
        tenantRepos.connections.create(orgs.b, { name: 'planted', connector: 'memory' }),
      ),
    ).rejects.toThrow(/row-level security/);
    const all = await admin.db.selectFrom('connections').select('name').execute();
    expect(names(all)).toEqual(['a one', 'a two', 'b one', 'b two']);
  });

  it('a transaction keeps its scope, and a pooled connection never carries a scope to the next user', async () => {
    const inTx = await withOrgScope(orgs.b, () =>
      tenantStore.db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('connections').select('name').execute();
        const setting = await sql<{
          v: string;
        }>`select current_setting('datasync.org_id', true) as v`.execute(trx);
        return { rows, setting: setting.rows[0]?.v };
      }),
    );
    expect(names(inTx.rows)).toEqual(['b one', 'b two']);
    expect(inTx.setting).toBe(orgs.b);
    const scopedThenNot = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        i % 3 === 0
          ? tenantStore.db.selectFrom('connections').select('name').execute()
          : withOrgScope(i % 3 === 1 ? orgs.a : orgs.b, () =>
              tenantStore.db.selectFrom('connections').select('name').execute(),
            ),
      ),
    );
    scopedThenNot.forEach((rows, i) => expect(rows.length).toBe(i % 3 === 0 ? 4 : 2));
  });

  it('the API sets the scope per request: concurrent requests of two organizations each see their own', async () => {
    const ctx: AppContext = {
      config: loadConfig({ DATASYNC_DATA_DIR: database.dir }),
      logger: pino({ level: 'silent' }),
      store: tenantStore,
      box,
      repos: createRepositories(tenantStore.db, box),
      secretKeyFile: undefined,
      close: async () => undefined,
    };
    const app = await buildServer(ctx, { authFailureLimit: { max: 1_000_000, windowMs: 60_000 } });
    try {
      const list = (key: string) =>
        app.inject({
          method: 'GET',
          url: '/api/v1/connections',
          headers: { authorization: `Bearer ${key}` },
        });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => list(i % 2 ? orgs.keyB : orgs.keyA)),
      );
      answers.forEach((res, i) => {
        expect(res.statusCode).toBe(200);
        const expected = i % 2 ? ['b one', 'b two'] : ['a one', 'a two'];
        expect(names((res.json() as { data: { name: string }[] }).data)).toEqual(expected);
      });
    } finally {
      await app.close();
    }
  });

  it('a route handler that forgets its org filter still answers only its organization’s rows', async () => {
    const ctx: AppContext = {
      config: loadConfig({ DATASYNC_DATA_DIR: database.dir }),
      logger: pino({ level: 'silent' }),
      store: tenantStore,
      box,
      repos: createRepositories(tenantStore.db, box),
      secretKeyFile: undefined,
      close: async () => undefined,
    };
    const careless = defineRoute({
      method: 'GET',
      path: '/careless',
      operationId: 'careless',
      summary: 'lists every connection, unfiltered (a bug RLS contains)',
      tag: 'test',
      access: 'org:read',
      responses: { 200: z.unknown() },
      handler: async ({ api }) =>
        ok(await api.app.store.db.selectFrom('connections').select('name').execute()),
    });
    const app = Fastify();
    registerRoutes(app, createApiContext(ctx, defaultApiOptions()), [careless]);
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/careless',
        headers: { authorization: `Bearer ${orgs.keyB}` },
      });
      expect(res.statusCode).toBe(200);
      expect(names(res.json() as { name: string }[])).toEqual(['b one', 'b two']);
    } finally {
      await app.close();
    }
  });
});
