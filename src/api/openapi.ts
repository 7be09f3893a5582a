/**
 * @module The OpenAPI 3.1 document, built from the route declarations and their zod schemas (z.toJSONSchema), so
 * the document cannot drift from what the server validates. Named schemas (`.meta({ id })`) become
 * components; every operation lists the error responses it can give and the permission it needs.
 */
import { z } from 'zod';
import { PERMISSIONS } from './auth/permissions.js';
import { ORG_HEADER } from './auth/authenticate.js';
import { CSRF_HEADER, SESSION_COOKIE } from './auth/csrf.js';
import { routeKey, type ApiRoute } from './define-route.js';
import { ErrorBodySchema } from './schemas/common.js';
import { OPS_SECURITY_SCHEMES, opsPaths } from './openapi-ops.js';

type Json = Record<string, unknown>;

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json>; securitySchemes: Record<string, Json> };
  security: Record<string, string[]>[];
  tags: { name: string }[];
}

const ERROR_STATUSES: Record<number, string> = {
  400: 'Bad request (malformed JSON, path or query)',
  401: 'No or invalid credentials',
  403: 'Your role does not allow this, or the CSRF header is missing',
  404: 'Not found in the current organization',
  409: 'Conflict (already exists, changed since read, last owner)',
  413: 'Body too large',
  415: 'Unsupported media type (send application/json)',
  422: 'Request body failed validation (unknown fields included)',
  429: 'Rate limited',
  501: 'Not implemented yet',
  504: 'Gave up waiting (the work goes on)',
};

/** Collects named schemas as components and rewrites `$defs` references to point at them. */
class ComponentCollector {
  readonly schemas: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    delete json.$schema;
    const renames = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      let target = name;
      const existing = this.schemas[name];
      // The same id can differ between request (input) and response (output) forms, e.g. with defaults.
      if (existing && JSON.stringify(existing) !== JSON.stringify(def))
        target = `${name}${io === 'input' ? 'Input' : 'Output'}`;
      renames.set(name, target);
      this.schemas[target] = def;
    }
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === 'object') {
        const out: Json = {};
        for (const [k, v] of Object.entries(value)) {
          if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
            const name = v.slice('#/$defs/'.length);
            out[k] = `#/components/schemas/${renames.get(name) ?? name}`;
          } else out[k] = rewrite(v);
        }
        return out;
      }
      return value;
    };
    for (const name of renames.values()) this.schemas[name] = rewrite(this.schemas[name]) as Json;
    return rewrite(json) as Json;
  }
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query', c: ComponentCollector): Json[] {
  if (!schema) return [];
  const json = c.convert(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, Json>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => {
    const { description, ...rest } = s;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** Builds the document for `routes`. Pure: the same routes give the same document (the client is generated from it). */
export function buildOpenApiDocument(routes: readonly ApiRoute[], version = '1'): OpenApiDocument {
  const c = new ComponentCollector();
  const errorRef = { $ref: `#/components/schemas/${'ErrorBody'}` };
  c.convert(ErrorBodySchema, 'output');
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const responses: Json = {};
    for (const [status, schema] of Object.entries(route.responses)) {
      responses[status] = schema
        ? { description: 'Success', content: { 'application/json': { schema: c.convert(schema, 'output') } } }
        : { description: 'Success, no body' };
    }
    const errors = [400, 401, 403, 404, 409, 413, 415, 422, 429, 501, ...(route.errorStatuses ?? [])].filter(
      (s) => {
        if (route.access === 'public') return s !== 403 && s !== 404;
        return true;
      },
    );
    for (const s of errors) {
      responses[String(s)] = {
        description: ERROR_STATUSES[s],
        content: { 'application/json': { schema: errorRef } },
      };
    }
    const orgParam =
      route.access === 'public'
        ? []
        : [
            {
              name: ORG_HEADER,
              in: 'header',
              required: false,
              description:
                'Organization id or slug; required for people in several organizations, ignored for API keys unless it names another organization (404).',
              schema: { type: 'string' },
            },
          ];
    const permission =
      route.access === 'public' || route.access === 'authenticated'
        ? { 'x-access': route.access }
        : { 'x-permission': route.access, 'x-min-role': PERMISSIONS[route.access] };
    const operation: Json = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      ...permission,
      parameters: [
        ...parameters(route.params, 'path', c),
        ...parameters(route.query, 'query', c),
        ...orgParam,
      ],
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: c.convert(route.body, 'input') } },
            },
          }
        : {}),
      responses,
      ...(route.access === 'public' ? { security: [] } : {}),
    };
    const path = toOpenApiPath(route.path);
    const item = (paths[path] ??= {});
    if (item[route.method.toLowerCase()]) throw new Error(`route declared twice: ${routeKey(route)}`);
    item[route.method.toLowerCase()] = operation;
  }
  for (const [path, item] of Object.entries(opsPaths())) {
    if (paths[path]) throw new Error(`path declared twice: ${path}`);
    paths[path] = item;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'DataSync API',
      version,
      description:
        `Authenticate with \`Authorization: Bearer dsk_…\` (an API key) or the \`${SESSION_COOKIE}\` cookie from ` +
        `POST /api/v1/auth/login; cookie sessions must send the \`${CSRF_HEADER}\` header on every state-changing ` +
        'request. Errors are always `{"error":{"code","message","details"}}`. Lists take `?cursor=&limit=` and answer ' +
        '`{"data":[…],"nextCursor"}`.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(c.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: dsk_…' },
        session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        ...OPS_SECURITY_SCHEMES,
      },
    },
    security: [{ apiKey: [] }, { session: [] }],
    tags: [...new Set([...routes.map((r) => r.tag), 'webhooks', 'operations'])].map((name) => ({ name })),
  };
}
