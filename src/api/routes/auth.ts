/**
 * @module Sign-in and sign-out. A session is a random token in an httpOnly SameSite=Lax cookie (only its hash is
 * stored); the CSRF token that state-changing requests must echo comes back in the body and a readable cookie.
 * Sign-in is rate limited per client IP, and an unknown email costs the same scrypt work as a wrong password.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { hashPassword, verifyPassword } from '../../lib/crypto/password.js';
import { DataSyncError } from '../../lib/errors.js';
import { CSRF_COOKIE, csrfTokenFor, SESSION_COOKIE } from '../auth/csrf.js';
import { defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { MembershipSchema, organizationView, UserSchema, userView } from '../schemas/people.js';

const LoginBodySchema = z
  .strictObject({
    email: z.string().trim().max(320).pipe(z.email()),
    password: z.string().min(1).max(1024),
  })
  .meta({ id: 'LoginRequest' });

const LoginResponseSchema = z
  .strictObject({
    user: UserSchema,
    memberships: z.array(MembershipSchema),
    /** Echo in the X-CSRF-Token header on every state-changing request made with the session cookie. */
    csrfToken: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'LoginResponse' });

// Spent on unknown emails so that response time does not tell which emails have accounts.
let dummyHash: Promise<string> | undefined;

function cookieOptions(request: FastifyRequest, maxAgeSeconds: number, httpOnly: boolean) {
  return {
    path: '/',
    httpOnly,
    sameSite: 'lax' as const,
    secure: request.protocol === 'https',
    maxAge: maxAgeSeconds,
  };
}

function clearSessionCookies(request: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(request, 0, true));
  void reply.clearCookie(CSRF_COOKIE, cookieOptions(request, 0, false));
}

export const authRoutes: ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/auth/login',
    operationId: 'login',
    summary: 'Sign in with email and password; sets the session cookie',
    tag: 'auth',
    access: 'public',
    body: LoginBodySchema,
    responses: { 200: LoginResponseSchema },
    bodyLimit: 4096,
    rateLimit: (api) => api.options.loginRateLimit,
    async handler({ body, api, request, reply }) {
      const repos = api.app.repos;
      const user = await repos.users.byEmailWithHash(body.email);
      const valid = user?.password_hash
        ? await verifyPassword(body.password, user.password_hash)
        : await verifyPassword(body.password, await (dummyHash ??= hashPassword('not a password')));
      if (!user || !user.password_hash || !valid) {
        throw new DataSyncError('unauthorized', 'wrong email or password');
      }
      const { session, token } = await repos.sessions.create(user.id, {
        ttlMs: api.options.sessionTtlMs,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      const memberships = await repos.users.memberships(user.id);
      for (const m of memberships) {
        await repos.auditLog.append(m.orgId, {
          actorType: 'user',
          actorId: user.id,
          action: 'session.created',
          resourceType: 'session',
          resourceId: session.id,
          ip: request.ip,
        });
      }
      const maxAge = Math.floor(api.options.sessionTtlMs / 1000);
      const csrfToken = csrfTokenFor(token);
      void reply.setCookie(SESSION_COOKIE, token, cookieOptions(request, maxAge, true));
      void reply.setCookie(CSRF_COOKIE, csrfToken, cookieOptions(request, maxAge, false));
      return ok({
        user: userView(user),
        memberships: memberships.map((m) => ({
          organization: organizationView(m.organization),
          role: m.role,
        })),
        csrfToken,
        expiresAt: session.expires_at,
      });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/auth/logout',
    operationId: 'logout',
    summary: 'Sign out: ends the session and clears its cookies',
    tag: 'auth',
    access: 'authenticated',
    responses: { 204: null },
    async handler({ principal, api, request, reply }) {
      if (principal?.kind !== 'user') {
        throw new DataSyncError('bad_request', 'API keys do not sign out: revoke the key instead');
      }
      await api.app.repos.sessions.delete(principal.session.id);
      for (const m of principal.memberships) {
        await api.app.repos.auditLog.append(m.orgId, {
          actorType: 'user',
          actorId: principal.user.id,
          action: 'session.deleted',
          resourceType: 'session',
          resourceId: principal.session.id,
          ip: request.ip,
        });
      }
      clearSessionCookies(request, reply);
      return noContent();
    },
  }),
];
