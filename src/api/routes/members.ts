/**
 * @module `/api/v1/members`: the people of the current organization. Admins add people by email (creating the
 * account when it does not exist yet), change roles and remove members; only an owner may grant the owner role or
 * change or remove an owner, and an organization never loses its last owner.
 */
import { z } from 'zod';
import { hashPassword } from '../../lib/crypto/password.js';
import { DataSyncError } from '../../lib/errors.js';
import type { Repositories } from '../../store/repositories/index.js';
import type { Role } from '../../store/schema.js';
import { roleAllows } from '../auth/permissions.js';
import type { RequestAuth } from '../auth/principal.js';
import { created, defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import {
  idSchema,
  NameSchema,
  pageQueryShape,
  pageSchema,
  RoleSchema,
  TimestampSchema,
} from '../schemas/common.js';

const MemberSchema = z
  .strictObject({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    joinedAt: TimestampSchema,
  })
  .meta({ id: 'Member' });

const MemberParams = z.strictObject({ userId: idSchema('usr') });

const AddMemberSchema = z
  .strictObject({
    email: z.string().trim().max(320).pipe(z.email()),
    role: RoleSchema,
    /** Used only when the account does not exist yet. */
    name: NameSchema.optional(),
    /** Initial password, only when the account does not exist yet; without it the account cannot sign in yet. */
    password: z.string().min(12).max(1024).optional(),
  })
  .meta({ id: 'AddMemberRequest' });

function requireOwnership(auth: RequestAuth, what: string): void {
  if (!roleAllows(auth.role, 'ownership:write')) {
    throw new DataSyncError('forbidden', `only an owner can ${what}`, {
      details: { permission: 'ownership:write', requiredRole: 'owner', role: auth.role },
    });
  }
}

async function keepAnOwner(repos: Repositories, orgId: string, currentRole: Role): Promise<void> {
  if (currentRole === 'owner' && (await repos.members.ownerCount(orgId)) <= 1) {
    throw new DataSyncError('conflict', 'an organization needs at least one owner', {
      hint: 'make someone else an owner first',
    });
  }
}

export const memberRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/members',
    operationId: 'listMembers',
    summary: 'List the members of the current organization',
    tag: 'members',
    access: 'members:read',
    query: z.strictObject({ ...pageQueryShape, role: RoleSchema.optional() }),
    responses: { 200: pageSchema(MemberSchema) },
    async handler({ query, auth, repos }) {
      return ok(await repos.members.list(auth.orgId, query));
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/members',
    operationId: 'addMember',
    summary: 'Add a person by email with a role (creates the account if needed)',
    tag: 'members',
    access: 'members:write',
    body: AddMemberSchema,
    responses: { 201: MemberSchema },
    async handler({ body, auth, transaction }) {
      if (body.role === 'owner') requireOwnership(auth, 'make someone an owner');
      // Hash outside the transaction: scrypt is slow and must not hold a database lock.
      const passwordHash = body.password ? await hashPassword(body.password) : null;
      const member = await transaction(async (repos, audit) => {
        let user = await repos.users.byEmailWithHash(body.email);
        const createdUser = !user;
        if (!user) {
          const made = await repos.users.create({
            email: body.email,
            name: body.name ?? body.email.split('@')[0]!,
            passwordHash,
          });
          user = { ...made, password_hash: passwordHash };
        } else if (await repos.members.get(auth.orgId, user.id)) {
          throw new DataSyncError('conflict', `${body.email} is already a member`);
        }
        await repos.users.addMembership(auth.orgId, user.id, body.role);
        await audit({
          action: 'member.added',
          resourceType: 'member',
          resourceId: user.id,
          details: { role: body.role, accountCreated: createdUser },
        });
        return repos.members.get(auth.orgId, user.id);
      });
      return created(member);
    },
  }),
  defineRoute({
    method: 'PATCH',
    path: '/api/v1/members/:userId',
    operationId: 'updateMember',
    summary: "Change a member's role",
    tag: 'members',
    access: 'members:write',
    params: MemberParams,
    body: z.strictObject({ role: RoleSchema }).meta({ id: 'UpdateMemberRequest' }),
    responses: { 200: MemberSchema },
    async handler({ params, body, auth, transaction }) {
      return ok(
        await transaction(async (repos, audit) => {
          const current = await repos.members.get(auth.orgId, params.userId);
          if (!current) throw new DataSyncError('not_found', 'member not found');
          if (current.role === 'owner' || body.role === 'owner')
            requireOwnership(auth, 'grant or take ownership');
          if (body.role !== 'owner') await keepAnOwner(repos, auth.orgId, current.role);
          await repos.members.setRole(auth.orgId, params.userId, body.role);
          await audit({
            action: 'member.role_changed',
            resourceType: 'member',
            resourceId: params.userId,
            details: { from: current.role, to: body.role },
          });
          return repos.members.get(auth.orgId, params.userId);
        }),
      );
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/members/:userId',
    operationId: 'removeMember',
    summary: 'Remove a member from the organization (the account stays)',
    tag: 'members',
    access: 'members:write',
    params: MemberParams,
    responses: { 204: null },
    async handler({ params, auth, transaction }) {
      await transaction(async (repos, audit) => {
        const current = await repos.members.get(auth.orgId, params.userId);
        if (!current) throw new DataSyncError('not_found', 'member not found');
        if (current.role === 'owner') requireOwnership(auth, 'remove an owner');
        await keepAnOwner(repos, auth.orgId, current.role);
        await repos.members.remove(auth.orgId, params.userId);
        await audit({
          action: 'member.removed',
          resourceType: 'member',
          resourceId: params.userId,
          details: { role: current.role },
        });
      });
      return noContent();
    },
  }),
];
