/**
 * An API under test, once per dialect: the real server (buildServer) over a migrated database, called in-process
 * with app.inject. Two organizations, A and B, each with an API key per role, and a person who signs in to A.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe } from 'vitest';
import type { ApiOptions } from '../../src/api/api-options.js';
import { ROLES } from '../../src/api/auth/permissions.js';
import { buildServer } from '../../src/api/server.js';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import type { AppContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config/config.js';
import { hashPassword } from '../../src/lib/crypto/password.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import type { Organization } from '../../src/store/repositories/organizations.js';
import { createRepositories } from '../../src/store/repositories/index.js';
import type { Role } from '../../src/store/schema.js';
import { createOrganization } from '../../src/app/create-organization.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createTestDatabase, DIALECTS } from './dialects.js';

export interface TenantWorld {
  org: Organization;
  /** A `Bearer dsk_…` key per role. */
  keys: Record<Role, string>;
}

export interface ApiWorld {
  app: FastifyInstance;
  ctx: AppContext;
  a: TenantWorld;
  b: TenantWorld;
  /** Signs in to A as its owner (email + password) */
  login: { email: string; password: string };
  /** The process runtime the server hands work to (never started: jobs stay queued for tests to inspect). */
  runtime: Runtime;
  inject(options: InjectOptions & { key?: string }): Promise<LightMyRequestResponse>;
}

let n = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${n++}`;

/**
 * A tenant with a key per role. `viaProduct` makes it the way the product does (`createOrganization`, behind
 * POST /api/v1/organizations and `datasync org create`), so the tenancy suites run against such an organization.
 */
async function tenant(ctx: AppContext, name: string, viaProduct = false): Promise<TenantWorld> {
  const slug = unique(name.toLowerCase());
  const org = viaProduct
    ? (
        await createOrganization(ctx.store.db, ctx.box, {
          name,
          slug: slug.replace(/[^a-z0-9-]/g, '-'),
          actor: { type: 'system', id: null },
        })
      ).organization
    : await ctx.repos.organizations.create({ name, slug });
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = (await ctx.repos.apiKeys.create(org.id, { name: role, role })).key;
  return { org, keys };
}

export function describeApi(
  name: string,
  body: (get: () => ApiWorld) => void,
  options: Partial<ApiOptions> = {},
): void {
  for (const dialect of DIALECTS) {
    describe(`${name} [${dialect}]`, () => {
      let world: ApiWorld | undefined;
      let dispose: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const database = await createTestDatabase(dialect);
        const store = await database.open();
        await migrateToLatest(store.db as never, store.dialect);
        const box = new SecretBox(randomBytes(32));
        const ctx: AppContext = {
          // DATABASE_URL too: a started runtime's queue on Postgres connects through it.
          config: loadConfig({
            DATASYNC_DATA_DIR: database.dir,
            ...(database.url ? { DATABASE_URL: database.url } : {}),
          }),
          logger: pino({ level: 'silent' }),
          store,
          box,
          repos: createRepositories(store.db, box),
          secretKeyFile: undefined,
          close: () => store.close(),
        };
        // A runtime that is never started: routes that queue work (runs, replays, webhooks, cron) enqueue for
        const runtime = await createAppRuntime(ctx, {
          scheduler: false,
        });
        const app = await buildServer(ctx, {
          runtime,
          loginRateLimit: { max: 10_000, timeWindowMs: 60_000 },
          authFailureLimit: { max: 1_000_000, windowMs: 60_000 },
          ...options,
        });
        await app.ready();
        const a = await tenant(ctx, 'Alpha');
        const b = await tenant(ctx, 'Beta', true);
        const login = { email: `${unique('owner')}@example.com`, password: 'correct horse battery' };
        const user = await ctx.repos.users.create({
          email: login.email,
          name: 'Owner',
          passwordHash: await hashPassword(login.password),
        });
        await ctx.repos.users.addMembership(a.org.id, user.id, 'owner');
        world = {
          app,
          ctx,
          a,
          b,
          login,
          runtime,
          inject: ({ key, headers, ...rest }) =>
            app.inject({
              ...rest,
              headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
            }),
        };
        dispose = async () => {
          await app.close();
          await runtime.stop();
          await store.close();
          await database.dispose();
        };
      });
      afterAll(async () => dispose?.());
      body(() => {
        if (!world) throw new Error('api not ready');
        return world;
      });
    });
  }
}

/** Signs in and returns the cookie header and CSRF token a browser would hold. */
export async function signIn(
  w: ApiWorld,
  login = w.login,
): Promise<{ cookie: string; csrf: string; headers: Record<string, string> }> {
  const res = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: login });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const csrf = (res.json() as { csrfToken: string }).csrfToken;
  return { cookie, csrf, headers: { cookie, 'x-csrf-token': csrf } };
}
