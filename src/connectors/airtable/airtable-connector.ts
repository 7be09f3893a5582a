/**
 * @module The `airtable` connector: one Airtable base per connection. Settings: `baseId` (required), `baseUrl`
 * (default https://api.airtable.com), `refField` (optional text field for exact crash recovery), `timeoutMs`.
 * Credentials: `token` (personal access token or OAuth access token). Objects are the base's tables, named by
 * table id (a table name is accepted too).
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { AIRTABLE_API, AirtableClient, type AirtableTableJson } from './airtable-client.js';
import { AirtableObject, airtableObjectSpec } from './airtable-objects.js';
import { airtableWebhooks } from './airtable-webhooks.js';

/** Documented: 5 requests per second per base. */
export const AIRTABLE_RATE_LIMIT: RateLimit = { requests: 5, intervalMs: 1000 };

function required(values: Record<string, unknown>, key: string, where: string): string {
  const value = values[key];
  if (typeof value !== 'string' || value === '')
    throw new ConnectorError('validation', `airtable connection needs ${where}.${key}`);
  return value;
}

export function airtableClientFor(
  context: Pick<ConnectorContext, 'settings' | 'credentials'> & Partial<Pick<ConnectorContext, 'pacer'>>,
): AirtableClient {
  const timeoutMs = Number(context.settings.timeoutMs);
  return new AirtableClient({
    baseUrl: baseUrlOf(context.settings, AIRTABLE_API),
    token: required(context.credentials, 'token', 'credentials'),
    baseId: required(context.settings, 'baseId', 'settings'),
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    ...(context.pacer ? { pacer: context.pacer } : {}),
  });
}

export function airtableConnector(
  context: Pick<ConnectorContext, 'settings' | 'credentials'> & Partial<Pick<ConnectorContext, 'pacer'>>,
): Connector {
  const client = airtableClientFor(context);
  const refField = typeof context.settings.refField === 'string' ? context.settings.refField : undefined;
  let tables: Promise<AirtableTableJson[]> | undefined;
  const load = () => {
    tables ??= client.tables().catch((error: unknown) => {
      tables = undefined;
      throw error;
    });
    return tables;
  };
  return {
    name: 'airtable',
    rateLimit: AIRTABLE_RATE_LIMIT,
    auth: { kind: 'api_key' },
    webhooks: airtableWebhooks,
    objects: async () => (await load()).map(airtableObjectSpec),
    async object(name) {
      const table = (await load()).find((t) => t.id === name || t.name === name);
      if (!table)
        throw new ConnectorError('not_found', `Airtable table "${name}" does not exist in the base`);
      const webhookId =
        typeof context.settings.webhookId === 'string' && context.settings.webhookId !== ''
          ? context.settings.webhookId
          : undefined;
      return new AirtableObject(client, table, refField, Date.now, webhookId);
    },
  };
}

export const airtableConnectorFactory: ConnectorFactory = {
  name: 'airtable',
  rateLimit: AIRTABLE_RATE_LIMIT,
  pacesRequests: true,
  create: (context) => airtableConnector(context),
  check: (context) =>
    checkWith('Airtable', async () => {
      const tables = await airtableClientFor(context).tables();
      return `token can read base ${String(context.settings.baseId)} (${tables.length} tables)`;
    }),
};
