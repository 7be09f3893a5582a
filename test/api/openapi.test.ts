/**
 * The OpenAPI document: structurally valid 3.1 (every route present once, every $ref resolvable, every path
 * parameter declared), accepted by openapi-typescript's parser, the committed client types up to date, and the
 * generated client working against a real server on loopback.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { buildOpenApiDocument, toOpenApiPath } from '../../src/api/openapi.js';
import { OPS_OPERATION_COUNT } from '../../src/api/openapi-ops.js';
import { routeKey } from '../../src/api/define-route.js';
import { API_ROUTES } from '../../src/api/routes/index.js';
import { createDataSyncClient } from '../../src/client/index.js';
import { CLIENT_SCHEMA_FILE, generateClientTypes } from '../../scripts/generate-client.js';
import { describeApi, unique } from '../helpers/api.js';

const doc = buildOpenApiDocument(API_ROUTES);

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

it('lists every declared route once, with a unique operationId and its permission', () => {
  expect(doc.openapi).toBe('3.1.0');
  const ids = new Set<string>();
  for (const route of API_ROUTES) {
    const op = doc.paths[toOpenApiPath(route.path)]?.[route.method.toLowerCase()];
    expect(op, routeKey(route)).toBeDefined();
    expect(ids.has(op!.operationId as string)).toBe(false);
    ids.add(op!.operationId as string);
    if (route.access !== 'public' && route.access !== 'authenticated')
      expect(op!['x-permission']).toBe(route.access);
    const declared = ((op!.parameters as { name: string; in: string }[]) ?? [])
      .filter((p) => p.in === 'path')
      .map((p) => p.name);
    const inPath = [...toOpenApiPath(route.path).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    expect(declared.sort(), routeKey(route)).toEqual(inPath.sort());
  }
  const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item));
  expect(operations).toHaveLength(API_ROUTES.length + OPS_OPERATION_COUNT);
});

it('documents the endpoints outside defineRoute: webhook receiver and handshake, cron tick, metrics', () => {
  const hooks = doc.paths['/api/v1/hooks/{connectionId}'];
  expect(hooks?.post?.operationId).toBe('receiveWebhook');
  expect(hooks?.get?.operationId).toBe('webhookHandshake');
  expect(Object.keys(doc.paths['/api/v1/cron/tick'] ?? {}).sort()).toEqual(['get', 'post']);
  expect(doc.paths['/metrics']?.get?.operationId).toBe('metrics');
  expect(doc.components.securitySchemes.cronSecret).toMatchObject({ type: 'http', scheme: 'bearer' });
});

it('resolves every $ref to a component schema', () => {
  const all = refs(doc);
  expect(all.length).toBeGreaterThan(20);
  for (const ref of all) {
    expect(ref).toMatch(/^#\/components\/schemas\//);
    expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
  }
});

it('has committed client types that match the document (run `npm run generate:client` when this fails)', async () => {
  // openapi-typescript parses and validates the document on the way (it throws on a malformed one).
  const fresh = await generateClientTypes();
  expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8') === fresh, 'src/client/schema.ts is stale').toBe(true);
});

describeApi('typed client', (get) => {
  it('talks to a real server over loopback with an API key', async () => {
    const w = get();
    const address = await w.app.listen({ port: 0, host: '127.0.0.1' });
    const api = createDataSyncClient({ baseUrl: address, apiKey: w.a.keys.admin });
    const me = await api.GET('/api/v1/me');
    expect(me.data?.role).toBe('admin');
    const made = await api.POST('/api/v1/connections', {
      body: { name: unique('client'), connector: 'notion', credentials: { token: 'secret_123456789' } },
    });
    expect(made.response.status).toBe(201);
    const got = await api.GET('/api/v1/connections/{id}', { params: { path: { id: made.data!.id } } });
    expect(got.data?.credentials).toEqual({ token: '••••6789' });
    const bad = await api.POST('/api/v1/connections', { body: { name: '', connector: 'x' } });
    expect(bad.error?.error.code).toBe('validation_failed');
  });

  it('answers the documented statuses on the endpoints outside defineRoute', async () => {
    const w = get();
    const documented = (path: string, method: string) =>
      Object.keys((doc.paths[path]?.[method]?.responses ?? {}) as object).map(Number);
    const unknownHook = await w.app.inject({
      method: 'POST',
      url: `/api/v1/hooks/con_${'0'.repeat(26)}`,
      payload: '{}',
    });
    expect(documented('/api/v1/hooks/{connectionId}', 'post')).toContain(unknownHook.statusCode);
    expect(unknownHook.json()).toMatchObject({ error: { code: 'not_found' } });
    const handshake = await w.app.inject({ method: 'GET', url: `/api/v1/hooks/con_${'0'.repeat(26)}` });
    expect(documented('/api/v1/hooks/{connectionId}', 'get')).toContain(handshake.statusCode);
    for (const method of ['POST', 'GET'] as const) {
      const tick = await w.app.inject({ method, url: '/api/v1/cron/tick' });
      expect(documented('/api/v1/cron/tick', method.toLowerCase())).toContain(tick.statusCode);
    }
    const metrics = await w.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
  });
});
