/**
 * @module HubSpot OAuth as the simulator plays it (developers.hubspot.com/docs/api/oauth/tokens): access tokens
 * that expire (`expires_in` seconds, 30 minutes by default) and `POST /oauth/v1/token` with a form-encoded
 * `grant_type=refresh_token&client_id&client_secret&refresh_token` that issues a new one. An expired token is
 * answered 401 `EXPIRED_AUTHENTICATION`; a bad refresh 400 `BAD_REFRESH_TOKEN` (HubSpot's OAuth error shape).
 */
import { randomBytes } from 'node:crypto';
import type { SimClock } from '../kit/sim-clock.js';

export const HUBSPOT_OAUTH_CLIENT_ID = 'sim-oauth-client-0000-4000-8000-000000000001';
export const HUBSPOT_ACCESS_TOKEN_TTL_MS = 30 * 60_000;

export type TokenState = 'valid' | 'expired' | 'unknown';

export class HubSpotOAuth {
  readonly clientId = HUBSPOT_OAUTH_CLIENT_ID;
  refreshToken = `sim-refresh-${randomBytes(8).toString('hex')}`;
  private readonly tokens = new Map<string, number>();
  /** Refresh exchanges answered, for tests. */
  exchanges = 0;

  constructor(
    private readonly clientSecret: string,
    private readonly clock: SimClock,
    private ttlMs = HUBSPOT_ACCESS_TOKEN_TTL_MS,
  ) {}

  /** A new access token valid for `ttlMs` (default: the configured lifetime). */
  issue(ttlMs = this.ttlMs): string {
    const token = `sim-oat-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, this.clock.now() + ttlMs);
    return token;
  }

  state(token: string): TokenState {
    const expires = this.tokens.get(token);
    if (expires === undefined) return 'unknown';
    return this.clock.now() < expires ? 'valid' : 'expired';
  }

  /** Makes the app's refresh token unusable (the user uninstalled the app). */
  revoke(): void {
    this.refreshToken = `revoked-${randomBytes(4).toString('hex')}`;
  }

  exchange(form: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    if (form.grant_type !== 'refresh_token')
      return { status: 400, body: { status: 'BAD_GRANT_TYPE', message: 'unsupported grant_type' } };
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret)
      return {
        status: 400,
        body: { status: 'BAD_CLIENT_ID', message: 'missing or unknown client id or secret' },
      };
    if (form.refresh_token !== this.refreshToken)
      return {
        status: 400,
        body: { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' },
      };
    this.exchanges++;
    return {
      status: 200,
      body: {
        token_type: 'bearer',
        access_token: this.issue(),
        refresh_token: this.refreshToken,
        expires_in: Math.floor(this.ttlMs / 1000),
      },
    };
  }
}
