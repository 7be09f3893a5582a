/**
 * @module The one way to declare an HTTP route: method, path, the permission it needs, zod schemas for params,
 * query, body and responses, and a handler that receives parsed, typed input. The same declaration mounts the
 * route (register-routes.ts), documents it (openapi.ts) and is walked by the test harness, so a route cannot be
 * served without being documented, checked for a permission and covered by the security tests.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../store/schema.js';
import type { AuditInput } from '../store/repositories/audit-log.js';
import type { Repositories } from '../store/repositories/index.js';
import type { ApiContext } from './api-options.js';
import type { Permission } from './auth/permissions.js';
import type { Principal, RequestAuth } from './auth/principal.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route: `public` (anyone, e.g. sign-in), `authenticated` (any caller; the organization may be
 * absent, e.g. /me), or a permission from the table in auth/permissions.ts (the caller's role in the selected
 * organization must hold it).
 */
export type Access = 'public' | 'authenticated' | Permission;

/** An audit entry for the current caller, organization and client IP: only the what is left to say. */
export type AuditFn = (
  entry: Pick<AuditInput, 'action' | 'resourceType' | 'resourceId' | 'details'>,
) => Promise<void>;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Set on every route but `public` ones (where it is undefined). Org-less only on `authenticated` routes. */
  auth: RequestAuth;
  principal: Principal | undefined;
  api: ApiContext;
  repos: Repositories;
  request: FastifyRequest;
  reply: FastifyReply;
  /** Appends to the audit log outside any transaction (prefer `transaction` when the change writes too). */
  audit: AuditFn;
  /** Runs `fn` in one database transaction with repositories, an audit function and the transaction itself. */
  transaction<T>(fn: (repos: Repositories, audit: AuditFn, db: Kysely<Database>) => Promise<T>): Promise<T>;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: HttpMethod;
  /** Fastify syntax: `/api/v1/connections/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** Groups operations in the docs, usually the resource name. */
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Status → response body schema (`null`: no body, e.g. 204). Error statuses are added for every route. */
  responses: Record<number, z.ZodType | null>;
  /**
   * Also accept the organization as `?org=<id or slug>` (same membership check as the X-DataSync-Org header),
   * for clients that cannot set headers: a browser's EventSource. The route's query schema declares `org`.
   */
  orgQuery?: boolean;
  /**
   * The error an invalid body answers: 422 `validation_failed` by default; `bad_request` (400) for routes kept
   * compatible with an API that answered 400 (POST /sync/start).
   */
  invalidBody?: 'validation_failed' | 'bad_request';
  /** Error statuses beyond the ones every route documents (e.g. 504 for a route that waits). */
  errorStatuses?: readonly number[];
  /** Bytes; defaults to DEFAULT_BODY_LIMIT. */
  bodyLimit?: number;
  /** Per client IP, by @fastify/rate-limit, for routes that check secrets (sign-in). */
  rateLimit?: (api: ApiContext) => { max: number; timeWindowMs: number };
  handler(input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult>;
}

/** A declared route with its types erased, as the registry, the document builder and the tests hold it. */
export type ApiRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

export const DEFAULT_BODY_LIMIT = 64 * 1024;

export function defineRoute<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(spec: RouteSpec<P, Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}

export const ok = (body: unknown): RouteResult => ({ status: 200, body });
export const created = (body: unknown): RouteResult => ({ status: 201, body });
export const noContent = (): RouteResult => ({ status: 204 });

/** `GET /a/:id` → `GET /a/{id}` (OpenAPI), and the route's key in lists and tests. */
export function routeKey(route: Pick<ApiRoute, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}
