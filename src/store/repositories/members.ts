/**
 * @module The people of one organization: memberships joined with their users, listed, re-roled and removed.
 * Every method is scoped by organization; the owner rules (who may grant ownership, never zero owners) live in
 * the API, which calls `ownerCount` inside the same transaction as the change.
 */
import type { Kysely } from 'kysely';
import type { Database, Role } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface Member {
  /** The user id: members are addressed by it, which keeps cursors stable and sortable. */
  id: string;
  email: string;
  name: string;
  role: Role;
  joinedAt: string;
}

export class MemberRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private base(orgId: string) {
    return this.db
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select([
        'users.id as id',
        'users.email as email',
        'users.name as name',
        'memberships.role as role',
        'memberships.created_at as joinedAt',
      ])
      .where('memberships.org_id', '=', orgId);
  }

  async list(orgId: string, page: PageRequest & { role?: Role } = {}): Promise<Page<Member>> {
    const limit = pageLimit(page);
    let q = this.base(orgId);
    if (page.role) q = q.where('memberships.role', '=', page.role);
    if (page.cursor) q = q.where('users.id', '>', page.cursor);
    return toPage(
      await q
        .orderBy('users.id')
        .limit(limit + 1)
        .execute(),
      limit,
    );
  }

  async get(orgId: string, userId: string): Promise<Member | undefined> {
    return this.base(orgId).where('users.id', '=', userId).executeTakeFirst();
  }

  async setRole(orgId: string, userId: string, role: Role): Promise<boolean> {
    const result = await this.db
      .updateTable('memberships')
      .set({ role })
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async remove(orgId: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('memberships')
      .where('org_id', '=', orgId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async ownerCount(orgId: string): Promise<number> {
    const row = await this.db
      .selectFrom('memberships')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
