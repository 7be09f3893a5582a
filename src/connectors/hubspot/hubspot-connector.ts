/**
 * @module The `hubspot` connector: one HubSpot account per connection. Settings: `baseUrl` (default
 * https://api.hubapi.com), `objects` (default contacts, companies, deals), `properties` (object → property names,
 * defaults per standard object), `refProperty` (a text property storing create references, for exact crash recovery), `timeoutMs`.
 * Credentials: `token` (private app) or OAuth `accessToken` + `refreshToken` + `clientId` + `clientSecret` (an
 * expired access token is refreshed once per run at `/oauth/v1/token` and stored sealed on the connection), and,
 * for webhooks, the app's `clientSecret` (the signing key).
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { TokenKeeper } from '../sdk/oauth.js';
import { HUBSPOT_API, HubSpotClient } from './hubspot-client.js';
import { DEFAULT_PROPERTIES, HubSpotObject, hubspotObjectSpec } from './hubspot-objects.js';
import { hubspotWebhooks } from './hubspot-webhooks.js';

/** Documented burst limit for private apps (Free/Starter): 100 requests per 10 seconds. Search has its own 5/s. */
export const HUBSPOT_RATE_LIMIT: RateLimit = { requests: 100, intervalMs: 10_000 };
/** Documented: the CRM search endpoints allow 5 requests per second per account, beside the general limit. */
export const HUBSPOT_SEARCH_RATE_LIMIT: RateLimit = { requests: 5, intervalMs: 1000 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'> &
  Partial<Pick<ConnectorContext, 'tokens' | 'pacer'>>;

/** OAuth app credentials, when the connection was authorized through an app (else a private app token). */
function oauthAppOf(
  credentials: Record<string, string>,
): { clientId: string; clientSecret: string } | undefined {
  const { refreshToken, clientId, clientSecret } = credentials;
  return refreshToken && clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

export function hubspotClientFor(context: Context): HubSpotClient {
  const token = context.credentials.accessToken ?? context.credentials.token;
  if (!token) throw new ConnectorError('validation', 'hubspot connection needs credentials.token');
  const timeoutMs = Number(context.settings.timeoutMs);
  const options = {
    baseUrl: baseUrlOf(context.settings, HUBSPOT_API),
    token,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    ...(context.pacer ? { pacer: context.pacer } : {}),
  };
  const app = oauthAppOf(context.credentials);
  if (!app) return new HubSpotClient(options);
  const plain = new HubSpotClient(options);
  const keeper = new TokenKeeper(
    {
      accessToken: token,
      refreshToken: context.credentials.refreshToken!,
      ...(context.credentials.expiresAt ? { expiresAt: context.credentials.expiresAt } : {}),
    },
    (tokens) => plain.refreshTokens(tokens, app),
    context.tokens,
  );
  return new HubSpotClient(options, keeper);
}

export function hubspotConnector(context: Context): Connector {
  const client = hubspotClientFor(context);
  const oauthApp = oauthAppOf(context.credentials);
  const names = Array.isArray(context.settings.objects)
    ? (context.settings.objects as unknown[]).filter((x): x is string => typeof x === 'string')
    : Object.keys(DEFAULT_PROPERTIES);
  const overrides = (context.settings.properties ?? {}) as Record<string, unknown>;
  const propertiesOf = (name: string): string[] => {
    const given = overrides[name];
    if (Array.isArray(given)) return given.filter((x): x is string => typeof x === 'string');
    return DEFAULT_PROPERTIES[name] ?? [];
  };
  return {
    name: 'hubspot',
    rateLimit: HUBSPOT_RATE_LIMIT,
    auth: oauthApp
      ? { kind: 'oauth2', refresh: (tokens) => client.refreshTokens(tokens, oauthApp) }
      : { kind: 'api_key' },
    webhooks: hubspotWebhooks(),
    objects: async () => names.map((n) => hubspotObjectSpec(n, propertiesOf(n))),
    async object(name) {
      if (!names.includes(name))
        throw new ConnectorError('not_found', `HubSpot object "${name}" is not configured`);
      const refProperty =
        typeof context.settings.refProperty === 'string' ? context.settings.refProperty : undefined;
      return new HubSpotObject(client, name, propertiesOf(name), refProperty);
    },
  };
}

export const hubspotConnectorFactory: ConnectorFactory = {
  name: 'hubspot',
  rateLimit: HUBSPOT_RATE_LIMIT,
  buckets: { search: HUBSPOT_SEARCH_RATE_LIMIT },
  pacesRequests: true,
  create: (context) => hubspotConnector(context),
  check: (context) =>
    checkWith('HubSpot', async () => {
      const objects = Array.isArray(context.settings.objects)
        ? (context.settings.objects as string[])
        : ['contacts'];
      const type = objects[0] ?? 'contacts';
      await hubspotClientFor(context).call(
        'GET',
        `/crm/v3/objects/${encodeURIComponent(type)}`,
        'list objects',
        {
          query: [['limit', '1']],
        },
      );
      return `token can read ${type}`;
    }),
};
