/**
 * @module One polling tick of an organization's social accounts: every active account with auto-sync on (and no
 * problem mark) is synced, at most `concurrency` at once; one account's failure is its own log row and summary
 * entry and never stops the others. The tick has a time budget: accounts not started when it runs out wait for
 * the next tick (they sort first then), and an account cut off mid-walk keeps its checkpoint.
 */
import { errorMessage } from '../lib/errors.js';
import { SocialAccountRepository, type SocialAccount } from '../store/repositories/social-accounts.js';
import type { SocialTrigger } from '../store/schema.js';
import { syncSocialAccount, type AccountSyncResult, type SocialSyncDeps } from './sync-account.js';

export const DEFAULT_TICK_BUDGET_MS = 55_000;
export const DEFAULT_TICK_CONCURRENCY = 8;

export interface TickError {
  accountId: string;
  username: string;
  platform: SocialAccount['platform'];
  message: string;
}

export interface TickSummary {
  total: number;
  synced: number;
  failed: number;
  /** Checkpointed or not reached within the budget: they continue next tick. */
  pending: number;
  errors: TickError[];
  postsSynced: number;
  durationMs: number;
}

export interface TickOptions {
  trigger?: SocialTrigger;
  budgetMs?: number;
  concurrency?: number;
  signal?: AbortSignal;
}

/** Summarises per-account results; pure. */
export function summarizeTick(total: number, results: AccountSyncResult[], durationMs: number): TickSummary {
  const errors = results
    .filter((r) => r.status === 'error')
    .map((r) => ({
      accountId: r.accountId,
      username: r.username,
      platform: r.platform,
      message: r.error ?? '',
    }));
  const synced = results.filter((r) => r.status === 'success').length;
  return {
    total,
    synced,
    failed: errors.length,
    pending: total - synced - errors.length,
    errors,
    postsSynced: results.reduce((n, r) => n + r.postsSynced, 0),
    durationMs,
  };
}

export async function runSocialTick(
  deps: SocialSyncDeps,
  orgId: string,
  options: TickOptions = {},
): Promise<TickSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const deadline = started + (options.budgetMs ?? DEFAULT_TICK_BUDGET_MS);
  const accounts = await new SocialAccountRepository(deps.db, deps.box).dueForTick(orgId);
  const shared: SocialSyncDeps = { ...deps, connections: deps.connections ?? new Map() };
  const results: AccountSyncResult[] = [];
  let next = 0;
  const worker = async () => {
    for (;;) {
      if (options.signal?.aborted || now() >= deadline) return;
      const account = accounts[next++];
      if (!account) return;
      try {
        results.push(
          await syncSocialAccount(shared, account, { trigger: options.trigger ?? 'cron', deadline }),
        );
      } catch (error) {
        // syncSocialAccount reports failures as values; this is the database failing under it.
        results.push({
          accountId: account.id,
          username: account.username,
          platform: account.platform,
          status: 'error',
          postsFound: 0,
          postsSynced: 0,
          error: errorMessage(error),
          durationMs: 0,
          refreshed: false,
        });
      }
    }
  };
  const width = Math.max(1, Math.min(options.concurrency ?? DEFAULT_TICK_CONCURRENCY, accounts.length || 1));
  await Promise.all(Array.from({ length: width }, worker));
  return summarizeTick(accounts.length, results, now() - started);
}
