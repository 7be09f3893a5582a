/**
 * @module `GET /api/v1/me`: who the caller is, their organizations, the one this request acts on and their role
 * there (null when a person in several organizations named none), and the CSRF token for a cookie session.
 */
import { z } from 'zod';
import { csrfTokenFor } from '../auth/csrf.js';
import { resolveOrg } from '../auth/authenticate.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { RoleSchema } from '../schemas/common.js';
import {
  MembershipSchema,
  OrganizationSchema,
  organizationView,
  UserSchema,
  userView,
} from '../schemas/people.js';

const MeSchema = z
  .strictObject({
    user: UserSchema.nullable(),
    apiKey: z
      .strictObject({ id: z.string(), name: z.string(), prefix: z.string(), role: RoleSchema })
      .nullable(),
    memberships: z.array(MembershipSchema),
    organization: OrganizationSchema.nullable(),
    role: RoleSchema.nullable(),
    csrfToken: z.string().nullable(),
  })
  .meta({ id: 'Me' });

export const meRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/me',
    operationId: 'getMe',
    summary: 'The caller, their organizations, the current organization and role',
    tag: 'me',
    access: 'authenticated',
    responses: { 200: MeSchema },
    async handler({ principal, api, request }) {
      const p = principal!;
      const current = await resolveOrg(request, api, p, false);
      const org = current ? await api.app.repos.organizations.get(current.orgId) : undefined;
      if (p.kind === 'api_key') {
        const k = p.apiKey;
        return ok({
          user: null,
          apiKey: { id: k.id, name: k.name, prefix: k.prefix, role: k.role },
          memberships: org ? [{ organization: organizationView(org), role: k.role }] : [],
          organization: org ? organizationView(org) : null,
          role: current?.role ?? null,
          csrfToken: null,
        });
      }
      return ok({
        user: userView(p.user),
        apiKey: null,
        memberships: p.memberships.map((m) => ({
          organization: organizationView(m.organization),
          role: m.role,
        })),
        organization: org ? organizationView(org) : null,
        role: current?.role ?? null,
        csrfToken: csrfTokenFor(p.sessionToken),
      });
    },
  }),
];
