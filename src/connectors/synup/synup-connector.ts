/**
 * @module The `synup` connector: one Synup account per connection, object `posts`. Settings: `baseUrl` (default
 * https://api.synup.com), `locationId` (default location of new posts), `timeoutMs`. Credentials: `apiKey`, and
 * the webhook `secret` for inbound events.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { SYNUP_API, SynupClient } from './synup-client.js';
import { SYNUP_POSTS_SPEC, SynupPosts } from './synup-objects.js';
import { synupWebhooks } from './synup-webhooks.js';
import { storedWebhookDeletes } from '../webhook-deletes.js';

/** Modelled limit (docs/simulators/synup-posts.md): 10 requests per second per API key. */
export const SYNUP_RATE_LIMIT: RateLimit = { requests: 10, intervalMs: 1000 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'> &
  Partial<Pick<ConnectorContext, 'db' | 'orgId' | 'connectionId' | 'pacer'>>;

export function synupClientFor(context: Context): SynupClient {
  const apiKey = context.credentials.apiKey;
  if (!apiKey) throw new ConnectorError('validation', 'synup connection needs credentials.apiKey');
  const timeoutMs = Number(context.settings.timeoutMs);
  return new SynupClient({
    baseUrl: baseUrlOf(context.settings, SYNUP_API),
    apiKey,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    ...(context.pacer ? { pacer: context.pacer } : {}),
  });
}

export function synupConnector(context: Context): Connector {
  const client = synupClientFor(context);
  const locationId =
    typeof context.settings.locationId === 'string' ? context.settings.locationId : undefined;
  return {
    name: 'synup',
    rateLimit: SYNUP_RATE_LIMIT,
    auth: { kind: 'api_key' },
    webhooks: synupWebhooks,
    objects: async () => [SYNUP_POSTS_SPEC],
    async object(name) {
      if (name !== 'posts') throw new ConnectorError('not_found', `Synup object "${name}" does not exist`);
      return new SynupPosts(
        client,
        locationId,
        context.db && context.orgId
          ? storedWebhookDeletes(
              { db: context.db, orgId: context.orgId, connectionId: context.connectionId },
              synupWebhooks,
            )
          : undefined,
      );
    },
  };
}

export const synupConnectorFactory: ConnectorFactory = {
  name: 'synup',
  rateLimit: SYNUP_RATE_LIMIT,
  pacesRequests: true,
  create: (context) => synupConnector(context),
  check: (context) =>
    checkWith('Synup', async () => {
      await synupClientFor(context).call('GET', '/locations', 'list locations', { query: [['first', '1']] });
      return 'API key can read locations';
    }),
};
