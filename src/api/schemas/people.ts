/**
 * @module Response shapes for people and organizations, shared by auth, me and members routes.
 */
import { z } from 'zod';
import type { Organization, User } from '../../store/repositories/organizations.js';
import { RoleSchema, TimestampSchema } from './common.js';

export const UserSchema = z
  .strictObject({ id: z.string(), email: z.string(), name: z.string(), createdAt: TimestampSchema })
  .meta({ id: 'User' });

export const OrganizationSchema = z
  .strictObject({ id: z.string(), name: z.string(), slug: z.string(), createdAt: TimestampSchema })
  .meta({ id: 'Organization' });

export const MembershipSchema = z
  .strictObject({ organization: OrganizationSchema, role: RoleSchema })
  .meta({ id: 'Membership' });

export function userView(user: User): z.output<typeof UserSchema> {
  return { id: user.id, email: user.email, name: user.name, createdAt: user.created_at };
}

export function organizationView(org: Organization): z.output<typeof OrganizationSchema> {
  return { id: org.id, name: org.name, slug: org.slug, createdAt: org.created_at };
}
