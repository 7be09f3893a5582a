/**
 * @module Which social accounts a verified webhook names, and syncing exactly those. Instagram (Meta) events are
 * `{"object":"instagram","entry":[{"id":<ig-user-id>,…}]}`; TikTok events carry `user_openid`. An event for an
 * account this connection does not know is ignored; polling stays the safety net for anything missed.
 */
import { WebhookEventRepository } from '../store/repositories/webhook-events.js';
import { SocialAccountRepository } from '../store/repositories/social-accounts.js';
import { syncSocialAccount, type AccountSyncResult, type SocialSyncDeps } from './sync-account.js';

/** Budget of a webhook-triggered sync: one account, so far below a tick's. */
export const WEBHOOK_SYNC_BUDGET_MS = 30_000;

/** Platform user ids named by a raw event body (pure). */
export function platformUsersOf(connector: string, rawBody: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return [];
  }
  if (!body || typeof body !== 'object') return [];
  const b = body as { entry?: unknown; user_openid?: unknown };
  if (connector === 'instagram' && Array.isArray(b.entry))
    return [
      ...new Set(
        b.entry
          .map((e) => (e && typeof e === 'object' ? (e as { id?: unknown }).id : undefined))
          .filter((id): id is string | number => typeof id === 'string' || typeof id === 'number')
          .map(String),
      ),
    ];
  if (connector === 'tiktok' && typeof b.user_openid === 'string') return [b.user_openid];
  return [];
}

export async function syncAccountsNamedBy(
  deps: SocialSyncDeps,
  event: { orgId: string; connectionId: string; connector: string; body: string },
): Promise<AccountSyncResult[]> {
  const accounts = new SocialAccountRepository(deps.db, deps.box);
  const results: AccountSyncResult[] = [];
  for (const userId of platformUsersOf(event.connector, event.body)) {
    const account = await accounts.findByPlatformUser(event.orgId, event.connectionId, userId);
    if (!account || !account.isActive || !account.autoSync || account.problem) continue;
    results.push(
      await syncSocialAccount(deps, account, {
        trigger: 'webhook',
        deadline: Date.now() + WEBHOOK_SYNC_BUDGET_MS,
      }),
    );
  }
  return results;
}

/** For the `webhook.process` job: syncs the accounts a stored event names; returns how many ran. */
export function socialWebhookHook(deps: SocialSyncDeps) {
  return async (event: { orgId: string; connectionId: string; webhookEventId: string }): Promise<number> => {
    const events = new WebhookEventRepository(deps.db);
    const connection = await events.connectionForHook(event.connectionId);
    if (!connection || (connection.connector !== 'instagram' && connection.connector !== 'tiktok')) return 0;
    const stored = await events.get(event.orgId, event.webhookEventId);
    if (!stored) return 0;
    const results = await syncAccountsNamedBy(deps, {
      orgId: event.orgId,
      connectionId: event.connectionId,
      connector: connection.connector,
      body: stored.body,
    });
    return results.length;
  };
}
