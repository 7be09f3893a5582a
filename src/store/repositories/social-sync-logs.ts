/**
 * @module One row per sync of one social account: what started it, what it found and wrote, how it ended and how
 * long it took. Written by every run, whatever the outcome.
 */
import type { Kysely } from 'kysely';
import { socialId } from '../../social/social-ids.js';
import type {
  Database,
  SocialPlatform,
  SocialSyncLogsTable,
  SocialSyncStatus,
  SocialTrigger,
} from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface SocialSyncLog {
  id: string;
  accountId: string;
  username: string;
  platform: SocialPlatform;
  trigger: SocialTrigger;
  status: SocialSyncStatus;
  postsFound: number;
  postsSynced: number;
  errorMessage: string | null;
  durationMs: number;
  startedAt: string;
  finishedAt: string;
}

export interface SocialSyncLogFilter {
  accountId?: string | undefined;
  platform?: SocialPlatform | undefined;
  trigger?: SocialTrigger | undefined;
  status?: SocialSyncStatus | undefined;
}

export class SocialSyncLogRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(orgId: string, entry: Omit<SocialSyncLogsTable, 'id' | 'org_id'>): Promise<string> {
    const id = socialId('slg');
    await this.db
      .insertInto('social_sync_logs')
      .values({ id, org_id: orgId, ...entry })
      .execute();
    return id;
  }

  async list(orgId: string, page: PageRequest & SocialSyncLogFilter = {}): Promise<Page<SocialSyncLog>> {
    const limit = pageLimit(page);
    let q = this.db
      .selectFrom('social_sync_logs')
      .innerJoin('social_accounts', 'social_accounts.id', 'social_sync_logs.account_id')
      .selectAll('social_sync_logs')
      .select('social_accounts.username')
      .where('social_sync_logs.org_id', '=', orgId);
    if (page.accountId) q = q.where('social_sync_logs.account_id', '=', page.accountId);
    if (page.platform) q = q.where('social_sync_logs.platform', '=', page.platform);
    if (page.trigger) q = q.where('social_sync_logs.trigger', '=', page.trigger);
    if (page.status) q = q.where('social_sync_logs.status', '=', page.status);
    if (page.cursor) q = q.where('social_sync_logs.id', '<', page.cursor);
    const rows = await q
      .orderBy('social_sync_logs.id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows.map((r) => ({
        id: r.id,
        accountId: r.account_id,
        username: r.username,
        platform: r.platform,
        trigger: r.trigger,
        status: r.status,
        postsFound: Number(r.posts_found),
        postsSynced: Number(r.posts_synced),
        errorMessage: r.error_message,
        durationMs: Number(r.duration_ms),
        startedAt: r.started_at,
        finishedAt: r.finished_at,
      })),
      limit,
    );
  }
}
