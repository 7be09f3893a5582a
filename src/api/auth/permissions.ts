/**
 * @module Roles and the permission table. Every route names one permission; a permission names the least role
 * that holds it. Roles are ordered (viewer < editor < admin < owner), so "holds" is a rank comparison and the
 * table below is the whole policy: read it to know who may do what.
 */
import type { Role } from '../../store/schema.js';

export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const satisfies readonly Role[];

const RANK: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 };

/**
 * The least role holding each permission. Least privilege: viewers read, editors change content and run what
 * exists, admins configure (connections, collections, members, keys), owners alone grant or take ownership.
 * Resources still to come (syncs, runs, conflicts, deliveries) have their rows here already.
 */
export const PERMISSIONS = {
  'org:read': 'viewer',
  'members:read': 'viewer',
  'members:write': 'admin',
  'api_keys:read': 'admin',
  'api_keys:write': 'admin',
  'audit:read': 'admin',
  'connections:read': 'viewer',
  'connections:write': 'admin',
  'connections:test': 'editor',
  'collections:read': 'viewer',
  'collections:write': 'admin',
  'records:read': 'viewer',
  'records:write': 'editor',
  'syncs:read': 'viewer',
  'syncs:write': 'admin',
  'syncs:mappings': 'editor',
  'syncs:run': 'editor',
  'runs:read': 'viewer',
  'runs:control': 'editor',
  'conflicts:read': 'viewer',
  'conflicts:resolve': 'editor',
  'deliveries:read': 'viewer',
  'deliveries:replay': 'editor',
  'webhook_events:read': 'viewer',
  /** Alert channel URLs can carry tokens: admins only, like connections' settings are written by admins. */
  'alerts:read': 'admin',
  'alerts:write': 'admin',
  /** Granting or removing the owner role, and acting on an owner. */
  'ownership:write': 'owner',
} as const satisfies Record<string, Role>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAtLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

export function roleAllows(role: Role, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}

/** The role just below `role`, for tests and messages; undefined for viewer. */
export function roleBelow(role: Role): Role | undefined {
  return ROLES[RANK[role] - 1];
}
