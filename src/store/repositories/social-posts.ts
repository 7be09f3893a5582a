/**
 * @module Posts of social accounts with their metrics, upserted by (account, platform id). A post counts as
 * synced when it is new or one of its fields changed; re-reading an unchanged post writes nothing.
 */
import type { Kysely } from 'kysely';
import type { SocialPost } from '../../connectors/social-post.js';
import { nowIso } from '../../lib/time.js';
import { socialId } from '../../social/social-ids.js';
import type { Database, SocialPostsTable } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export interface StoredPost extends SocialPost {
  id: string;
  accountId: string;
  fetchedAt: string;
}

const fieldsOf = (p: SocialPost) => ({
  caption: p.caption,
  media_type: p.mediaType,
  permalink: p.permalink,
  published_at: p.publishedAt,
  likes: p.likes,
  comments: p.comments,
  views: p.views,
  shares: p.shares,
});

function same(row: SocialPostsTable, p: SocialPost): boolean {
  const f = fieldsOf(p);
  return (Object.keys(f) as (keyof typeof f)[]).every((k) => {
    const a = row[k];
    const b = f[k];
    return a === null || b === null ? a === b : String(a) === String(b);
  });
}

export class SocialPostRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts new posts and updates changed ones in one transaction; returns how many were written. */
  async upsert(orgId: string, accountId: string, posts: readonly SocialPost[]): Promise<number> {
    if (!posts.length) return 0;
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('social_posts')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('account_id', '=', accountId)
        .where(
          'external_id',
          'in',
          posts.map((p) => p.externalId),
        )
        .execute();
      const byExternal = new Map(existing.map((r) => [r.external_id, r]));
      const now = nowIso();
      let written = 0;
      for (const p of posts) {
        const row = byExternal.get(p.externalId);
        if (!row) {
          await trx
            .insertInto('social_posts')
            .values({
              id: socialId('spo'),
              org_id: orgId,
              account_id: accountId,
              external_id: p.externalId,
              ...fieldsOf(p),
              fetched_at: now,
            })
            .onConflict((oc) => oc.columns(['account_id', 'external_id']).doNothing())
            .execute();
          written++;
        } else if (!same(row, p)) {
          await trx
            .updateTable('social_posts')
            .set({ ...fieldsOf(p), fetched_at: now })
            .where('id', '=', row.id)
            .execute();
          written++;
        }
      }
      return written;
    });
  }

  async list(
    orgId: string,
    page: PageRequest & { accountId?: string | undefined } = {},
  ): Promise<Page<StoredPost>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('social_posts').selectAll().where('org_id', '=', orgId);
    if (page.accountId) q = q.where('account_id', '=', page.accountId);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows.map((r) => ({
        id: r.id,
        accountId: r.account_id,
        externalId: r.external_id,
        caption: r.caption,
        mediaType: r.media_type,
        permalink: r.permalink,
        publishedAt: r.published_at,
        likes: Number(r.likes),
        comments: Number(r.comments),
        views: r.views === null ? null : Number(r.views),
        shares: r.shares === null ? null : Number(r.shares),
        fetchedAt: r.fetched_at,
      })),
      limit,
    );
  }

  async countFor(orgId: string, accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('social_posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}
