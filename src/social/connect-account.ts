/**
 * @module Connecting a social account to a platform connection: with a token people paste, or with a TikTok
 * authorization code (OAuth against TikTok or its simulator). The token is checked by reading the account's
 * profile, which also names the account; connecting the same account again replaces its tokens (a reconnect,
 * which clears a refresh-failure mark).
 *
 * Instagram does not say when a pasted token expires: a refresh at connect time tells (and yields a fresh
 * 60-day token); a token too young to refresh (under 24 h) has most of its 60 days ahead.
 */
import type { SocialTokens } from '../connectors/social-post.js';
import { exchangeTikTokCode } from '../connectors/tiktok/tiktok-connector.js';
import { isConnectorError } from '../connectors/sdk/errors.js';
import type { SecretBox } from '../lib/crypto/secret-box.js';
import { DataSyncError } from '../lib/errors.js';
import type { Repositories } from '../store/repositories/index.js';
import type { SocialAccount } from '../store/repositories/social-accounts.js';
import type { SocialPlatform } from '../store/schema.js';
import { socialClientFor } from './social-clients.js';

/** Instagram long-lived tokens: 60 days; a token too young to refresh is assumed a day into them. */
const INSTAGRAM_ASSUMED_LEFT_MS = 59 * 24 * 60 * 60 * 1000;

export interface ConnectInput {
  connectionId: string;
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  expiresAt?: string | undefined;
  code?: string | undefined;
  redirectUri?: string | undefined;
  autoSync?: boolean | undefined;
}

function refused(platform: string, error: unknown): DataSyncError {
  const message = error instanceof Error ? error.message : String(error);
  if (isConnectorError(error) && (error.kind === 'network' || error.kind === 'server'))
    return new DataSyncError('network', `${platform} could not be reached: ${message}`);
  return new DataSyncError('validation_failed', `${platform} refused the credentials`, {
    details: { fields: { accessToken: message } },
  });
}

export async function connectSocialAccount(
  repos: Repositories,
  _box: SecretBox,
  orgId: string,
  input: ConnectInput,
): Promise<{ account: SocialAccount; created: boolean }> {
  const connection = await repos.connections.get(orgId, input.connectionId);
  if (!connection) throw new DataSyncError('not_found', 'connection not found');
  if (connection.connector !== 'instagram' && connection.connector !== 'tiktok')
    throw new DataSyncError('validation_failed', 'the connection is not an instagram or tiktok connection', {
      details: { fields: { connectionId: `connector is ${connection.connector}` } },
    });
  const platform: SocialPlatform = connection.connector;
  const app = {
    settings: connection.settings,
    credentials: (await repos.connections.credentials(orgId, connection.id)) ?? {},
  };

  let tokens: SocialTokens;
  if (input.code) {
    if (platform !== 'tiktok' || !input.redirectUri)
      throw new DataSyncError(
        'validation_failed',
        'an authorization code needs a tiktok connection and redirectUri',
      );
    try {
      const { openId: _openId, ...exchanged } = await exchangeTikTokCode(app, input.code, input.redirectUri);
      tokens = exchanged;
    } catch (error) {
      throw refused('TikTok', error);
    }
  } else if (input.accessToken) {
    tokens = {
      accessToken: input.accessToken,
      refreshToken: input.refreshToken,
      expiresAt: input.expiresAt,
    };
  } else {
    throw new DataSyncError('validation_failed', 'send accessToken, or code and redirectUri');
  }

  let client = socialClientFor(platform, app, tokens);
  let profile;
  try {
    profile = await client.profile();
  } catch (error) {
    throw refused(platform === 'instagram' ? 'Instagram' : 'TikTok', error);
  }
  if (platform === 'instagram' && !tokens.expiresAt) {
    try {
      tokens = await client.refresh();
      client = socialClientFor(platform, app, tokens);
    } catch {
      tokens = { ...tokens, expiresAt: new Date(Date.now() + INSTAGRAM_ASSUMED_LEFT_MS).toISOString() };
    }
  }

  const stored = { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken };
  const existing = await repos.socialAccounts.findByPlatformUser(orgId, connection.id, profile.userId);
  if (existing) {
    await repos.socialAccounts.setTokens(orgId, existing.id, stored, tokens.expiresAt ?? null);
    if (input.autoSync !== undefined)
      await repos.socialAccounts.update(orgId, existing.id, { autoSync: input.autoSync });
    return { account: (await repos.socialAccounts.get(orgId, existing.id))!, created: false };
  }
  const account = await repos.socialAccounts.create(orgId, {
    connectionId: connection.id,
    platform,
    platformUserId: profile.userId,
    username: profile.username,
    tokens: stored,
    tokenExpiresAt: tokens.expiresAt ?? null,
    autoSync: input.autoSync,
  });
  return { account, created: true };
}

/** Where to send a person to authorize the TikTok app (the simulator's page when the connection points at it). */
export function tiktokAuthorizeUrl(
  settings: Record<string, unknown>,
  credentials: Record<string, string>,
  redirectUri: string,
  state: string,
): string {
  const base =
    typeof settings.baseUrl === 'string' && settings.baseUrl
      ? settings.baseUrl.replace(/\/+$/, '')
      : 'https://www.tiktok.com';
  const url = new URL(`${base}/v2/auth/authorize/`);
  url.searchParams.set('client_key', credentials.clientKey ?? '');
  url.searchParams.set('scope', 'user.info.basic,video.list');
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  return url.toString();
}
