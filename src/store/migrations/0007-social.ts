/**
 * @module Social accounts (Instagram, TikTok) kept in sync by polling and webhooks: the accounts with their sealed
 * tokens and sync state, their posts with metrics, one log row per account run, and the per-organization polling
 * interval. An account belongs to a connection (the platform app: base URL, app secret / client key), which is
 * also where its webhooks arrive.
 */
import type { Kysely } from 'kysely';
import { dialectTypes, type DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, dialect: DialectName): Promise<void> {
  const t = dialectTypes(dialect);

  await db.schema
    .createTable('social_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('connection_id', 'text', (c) => c.notNull().references('connections.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    /** Instagram user id or TikTok open_id: how a webhook names the account. */
    .addColumn('platform_user_id', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    /** `{accessToken, refreshToken?}` sealed with the secret box. */
    .addColumn('tokens_enc', 'text', (c) => c.notNull())
    .addColumn('token_expires_at', 'text')
    .addColumn('auto_sync', 'integer', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    /** Why the account is skipped (e.g. its token refresh failed); null when healthy. */
    .addColumn('problem', 'text')
    /** Newest post time synced: the next poll reads back to here (minus an overlap for metrics). */
    .addColumn('newest_post_at', 'text')
    /** A walk interrupted by the tick's budget: where it continues. */
    .addColumn('checkpoint', t.json)
    .addColumn('last_sync_at', 'text')
    .addColumn('last_auto_sync_at', 'text')
    .addColumn('last_sync_status', 'text')
    .addColumn('last_sync_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('social_accounts_user_uq', ['connection_id', 'platform_user_id'])
    .execute();
  await db.schema
    .createIndex('social_accounts_org_idx')
    .on('social_accounts')
    .columns(['org_id', 'auto_sync', 'is_active'])
    .execute();

  await db.schema
    .createTable('social_posts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('social_accounts.id').onDelete('cascade'))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('caption', 'text', (c) => c.notNull())
    .addColumn('media_type', 'text')
    .addColumn('permalink', 'text')
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addColumn('likes', 'integer', (c) => c.notNull())
    .addColumn('comments', 'integer', (c) => c.notNull())
    .addColumn('views', 'integer')
    .addColumn('shares', 'integer')
    .addColumn('fetched_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('social_posts_external_uq', ['account_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('social_posts_org_idx')
    .on('social_posts')
    .columns(['org_id', 'account_id', 'published_at'])
    .execute();

  await db.schema
    .createTable('social_sync_logs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull().references('social_accounts.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('posts_found', 'integer', (c) => c.notNull())
    .addColumn('posts_synced', 'integer', (c) => c.notNull())
    .addColumn('error_message', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('social_sync_logs_org_idx')
    .on('social_sync_logs')
    .columns(['org_id', 'account_id'])
    .execute();

  await db.schema
    .createTable('social_settings')
    .addColumn('org_id', 'text', (c) => c.primaryKey().references('organizations.id').onDelete('cascade'))
    .addColumn('poll_minutes', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
