/**
 * The security harness: walks every declared route with its row from route-cases.ts and checks success as the
 * least role allowed (response validated against the declared schema), bad input (400/422), no credentials (401),
 * the role just below the required one (403), and another organization's ids (404), on both dialects.
 */
import { expect, it } from 'vitest';
import { PERMISSIONS, roleBelow } from '../../src/api/auth/permissions.js';
import { routeKey, type ApiRoute } from '../../src/api/define-route.js';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { ErrorBodySchema } from '../../src/api/schemas/common.js';
import type { Role } from '../../src/store/schema.js';
import { describeApi, signIn, type ApiWorld } from '../helpers/api.js';
import { ROUTE_CASES, type CaseRequest, type RouteCase } from './route-cases.js';

const byKey = new Map(API_ROUTES.map((r) => [routeKey(r), r]));

export function urlFor(route: ApiRoute, req: CaseRequest): string {
  const path = route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) =>
    encodeURIComponent(req.params?.[name] ?? `missing-${name}`),
  );
  const query = req.query ? new URLSearchParams(req.query).toString() : '';
  return query ? `${path}?${query}` : path;
}

function leastRole(route: ApiRoute): Role | undefined {
  if (route.access === 'public') return undefined;
  if (route.access === 'authenticated') return 'viewer';
  return PERMISSIONS[route.access];
}

async function send(
  w: ApiWorld,
  route: ApiRoute,
  req: CaseRequest,
  auth: { key?: string; headers?: Record<string, string> },
) {
  return w.inject({
    method: route.method,
    url: urlFor(route, req),
    ...(req.body !== undefined ? { payload: req.body as object } : {}),
    ...(auth.key ? { key: auth.key } : {}),
    ...(auth.headers ? { headers: auth.headers } : {}),
  });
}

function expectErrorBody(body: string, code?: string) {
  const parsed = ErrorBodySchema.parse(JSON.parse(body));
  if (code) expect(parsed.error.code).toBe(code);
}

it('every declared route has exactly one harness row, and every row names a declared route', () => {
  const declared = API_ROUTES.map(routeKey).sort();
  const covered = ROUTE_CASES.map((c) => c.route).sort();
  expect(covered).toEqual(declared);
});

const cases: [string, RouteCase, ApiRoute][] = ROUTE_CASES.map((c) => [c.route, c, byKey.get(c.route)!]);

describeApi(
  'route harness',
  (get) => {
    async function principalFor(w: ApiWorld, c: RouteCase, role: Role | undefined) {
      if (c.session) return { headers: (await signIn(w)).headers };
      return role ? { key: w.a.keys[role] } : {};
    }

    it.each(cases)(
      '%s: succeeds for the least role allowed, with a response matching its schema',
      async (_k, c, route) => {
        const w = get();
        const req = await c.valid(w, w.a);
        const res = await send(w, route, req, await principalFor(w, c, leastRole(route)));
        expect(res.statusCode, res.body).toBe(c.status);
        const schema = route.responses[c.status];
        if (schema) schema.parse(res.json());
        else expect(res.body).toBe('');
      },
    );

    it.each(cases)('%s: rejects bad input with 400/422', async (_k, c, route) => {
      const w = get();
      const req = c.bad ? await c.bad(w, w.a) : { ...(await c.valid(w, w.a)), query: { bogus: '1' } };
      const res = await send(
        w,
        route,
        req,
        c.session
          ? await principalFor(w, c, 'owner')
          : route.access === 'public'
            ? {}
            : { key: w.a.keys.owner },
      );
      expect([400, 422], res.body).toContain(res.statusCode);
      expectErrorBody(res.body);
    });

    it.each(cases.filter(([, , r]) => r.access !== 'public'))(
      '%s: answers 401 without credentials',
      async (_k, c, route) => {
        const w = get();
        const res = await send(w, route, await c.valid(w, w.a), {});
        expect(res.statusCode, res.body).toBe(401);
        expectErrorBody(res.body, 'unauthorized');
        const forged = await send(w, route, await c.valid(w, w.a), { key: 'dsk_' + 'A'.repeat(43) });
        expect(forged.statusCode).toBe(401);
      },
    );

    it.each(
      cases.filter(
        ([, , r]) => roleBelow(leastRole(r) ?? 'viewer') !== undefined && r.access !== 'authenticated',
      ),
    )('%s: answers 403 to the role just below the one required', async (_k, c, route) => {
      const w = get();
      const below = roleBelow(leastRole(route)!)!;
      const res = await send(w, route, await c.valid(w, w.a), { key: w.a.keys[below] });
      expect(res.statusCode, res.body).toBe(403);
      expectErrorBody(res.body, 'forbidden');
    });

    it('walks every route with ids as an owner of org B against org A’s ids: 404 every time, nothing changed in A', async () => {
      const w = get();
      const bKeyIds = (await w.ctx.repos.apiKeys.list(w.b.org.id)).data.map((k) => k.id);
      const walked: string[] = [];
      for (const [key, c, route] of cases) {
        if (!route.path.includes(':') || route.access === 'public') continue;
        const req = await c.valid(w, w.a);
        const res = await send(w, route, req, { key: w.b.keys.owner });
        expect(res.statusCode, `${key}: ${res.body}`).toBe(404);
        expectErrorBody(res.body, 'not_found');
        // The same ids, naming org A explicitly from B's key: still 404.
        const named = await send(w, route, req, {
          key: w.b.keys.owner,
          headers: { 'x-datasync-org': w.a.org.id },
        });
        expect(named.statusCode, key).toBe(404);
        walked.push(key);
      }
      expect(walked.length).toBeGreaterThanOrEqual(12);
      const crossWrites = await w.ctx.store.db
        .selectFrom('audit_log')
        .select('id')
        .where('org_id', '=', w.a.org.id)
        .where('actor_id', 'in', bKeyIds)
        .execute();
      expect(crossWrites).toEqual([]);
    });

    it('lists as org B never show org A’s rows', async () => {
      const w = get();
      const aIds = new Set<string>();
      for (const [, c, route] of cases) {
        if (route.method !== 'GET' || route.access === 'public') continue;
        const req = await c.valid(w, w.a);
        for (const v of Object.values(req.params ?? {})) aIds.add(v);
      }
      for (const [key, c, route] of cases) {
        if (route.method !== 'GET' || route.path.includes(':') || route.access === 'public') continue;
        const req = await c.valid(w, w.b);
        const res = await send(w, route, { ...req, query: {} }, { key: w.b.keys.owner });
        expect(res.statusCode, key).toBe(200);
        const text = res.body;
        for (const id of aIds) expect(text.includes(id), `${key} leaks ${id}`).toBe(false);
        expect(text.includes(w.a.org.id), key).toBe(false);
      }
    });
  },
  {
    connectionChecker: {
      async check(input) {
        const ok = input.credentials.token?.startsWith('good') ?? false;
        return { ok, message: ok ? 'credentials accepted' : 'credentials rejected' };
      },
    },
  },
);
