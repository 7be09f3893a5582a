/**
 * @module Social accounts (Instagram users, TikTok users) of an organization: their sealed tokens, the auto-sync
 * switch, and where the last sync left them. Tokens are only opened by `tokens()` for the sync; views carry none.
 */
import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import { nowIso } from '../../lib/time.js';
import { socialId } from '../../social/social-ids.js';
import { fromJson, toJson } from '../json.js';
import type {
  Database,
  SocialAccountsTable,
  SocialPlatform,
  SocialSyncStatus,
  SocialTrigger,
} from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface AccountTokens {
  accessToken: string;
  refreshToken?: string | undefined;
}

/** Where an interrupted walk continues: the page cursor and the time it walks back to. */
export interface SyncCheckpoint {
  cursor: string;
  stopBefore: string | null;
  newest: string | null;
}

export interface SocialAccount {
  id: string;
  orgId: string;
  connectionId: string;
  platform: SocialPlatform;
  platformUserId: string;
  username: string;
  autoSync: boolean;
  isActive: boolean;
  problem: string | null;
  tokenExpiresAt: string | null;
  newestPostAt: string | null;
  checkpoint: SyncCheckpoint | null;
  lastSyncAt: string | null;
  lastAutoSyncAt: string | null;
  lastSyncStatus: SocialSyncStatus | null;
  lastSyncError: string | null;
  createdAt: string;
  updatedAt: string;
}

type AccountRow = Selectable<SocialAccountsTable>;

