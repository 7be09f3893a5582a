/**
 * @module One sync of one social account: refresh its token when it expires soon, walk its posts newest first
 * back to the newest post of the last sync (minus a window, since metrics of recent posts keep changing without
 * any signal), upsert them, and write the log row. Every outcome is a value, never a throw, so a tick can run
 * many accounts side by side.
 *
 * - A deadline (the tick's budget) or a rate-limit wait past it stops the walk between pages: the page cursor is
 *   saved as the account's checkpoint, the run ends `partial`, and the next run continues from there.
 * - A refused token is refreshed once; when the refresh itself fails, the account is marked (`problem`) and
 *   ticks skip it until it is reconnected.
 * - Inside the run, a throttle answer is waited out and the same call sent again (never counted as a failure):
 *   the platform's announced wait when it gives one, else the platform's default (`throttleWaitMs`). A server
 *   or network failure is sent again after 1, 2 then 4 s; only then does the run end in error. Any wait that
 *   would pass the deadline ends the run `partial` at its checkpoint instead.
 */
import type { Kysely } from 'kysely';
import { ConnectorError, isConnectorError } from '../connectors/sdk/errors.js';
import type { SocialClient, SocialPost } from '../connectors/social-post.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { errorMessage } from '../lib/errors.js';
import { RateBudgetExhausted, type RateLimit } from '../runtime/rate-limiter.js';
import { sleep } from '../runtime/sleep.js';
import { ConnectionRepository } from '../store/repositories/connections.js';
import {
  SocialAccountRepository,
  type AccountTokens,
  type SocialAccount,
  type SyncCheckpoint,
} from '../store/repositories/social-accounts.js';
import { SocialPostRepository } from '../store/repositories/social-posts.js';
import { SocialSyncLogRepository } from '../store/repositories/social-sync-logs.js';
import type { Database, SocialSyncStatus, SocialTrigger } from '../store/schema.js';
import { expiresSoon, rateBucketOf, socialClientFor, type AppConnection } from './social-clients.js';

/** Posts this much older than the newest synced one are re-read for their metrics. */
export const METRICS_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;

/** Resends of one call after a server or network failure, inside the run, before the run ends in error. */
export const SERVER_RETRIES = 3;
const SERVER_BACKOFF_MS = 1000;

/**
 * The wait after the `consecutive`-th throttle answer in a row (0 for the first) that announced none. TikTok
 * counts requests over a one-minute sliding window and sends no Retry-After (developers.tiktok.com/doc/
 * tiktok-api-v2-rate-limit): capacity comes back as the oldest requests leave the window, so the wait doubles
 * from 1 s and never exceeds the window. Instagram's throttle errors carry Meta's estimated time to regain
 * access, or its default (instagram-errors.ts), so this is their fallback only.
 */
export function throttleWaitMs(platform: SocialAccount['platform'], consecutive: number): number {
  const cap = platform === 'tiktok' ? 60_000 : 5 * 60_000;
  return Math.min(cap, 1000 * 2 ** Math.min(consecutive, 20));
}

export interface SocialSyncDeps {
  db: Kysely<Database>;
  box: SecretBox;
  /**
   * Waits for a token of `key`'s bucket; throws RateBudgetExhausted when the wait would pass `deadline`.
   * Absent: no client-side throttling (the platform's answers still are obeyed).
   */
  throttle?: (key: string, limit: RateLimit, deadline: number) => Promise<void>;
  /** The platform throttled us: block the bucket for a while. */
  penalize?: (key: string, retryAfterMs: number) => Promise<void>;
  /** Waits inside a run (throttle and failure backoff); default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Connection lookups shared by a tick's accounts. */
  connections?: Map<string, Promise<AppConnection | undefined>>;
  now?: () => number;
}

export interface AccountSyncResult {
  accountId: string;
  username: string;
  platform: SocialAccount['platform'];
  status: SocialSyncStatus;
  postsFound: number;
  postsSynced: number;
  error: string | null;
  durationMs: number;
  /** Refreshed tokens during this run. */
  refreshed: boolean;
}

class Stop extends Error {
  constructor(readonly reason: 'deadline' | 'rate') {
    super(reason);
  }
}

async function appConnection(deps: SocialSyncDeps, orgId: string, connectionId: string) {
  const load = async (): Promise<AppConnection | undefined> => {
    const repo = new ConnectionRepository(deps.db, deps.box);
    const connection = await repo.get(orgId, connectionId);
    if (!connection) return undefined;
    return {
      settings: connection.settings,
      credentials: (await repo.credentials(orgId, connectionId)) ?? {},
    };
  };
  if (!deps.connections) return load();
  let cached = deps.connections.get(connectionId);
  if (!cached) {
    cached = load();
    deps.connections.set(connectionId, cached);
  }
  return cached;
}

