/**
 * @module Organizations (tenants), users and their memberships.
 */
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import type { Database, OrganizationsTable, Role, UsersTable } from '../schema.js';

export type Organization = OrganizationsTable;
export type User = Omit<UsersTable, 'password_hash'>;
export interface Membership {
  orgId: string;
  userId: string;
  role: Role;
  organization: Organization;
}

export class OrganizationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** `id` when the caller needs it beforehand (to scope the new tenant's first writes to it). */
  async create(input: { name: string; slug: string; id?: string }): Promise<Organization> {
    const row = { id: input.id ?? newId('org'), name: input.name, slug: input.slug, created_at: nowIso() };
    await this.db.insertInto('organizations').values(row).execute();
    return row;
  }

  async get(id: string): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async bySlug(slug: string): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async first(): Promise<Organization | undefined> {
    return this.db.selectFrom('organizations').selectAll().orderBy('id').limit(1).executeTakeFirst();
  }
}

export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { email: string; name: string; passwordHash: string | null }): Promise<User> {
    const row = {
      id: newId('usr'),
      email: input.email.trim().toLowerCase(),
      name: input.name,
      password_hash: input.passwordHash,
      created_at: nowIso(),
    };
    await this.db.insertInto('users').values(row).execute();
    return { id: row.id, email: row.email, name: row.name, created_at: row.created_at };
  }

  /** Includes the password hash: for sign-in only. */
  async byEmailWithHash(email: string): Promise<UsersTable | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email.trim().toLowerCase())
      .executeTakeFirst();
  }

  async get(id: string): Promise<User | undefined> {
    return this.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async setPassword(id: string, passwordHash: string): Promise<void> {
    await this.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async addMembership(orgId: string, userId: string, role: Role): Promise<void> {
    await this.db
      .insertInto('memberships')
      .values({ org_id: orgId, user_id: userId, role, created_at: nowIso() })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doUpdateSet({ role }))
      .execute();
  }

  async memberships(userId: string): Promise<Membership[]> {
    const rows = await this.db
      .selectFrom('memberships')
      .innerJoin('organizations', 'organizations.id', 'memberships.org_id')
      .select([
        'memberships.org_id',
        'memberships.user_id',
        'memberships.role',
        'organizations.name',
        'organizations.slug',
        'organizations.created_at',
      ])
      .where('memberships.user_id', '=', userId)
      .orderBy('memberships.org_id')
      .execute();
    return rows.map((r) => ({
      orgId: r.org_id,
      userId: r.user_id,
      role: r.role,
      organization: { id: r.org_id, name: r.name, slug: r.slug, created_at: r.created_at },
    }));
  }

  async role(orgId: string, userId: string): Promise<Role | undefined> {
    const row = await this.db
      .selectFrom('memberships')
      .select('role')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role;
  }
}
