/**
 * @module The connector registry: connector name → factory. The runtime builds one per process; tests build their
 * own with in-memory platforms. A factory turns a connection's settings and opened credentials into a live
 * `Connector`.
 */
import type { Kysely } from 'kysely';
import { DataSyncError } from '../lib/errors.js';
import type { Database } from '../store/schema.js';
import { airtableConnectorFactory } from './airtable/airtable-connector.js';
import { collectionConnectorFactory } from './collection/collection-connector.js';
import { hubspotConnectorFactory } from './hubspot/hubspot-connector.js';
import { notionConnectorFactory } from './notion/notion-connector.js';
import type { Connector } from './sdk/connector.js';
import { synupConnectorFactory } from './synup/synup-connector.js';
import { broadstreetConnectorFactory } from './broadstreet/broadstreet-connector.js';
import type { ConnectionCheck } from './sdk/check.js';
import type { RateLimit } from './sdk/types.js';
import type { TokenSink } from './sdk/oauth.js';
import type { RequestPacer } from './sdk/pacing.js';
import { sqlConnectorFactory } from './sql/sql-connector.js';
import { instagramConnectorFactory } from './instagram/instagram-connector.js';
import { tiktokConnectorFactory } from './tiktok/tiktok-connector.js';

export interface ConnectorContext {
  orgId: string;
  /** Connection settings (base URL, workspace…) merged with the endpoint's own settings. */
  settings: Record<string, unknown>;
  /** Opened credentials; empty for connectors that need none. */
  credentials: Record<string, string>;
  /** DataSync's own database, for connectors over local data (`collection`, `sql`). */
  db: Kysely<Database>;
  /** The stored connection this connector was opened for, when there is one (stored webhook events are per connection). */
  connectionId?: string;
  /** Where refreshed OAuth tokens go (sealed on the connection) and where a failed refresh is reported. */
  tokens?: TokenSink;
  /** Paces every HTTP request of connectors that declare `pacesRequests` (see sdk/pacing.ts). */
  pacer?: RequestPacer;
}

export interface ConnectorFactory {
  readonly name: string;
  /**
   * The platform's documented limit, known before any connection opens: the runtime sizes the connection's
   * shared token bucket from it.
   */
  readonly rateLimit?: RateLimit;
  /** Further documented limits by bucket name, beside `rateLimit` (the `default` bucket): HubSpot's search. */
  readonly buckets?: Readonly<Record<string, RateLimit>>;
  /**
   * Every HTTP request the connector makes goes through the context's pacer (list pages, schema, writes, token
   * refresh, connection test), so the engine takes no token of its own per operation.
   */
  readonly pacesRequests?: boolean;
  create(context: ConnectorContext): Connector | Promise<Connector>;
  /** One cheap authenticated call with the connection's credentials (absent: the connector cannot check). */
  check?(context: ConnectorContext): Promise<ConnectionCheck>;
}

export class ConnectorRegistry {
  private readonly factories = new Map<string, ConnectorFactory>();

  register(factory: ConnectorFactory): this {
    this.factories.set(factory.name, factory);
    return this;
  }

  has(name: string): boolean {
    return this.factories.has(name);
  }

  names(): string[] {
    return [...this.factories.keys()].sort();
  }

  declaredRateLimit(name: string): RateLimit | undefined {
    return this.factories.get(name)?.rateLimit;
  }

  /** Every documented bucket of the connector, `default` first; empty when it declares none. */
  declaredBuckets(name: string): Record<string, RateLimit> {
    const factory = this.factories.get(name);
    if (!factory?.rateLimit) return {};
    return { default: factory.rateLimit, ...factory.buckets };
  }

  /** Whether the connector paces each of its HTTP requests itself (through the context's pacer). */
  pacesRequests(name: string): boolean {
    return this.factories.get(name)?.pacesRequests === true;
  }

  /** The factory's credential check, or undefined when the connector is unknown or has none. */
  checker(name: string): ((context: ConnectorContext) => Promise<ConnectionCheck>) | undefined {
    const factory = this.factories.get(name);
    return factory?.check ? (context) => factory.check!(context) : undefined;
  }

  async create(name: string, context: ConnectorContext): Promise<Connector> {
    const factory = this.factories.get(name);
    if (!factory) {
      throw new DataSyncError('validation_failed', `unknown connector "${name}"`, {
        hint: `known connectors: ${this.names().join(', ') || 'none'}`,
      });
    }
    return factory.create(context);
  }
}

/** The registry with every connector built into this package (platform connectors append themselves here). */
export function builtInConnectors(): ConnectorRegistry {
  return new ConnectorRegistry()
    .register(collectionConnectorFactory)
    .register(airtableConnectorFactory)
    .register(notionConnectorFactory)
    .register(hubspotConnectorFactory)
    .register(synupConnectorFactory)
    .register(sqlConnectorFactory)
    .register(instagramConnectorFactory)
    .register(tiktokConnectorFactory)
    .register(broadstreetConnectorFactory);
}