export async function syncSocialAccount(
  deps: SocialSyncDeps,
  account: SocialAccount,
  options: { trigger: SocialTrigger; deadline: number },
): Promise<AccountSyncResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const accounts = new SocialAccountRepository(deps.db, deps.box);
  const posts = new SocialPostRepository(deps.db);
  const bucket = rateBucketOf(account);
  let found = 0;
  let synced = 0;
  let refreshed = false;
  let status: SocialSyncStatus = 'success';
  let error: string | null = null;
  let checkpoint: SyncCheckpoint | null = account.checkpoint;
  let newestDone: string | null = null;

  try {
    const connection = await appConnection(deps, account.orgId, account.connectionId);
    if (!connection) throw new ConnectorError('not_found', 'the account’s connection no longer exists');
    let tokens: AccountTokens | undefined = await accounts.tokens(account.orgId, account.id);
    if (!tokens) throw new ConnectorError('not_found', 'account gone');
    let client: SocialClient = socialClientFor(account.platform, connection, tokens, account.platformUserId);

    const refresh = async (why: string) => {
      try {
        const next = await call(() => client.refresh());
        const merged: AccountTokens = {
          accessToken: next.accessToken,
          refreshToken: next.refreshToken ?? tokens!.refreshToken,
        };
        await accounts.setTokens(account.orgId, account.id, merged, next.expiresAt ?? null);
        tokens = merged;
        client = socialClientFor(account.platform, connection, merged, account.platformUserId);
        refreshed = true;
      } catch (cause) {
        if (cause instanceof Stop) throw cause;
        const message = `token refresh failed (${why}): ${errorMessage(cause)}`;
        if (!isConnectorError(cause) || cause.kind === 'auth' || cause.kind === 'validation')
          await accounts.markProblem(account.orgId, account.id, message);
        throw new ConnectorError('auth', message, { cause });
      }
    };
    const throttle = async () => {
      if (now() >= options.deadline) throw new Stop('deadline');
      try {
        await deps.throttle?.(bucket.key, bucket.limit, options.deadline);
      } catch (cause) {
        if (cause instanceof RateBudgetExhausted) throw new Stop('rate');
        throw cause;
      }
    };

    /** One platform call, sent again inside the run after a throttle answer or a server/network failure. */
    const call = async <T>(send: () => Promise<T>): Promise<T> => {
      for (let throttled = 0, failures = 0; ;) {
        await throttle();
        try {
          return await send();
        } catch (cause) {
          if (!isConnectorError(cause)) throw cause;
          let waitMs: number;
          if (cause.kind === 'rate_limited') {
            waitMs = cause.retryAfterMs ?? throttleWaitMs(account.platform, throttled);
            throttled++;
            // Every run on this bucket (other accounts of a TikTok app, other workers) holds off too.
            await deps.penalize?.(bucket.key, waitMs);
          } else if ((cause.kind === 'server' || cause.kind === 'network') && failures < SERVER_RETRIES) {
            waitMs = SERVER_BACKOFF_MS * 2 ** failures;
            failures++;
          } else throw cause;
          if (now() + waitMs > options.deadline) {
            if (cause.kind === 'rate_limited') throw new Stop('rate');
            throw cause;
          }
          await (deps.sleep ?? sleep)(waitMs);
        }
      }
    };

    if (expiresSoon(account.platform, account.tokenExpiresAt, now())) await refresh('expires soon');

    const stopBefore =
      checkpoint?.stopBefore ??
      (account.newestPostAt
        ? new Date(Date.parse(account.newestPostAt) - METRICS_WINDOW_MS).toISOString()
        : null);
    let cursor: string | null = checkpoint?.cursor ?? null;
    let newest: string | null = checkpoint?.newest ?? null;
    let retriedAuth = false;
    for (;;) {
      checkpoint = cursor ? { cursor, stopBefore, newest } : checkpoint;
      let page;
      try {
        page = await call(() => client.postsPage(cursor));
      } catch (cause) {
        if (isConnectorError(cause) && cause.kind === 'auth' && !retriedAuth) {
          retriedAuth = true;
          await refresh('token refused');
          continue;
        }
        throw cause;
      }
      const wanted: SocialPost[] = stopBefore
        ? page.posts.filter((p) => p.publishedAt >= stopBefore)
        : page.posts;
      found += wanted.length;
      synced += await posts.upsert(account.orgId, account.id, wanted);
      for (const p of wanted) if (!newest || p.publishedAt > newest) newest = p.publishedAt;
      if (wanted.length < page.posts.length || !page.next) break;
      cursor = page.next;
    }
    checkpoint = null;
    newestDone = newest;
  } catch (cause) {
    if (cause instanceof Stop) {
      status = 'partial';
      error =
        cause.reason === 'deadline'
          ? 'time budget used up: continues from its checkpoint next time'
          : 'rate limit budget used up: continues from its checkpoint next time';
    } else {
      status = 'error';
      error = errorMessage(cause);
      checkpoint = null;
    }
  }

  const finished = now();
  const at = new Date(finished).toISOString();
  const logs = new SocialSyncLogRepository(deps.db);
  await logs.insert(account.orgId, {
    account_id: account.id,
    platform: account.platform,
    trigger: options.trigger,
    status,
    posts_found: found,
    posts_synced: synced,
    error_message: error,
    duration_ms: finished - started,
    started_at: new Date(started).toISOString(),
    finished_at: at,
  });
  await accounts.finishSync(account.orgId, account.id, {
    trigger: options.trigger,
    status,
    error,
    newestPostAt:
      newestDone && (!account.newestPostAt || newestDone > account.newestPostAt) ? newestDone : undefined,
    checkpoint: status === 'partial' ? checkpoint : null,
    at,
  });
  return {
    accountId: account.id,
    username: account.username,
    platform: account.platform,
    status,
    postsFound: found,
    postsSynced: synced,
    error,
    durationMs: finished - started,
    refreshed,
  };
}
