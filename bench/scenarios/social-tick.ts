/**
 * @module Social polling benchmark: one tick over N simulated accounts (half Instagram, half TikTok, each with
 * 10 posts) against the simulators over loopback HTTP, with the simulators' rate limits on and the connectors'
 * declared limits enforced by the shared token buckets. Figures: the tick's wall time, accounts/s, and how many
 * accounts synced, were left pending by the 55 s budget, or failed. `npm run bench -- social-tick [--n 1000]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { createInstagramSimulator } from '../../src/simulators/instagram/instagram-simulator.js';
import { createTikTokSimulator } from '../../src/simulators/tiktok/tiktok-simulator.js';
import { socialSyncDeps } from '../../src/social/social-deps.js';
import { runSocialTick, type TickSummary } from '../../src/social/social-tick.js';
import { openDatabase, type Store } from '../../src/store/database.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { createRepositories } from '../../src/store/repositories/index.js';

export interface SocialTickOptions {
  dialect: 'sqlite' | 'postgres';
  accounts: number;
  concurrency: number;
  pgUrl: string;
}

export interface SocialTickSample extends TickSummary {
  wallMs: number;
  accountsPerSecond: number;
  instagramAccounts: number;
  tiktokAccounts: number;
}

const POSTS_PER_ACCOUNT = 10;

export async function socialTick(o: SocialTickOptions): Promise<SocialTickSample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'datasync-bench-social-'));
  const schema = `t_${Math.floor(Date.now() / 1000)}_social_${randomBytes(3).toString('hex')}`;
  const store: Store =
    o.dialect === 'sqlite'
      ? await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'bench.db') })
      : await openDatabase({ dialect: 'postgres', url: o.pgUrl }, { schema });
  const igCount = Math.ceil(o.accounts / 2);
  const ttCount = o.accounts - igCount;
  const ig = await createInstagramSimulator({ accounts: igCount, seedRecords: POSTS_PER_ACCOUNT });
  const tt = await createTikTokSimulator({ accounts: ttCount, seedRecords: POSTS_PER_ACCOUNT });
  try {
    await migrateToLatest(store.db as never, store.dialect);
    const box = new SecretBox(randomBytes(32));
    const repos = createRepositories(store.db, box);
    const org = await repos.organizations.create({ name: 'bench', slug: `bench-${Date.now()}` });
    const igConnection = await repos.connections.create(org.id, {
      name: 'ig',
      connector: 'instagram',
      settings: { baseUrl: ig.url },
      credentials: { appSecret: ig.appSecret },
    });
    const ttConnection = await repos.connections.create(org.id, {
      name: 'tt',
      connector: 'tiktok',
      settings: { baseUrl: tt.url },
      credentials: { clientKey: tt.clientKey, clientSecret: tt.clientSecret },
    });
    const far = new Date(Date.now() + 50 * 86_400_000).toISOString();
    const soonEnough = new Date(Date.now() + 2 * 3600_000).toISOString();
    for (const a of ig.accounts)
      await repos.socialAccounts.create(org.id, {
        connectionId: igConnection.id,
        platform: 'instagram',
        platformUserId: a.igUserId,
        username: a.username,
        tokens: { accessToken: a.accessToken },
        tokenExpiresAt: far,
      });
    for (const a of tt.accounts)
      await repos.socialAccounts.create(org.id, {
        connectionId: ttConnection.id,
        platform: 'tiktok',
        platformUserId: a.openId,
        username: a.openId,
        tokens: { accessToken: a.accessToken, refreshToken: a.refreshToken },
        tokenExpiresAt: soonEnough,
      });
    const started = performance.now();
    const summary = await runSocialTick(socialSyncDeps(store, box), org.id, { concurrency: o.concurrency });
    const wallMs = performance.now() - started;
    const expectedPosts = (summary.synced + summary.pending) * POSTS_PER_ACCOUNT;
    if (summary.postsSynced > expectedPosts)
      throw new Error(`synced ${summary.postsSynced} posts of at most ${expectedPosts}`);
    return {
      ...summary,
      wallMs,
      accountsPerSecond: summary.synced / (wallMs / 1000),
      instagramAccounts: igCount,
      tiktokAccounts: ttCount,
    };
  } finally {
    await ig.close();
    await tt.close();
    await store.close();
    if (o.dialect === 'postgres') {
      const client = new pg.Client({ connectionString: o.pgUrl });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