function toAccount(r: AccountRow): SocialAccount {
  return {
    id: r.id,
    orgId: r.org_id,
    connectionId: r.connection_id,
    platform: r.platform,
    platformUserId: r.platform_user_id,
    username: r.username,
    autoSync: Number(r.auto_sync) === 1,
    isActive: Number(r.is_active) === 1,
    problem: r.problem,
    tokenExpiresAt: r.token_expires_at,
    newestPostAt: r.newest_post_at,
    checkpoint:
      r.checkpoint === null || r.checkpoint === undefined
        ? null
        : fromJson<SyncCheckpoint | null>(r.checkpoint),
    lastSyncAt: r.last_sync_at,
    lastAutoSyncAt: r.last_auto_sync_at,
    lastSyncStatus: r.last_sync_status,
    lastSyncError: r.last_sync_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export const DEFAULT_POLL_MINUTES = 15;

export class SocialAccountRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async create(
    orgId: string,
    input: {
      connectionId: string;
      platform: SocialPlatform;
      platformUserId: string;
      username: string;
      tokens: AccountTokens;
      tokenExpiresAt: string | null;
      autoSync?: boolean;
    },
  ): Promise<SocialAccount> {
    const now = nowIso();
    const row: Insertable<SocialAccountsTable> & AccountRow = {
      id: socialId('sac'),
      org_id: orgId,
      connection_id: input.connectionId,
      platform: input.platform,
      platform_user_id: input.platformUserId,
      username: input.username,
      tokens_enc: this.box.sealJson(input.tokens),
      token_expires_at: input.tokenExpiresAt,
      auto_sync: input.autoSync === false ? 0 : 1,
      is_active: 1,
      problem: null,
      newest_post_at: null,
      checkpoint: null,
      last_sync_at: null,
      last_auto_sync_at: null,
      last_sync_status: null,
      last_sync_error: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('social_accounts').values(row).execute();
    return toAccount(row);
  }

  async get(orgId: string, id: string): Promise<SocialAccount | undefined> {
    const row = await this.db
      .selectFrom('social_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  async findByPlatformUser(
    orgId: string,
    connectionId: string,
    platformUserId: string,
  ): Promise<SocialAccount | undefined> {
    const row = await this.db
      .selectFrom('social_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('connection_id', '=', connectionId)
      .where('platform_user_id', '=', platformUserId)
      .executeTakeFirst();
    return row && toAccount(row);
  }

  async list(
    orgId: string,
    page: PageRequest & { platform?: SocialPlatform | undefined; autoSync?: boolean | undefined } = {},
  ): Promise<Page<SocialAccount>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('social_accounts').selectAll().where('org_id', '=', orgId);
    if (page.platform) q = q.where('platform', '=', page.platform);
    if (page.autoSync !== undefined) q = q.where('auto_sync', '=', page.autoSync ? 1 : 0);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows.map(toAccount), limit);
  }

  /**
   * Accounts a tick syncs: active, auto-sync on, not marked. Checkpointed and least recently synced first, so
   * accounts a budget cut off go first next time.
   */
  async dueForTick(orgId: string): Promise<SocialAccount[]> {
    const rows = await this.db
      .selectFrom('social_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('is_active', '=', 1)
      .where('auto_sync', '=', 1)
      .where('problem', 'is', null)
      .execute();
    return rows
      .map(toAccount)
      .sort(
        (a, b) =>
          Number(b.checkpoint !== null) - Number(a.checkpoint !== null) ||
          (a.lastSyncAt ?? '').localeCompare(b.lastSyncAt ?? '') ||
          a.id.localeCompare(b.id),
      );
  }

  async update(
    orgId: string,
    id: string,
    patch: { autoSync?: boolean | undefined; isActive?: boolean | undefined },
  ): Promise<SocialAccount | undefined> {
    const set: Updateable<SocialAccountsTable> = { updated_at: nowIso() };
    if (patch.autoSync !== undefined) set.auto_sync = patch.autoSync ? 1 : 0;
    if (patch.isActive !== undefined) set.is_active = patch.isActive ? 1 : 0;
    await this.db
      .updateTable('social_accounts')
      .set(set)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    return this.get(orgId, id);
  }

  /** The opened tokens: for the sync only, never for responses or logs. */
  async tokens(orgId: string, id: string): Promise<AccountTokens | undefined> {
    const row = await this.db
      .selectFrom('social_accounts')
      .select('tokens_enc')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.box.openJson<AccountTokens>(row.tokens_enc);
  }

  /** New tokens (a refresh or a reconnect) also clear a problem they may have caused. */
  async setTokens(orgId: string, id: string, tokens: AccountTokens, expiresAt: string | null): Promise<void> {
    await this.db
      .updateTable('social_accounts')
      .set({
        tokens_enc: this.box.sealJson(tokens),
        token_expires_at: expiresAt,
        problem: null,
        updated_at: nowIso(),
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  /** Skipped by ticks until someone reconnects it. */
  async markProblem(orgId: string, id: string, problem: string): Promise<void> {
    await this.db
      .updateTable('social_accounts')
      .set({ problem, updated_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async saveCheckpoint(orgId: string, id: string, checkpoint: SyncCheckpoint | null): Promise<void> {
    await this.db
      .updateTable('social_accounts')
      .set({ checkpoint: checkpoint === null ? null : toJson(checkpoint) })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async finishSync(
    orgId: string,
    id: string,
    outcome: {
      trigger: SocialTrigger;
      status: SocialSyncStatus;
      error: string | null;
      newestPostAt?: string | null | undefined;
      checkpoint: SyncCheckpoint | null;
      at: string;
    },
  ): Promise<void> {
    const set: Updateable<SocialAccountsTable> = {
      last_sync_at: outcome.at,
      last_sync_status: outcome.status,
      last_sync_error: outcome.error,
      checkpoint: outcome.checkpoint === null ? null : toJson(outcome.checkpoint),
    };
    if (outcome.trigger !== 'manual') set.last_auto_sync_at = outcome.at;
    if (outcome.newestPostAt) set.newest_post_at = outcome.newestPostAt;
    await this.db
      .updateTable('social_accounts')
      .set(set)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('social_accounts')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async pollMinutes(orgId: string): Promise<number> {
    const row = await this.db
      .selectFrom('social_settings')
      .select('poll_minutes')
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    return row ? Number(row.poll_minutes) : DEFAULT_POLL_MINUTES;
  }

  async setPollMinutes(orgId: string, minutes: number): Promise<void> {
    const now = nowIso();
    await this.db
      .insertInto('social_settings')
      .values({ org_id: orgId, poll_minutes: minutes, updated_at: now })
      .onConflict((oc) => oc.column('org_id').doUpdateSet({ poll_minutes: minutes, updated_at: now }))
      .execute();
  }

  /** Organizations with at least one auto-synced account, and their polling interval. */
  async pollingOrgs(): Promise<{ orgId: string; pollMinutes: number }[]> {
    const rows = await this.db
      .selectFrom('social_accounts')
      .leftJoin('social_settings', 'social_settings.org_id', 'social_accounts.org_id')
      .select(['social_accounts.org_id as orgId', 'social_settings.poll_minutes as pollMinutes'])
      .where('social_accounts.auto_sync', '=', 1)
      .where('social_accounts.is_active', '=', 1)
      .distinct()
      .execute();
    return rows.map((r) => ({ orgId: r.orgId, pollMinutes: Number(r.pollMinutes ?? DEFAULT_POLL_MINUTES) }));
  }
}
