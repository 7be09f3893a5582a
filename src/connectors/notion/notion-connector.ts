/**
 * @module The `notion` connector: one database per connection. Settings: `databaseId` (API 2022-06-28, the
 * default) or `dataSourceId` with `notionVersion: "2025-09-03"`, `baseUrl` (default https://api.notion.com),
 * `refProperty` (optional rich text property for exact crash recovery), `timeoutMs`. Credentials: `token` (integration secret or OAuth access token). The object is named by that id.
 */
import type { ConnectorContext, ConnectorFactory } from '../registry.js';
import type { Connector } from '../sdk/connector.js';
import { checkWith } from '../sdk/check.js';
import { ConnectorError } from '../sdk/errors.js';
import { baseUrlOf } from '../sdk/http.js';
import type { RateLimit } from '../sdk/types.js';
import { NOTION_API, NOTION_DEFAULT_VERSION, NotionClient, type NotionApiVersion } from './notion-client.js';
import { NotionObject, notionObjectSpec, type NotionPropertySchema } from './notion-objects.js';
import { storedWebhookDeletes } from '../webhook-deletes.js';
import { notionWebhooks } from './notion-webhooks.js';

/** Documented: an average of three requests per second per integration. */
export const NOTION_RATE_LIMIT: RateLimit = { requests: 3, intervalMs: 1000 };

type Context = Pick<ConnectorContext, 'settings' | 'credentials'> &
  Partial<Pick<ConnectorContext, 'db' | 'orgId' | 'connectionId' | 'pacer'>>;

export function notionClientFor(context: Context): NotionClient {
  const token = context.credentials.token;
  if (!token) throw new ConnectorError('validation', 'notion connection needs credentials.token');
  const version = (context.settings.notionVersion ?? NOTION_DEFAULT_VERSION) as NotionApiVersion;
  if (version !== '2022-06-28' && version !== '2025-09-03')
    throw new ConnectorError('validation', `unsupported Notion-Version "${String(version)}"`);
  const timeoutMs = Number(context.settings.timeoutMs);
  return new NotionClient({
    baseUrl: baseUrlOf(context.settings, NOTION_API),
    token,
    version,
    ...(Number.isFinite(timeoutMs) && timeoutMs > 0 ? { timeoutMs } : {}),
    ...(context.pacer ? { pacer: context.pacer } : {}),
  });
}

function containerIdOf(context: Context, version: NotionApiVersion): string {
  const key = version === '2025-09-03' ? 'dataSourceId' : 'databaseId';
  const id = context.settings[key];
  if (typeof id !== 'string' || id === '')
    throw new ConnectorError('validation', `notion connection needs settings.${key}`);
  return id;
}

export function notionConnector(context: Context): Connector {
  const client = notionClientFor(context);
  const containerId = containerIdOf(context, client.options.version);
  let schema: Promise<NotionPropertySchema[]> | undefined;
  const load = () => {
    schema ??= client
      .call('GET', client.containerPath(containerId), 'retrieve database')
      .then((body) => {
        const props = body.properties;
        if (!props || typeof props !== 'object')
          throw new ConnectorError('server', 'Notion retrieve database: malformed response');
        return Object.values(props as Record<string, NotionPropertySchema>);
      })
      .catch((error: unknown) => {
        schema = undefined;
        throw error;
      });
    return schema;
  };
  const same = (a: string, b: string) =>
    a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
  return {
    name: 'notion',
    rateLimit: NOTION_RATE_LIMIT,
    auth: { kind: 'api_key' },
    webhooks: notionWebhooks,
    objects: async () => [notionObjectSpec(containerId, await load())],
    async object(name) {
      if (!same(name, containerId))
        throw new ConnectorError('not_found', `Notion object "${name}" is not this connection's database`);
      const refProperty =
        typeof context.settings.refProperty === 'string' ? context.settings.refProperty : undefined;
      const deletes =
        context.db && context.orgId
          ? storedWebhookDeletes(
              { db: context.db, orgId: context.orgId, connectionId: context.connectionId },
              notionWebhooks,
              (eventObject, object) => eventObject === '' || same(eventObject, object),
            )
          : undefined;
      return new NotionObject(client, containerId, await load(), refProperty, deletes);
    },
  };
}

export const notionConnectorFactory: ConnectorFactory = {
  name: 'notion',
  rateLimit: NOTION_RATE_LIMIT,
  pacesRequests: true,
  create: (context) => notionConnector(context),
  check: (context) =>
    checkWith('Notion', async () => {
      const client = notionClientFor(context);
      const me = await client.call('GET', '/v1/users/me', 'retrieve bot user');
      const id = containerIdOf(context, client.options.version);
      await client.call('GET', client.containerPath(id), 'retrieve database');
      return `integration ${typeof me.name === 'string' ? `"${me.name}" ` : ''}can read ${id}`;
    }),
};
