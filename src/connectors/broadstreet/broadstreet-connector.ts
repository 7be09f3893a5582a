/**
 * @module The `broadstreet` connector: one Broadstreet ad server account per connection, objects networks,
 * advertisers, zones, advertisements, campaigns and placements (references declared in their specs). Settings:
 * `baseUrl` (default https://api.broadstreetads.com), `requestsPerSecond` (default the declared 10), `timeoutMs`.
 * Credentials: `accessToken`.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { BROADSTREET_API, BroadstreetClient, listOf } from './broadstreet-client.js';
import {
  BROADSTREET_OBJECTS,
  BroadstreetObjectClient,
  ParentIndex,
  broadstreetSpec,
  isBroadstreetObject,
} from './broadstreet-objects.js';

/** No limit is published; 10 requests per second per token is the modelled one (docs/simulators/broadstreet.md). */
export const BROADSTREET_RATE_LIMIT: RateLimit = { requests: 10, intervalMs: 1000 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'> & Partial<Pick<ConnectorContext, 'pacer'>>;

export function broadstreetClientFor(context: Context): BroadstreetClient {
  const accessToken = context.credentials.accessToken;
  if (!accessToken)
    throw new ConnectorError('validation', 'broadstreet connection needs credentials.accessToken');
  const timeoutMs = Number(context.settings.timeoutMs);
  const rate = Number(context.settings.requestsPerSecond);
  const declared = (BROADSTREET_RATE_LIMIT.requests * 1000) / BROADSTREET_RATE_LIMIT.intervalMs;
  return new BroadstreetClient({
    baseUrl: baseUrlOf(context.settings, BROADSTREET_API),
    accessToken,
    requestsPerSecond: Number.isFinite(rate) && rate > 0 ? rate : declared,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    ...(context.pacer ? { pacer: context.pacer } : {}),
  });
}

export interface BroadstreetConnector extends Connector {
  /** The connection's client: its pacing is shared by every object. */
  readonly client: BroadstreetClient;
}

export function broadstreetConnector(context: Context): BroadstreetConnector {
  const client = broadstreetClientFor(context);
  const parents = new ParentIndex(client);
  return {
    name: 'broadstreet',
    client,
    rateLimit: BROADSTREET_RATE_LIMIT,
    auth: { kind: 'api_key' },
    objects: async () => BROADSTREET_OBJECTS.map(broadstreetSpec),
    async object(name) {
      if (!isBroadstreetObject(name))
        throw new ConnectorError('not_found', `Broadstreet object "${name}" does not exist`);
      return new BroadstreetObjectClient(client, parents, name);
    },
  };
}

export const broadstreetConnectorFactory: ConnectorFactory = {
  name: 'broadstreet',
  rateLimit: BROADSTREET_RATE_LIMIT,
  pacesRequests: true,
  create: (context) => broadstreetConnector(context),
  check: (context) =>
    checkWith('Broadstreet', async () => {
      const body = await broadstreetClientFor(context).call('GET', '/api/1/networks', 'list networks');
      const n = listOf(body, 'networks', 'list networks').length;
      return `access token can read ${n} network${n === 1 ? '' : 's'}`;
    }),
};
