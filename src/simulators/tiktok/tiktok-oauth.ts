/**
 * @module TikTok OAuth v2 (developers.tiktok.com/doc/oauth-user-access-token-management, oauth-refresh-a-user-
 * access-token, oauth-error-handling, login-kit-web):
 * - `GET /v2/auth/authorize/?client_key&scope&response_type=code&redirect_uri&state` (on www.tiktok.com in
 *   production): the simulated user consents at once and is redirected to `redirect_uri?code&scopes&state`. Which
 *   user consents is the first seeded one unless the side-channel hint `sim_open_id` names another.
 * - `POST /v2/oauth/token/`, form-encoded `client_key, client_secret, grant_type` plus `code, redirect_uri` for
 *   authorization_code or `refresh_token` for refresh_token → `{access_token, expires_in, open_id,
 *   refresh_expires_in, refresh_token, scope, token_type: "Bearer"}`; refresh tokens rotate.
 * - `POST /v2/oauth/revoke/` form `client_key, client_secret, token` → 200 `{}`; the user's grants end and an
 *   `authorization.removed` webhook (reason 5, "developer revoke authorization") is sent.
 * Errors: `{"error","error_description","log_id"}` (see tiktok-errors.ts for the status choice).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { oauthError, type OAuthErrorCode } from './tiktok-errors.js';
import { TIKTOK_CLIENT_KEY, TIKTOK_CLIENT_SECRET, tiktokOpenId } from './tiktok-seed.js';
import { ALL_SCOPES, type TikTokState } from './tiktok-state.js';
import type { TikTokWebhooks } from './tiktok-webhooks.js';

export const OAUTH_PATHS = ['/v2/oauth/token/', '/v2/oauth/revoke/', '/v2/auth/authorize/'];

export function registerTikTokOAuth(
  app: FastifyInstance,
  state: TikTokState,
  clock: SimClock,
  webhooks: TikTokWebhooks,
): void {
  const refuse = (code: OAuthErrorCode, description: string) =>
    new SimHttpError(oauthError(code, description));

  const formOf = (request: FastifyRequest): Record<string, string> | undefined => {
    const type = String(request.headers['content-type'] ?? '');
    if (!type.startsWith('application/x-www-form-urlencoded')) return undefined;
    return (request.body ?? {}) as Record<string, string>;
  };
  const clientOk = (form: Record<string, string>) =>
    form.client_key === TIKTOK_CLIENT_KEY && form.client_secret === TIKTOK_CLIENT_SECRET;

  const tokenAnswer = (openId: string, scopes: string[]) => {
    const { access, refresh } = state.issue(openId, scopes, clock.now());
    return {
      access_token: access.token,
      expires_in: state.accessTtlS,
      open_id: openId,
      refresh_expires_in: state.refreshTtlS,
      refresh_token: refresh.token,
      scope: scopes.join(','),
      token_type: 'Bearer',
    };
  };

  app.post('/v2/oauth/token/', async (request) => {
    const form = formOf(request);
    if (!form) throw refuse('invalid_request', 'The request parameters are malformed.');
    if (!form.grant_type) throw refuse('invalid_request', 'The request parameters are malformed.');
    if (!clientOk(form)) throw refuse('invalid_client', 'Client key or secret is incorrect.');
    if (form.grant_type === 'authorization_code') {
      const code = form.code ? state.codes.get(form.code) : undefined;
      if (!code || code.expiresMs <= clock.now())
        throw refuse('invalid_grant', 'Authorization code is expired.');
      if (code.redirectUri !== form.redirect_uri)
        throw refuse('invalid_grant', 'The redirect_uri does not match the one used to request the code.');
      state.codes.delete(code.token); // single use
      return tokenAnswer(code.openId, code.scopes);
    }
    if (form.grant_type === 'refresh_token') {
      const grant = form.refresh_token ? state.refreshTokens.get(form.refresh_token) : undefined;
      if (!grant || grant.expiresMs <= clock.now())
        throw refuse('invalid_grant', 'Refresh token is invalid or expired.');
      state.refreshTokens.delete(grant.token); // rotation: the old refresh token stops working
      return tokenAnswer(grant.openId, grant.scopes);
    }
    throw refuse('unsupported_grant_type', `Unsupported grant_type: ${form.grant_type}.`);
  });

  app.post('/v2/oauth/revoke/', async (request) => {
    const form = formOf(request);
    if (!form || !form.token) throw refuse('invalid_request', 'The request parameters are malformed.');
    if (!clientOk(form)) throw refuse('invalid_client', 'Client key or secret is incorrect.');
    const grant = state.accessTokens.get(form.token);
    if (grant) {
      state.revokeUser(grant.openId);
      webhooks.emit('authorization.removed', grant.openId, { reason: 5 });
    }
    return {};
  });

  app.get('/v2/auth/authorize/', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    if (q.client_key !== TIKTOK_CLIENT_KEY) throw refuse('invalid_client', 'Unknown client_key.');
    if (q.response_type !== 'code' || !q.redirect_uri)
      throw refuse('invalid_request', 'response_type=code and redirect_uri are required.');
    const scopes = (q.scope ?? '').split(',').filter(Boolean);
    if (!scopes.length || scopes.some((s) => !(ALL_SCOPES as readonly string[]).includes(s)))
      throw refuse('invalid_scope', 'The requested scope is invalid, unknown, or malformed.');
    const openId = q.sim_open_id ?? tiktokOpenId(1);
    if (!state.users.get(openId)) throw refuse('access_denied', 'No such simulated user.');
    const code = state.createCode(openId, scopes, q.redirect_uri, clock.now());
    const target = new URL(q.redirect_uri);
    target.searchParams.set('code', code.token);
    target.searchParams.set('scopes', scopes.join(','));
    if (q.state !== undefined) target.searchParams.set('state', q.state);
    return reply.redirect(target.toString(), 302);
  });
}
