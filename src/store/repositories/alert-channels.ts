/**
 * @module Alert channels: URLs an organization wants alerts POSTed to (auto-paused syncs), each signed with its
 * own Standard Webhooks secret. Like a syndication site, a channel is backed by a connection (connector `alerts`)
 * so its secret is sealed at rest by the same SecretBox and never leaves except once, at creation.
 */
import type { Kysely } from 'kysely';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import { generateSigningSecret } from '../../deliveries/signing.js';
import { fromJson } from '../json.js';
import type { Database } from '../schema.js';
import { ConnectionRepository } from './connections.js';

export const ALERTS_CONNECTOR = 'alerts';

export interface AlertChannel {
  id: string;
  name: string;
  url: string;
  createdAt: string;
}

export class AlertChannelRepository {
  private readonly connections: ConnectionRepository;

  constructor(
    private readonly db: Kysely<Database>,
    box: SecretBox,
  ) {
    this.connections = new ConnectionRepository(db, box);
  }

  /** Creates the channel; returns its secret once. */
  async create(
    orgId: string,
    input: { name: string; url: string },
  ): Promise<{ channel: AlertChannel; secret: string }> {
    const secret = generateSigningSecret();
    const connection = await this.connections.create(orgId, {
      name: input.name,
      connector: ALERTS_CONNECTOR,
      settings: { url: input.url },
      credentials: { secret },
    });
    return {
      channel: { id: connection.id, name: connection.name, url: input.url, createdAt: connection.createdAt },
      secret,
    };
  }

  async list(orgId: string): Promise<AlertChannel[]> {
    const rows = await this.db
      .selectFrom('connections')
      .select(['id', 'name', 'settings', 'created_at'])
      .where('org_id', '=', orgId)
      .where('connector', '=', ALERTS_CONNECTOR)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      url: String(fromJson<{ url?: string }>(r.settings)?.url ?? ''),
      createdAt: r.created_at,
    }));
  }

  async get(orgId: string, id: string): Promise<AlertChannel | undefined> {
    return (await this.list(orgId)).find((c) => c.id === id);
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    if (!(await this.get(orgId, id))) return false;
    return this.connections.delete(orgId, id);
  }

  /** The signing secret, for the sender only. */
  async secret(orgId: string, id: string): Promise<string | undefined> {
    if (!(await this.get(orgId, id))) return undefined;
    const secret = (await this.connections.credentials(orgId, id))?.secret;
    return typeof secret === 'string' ? secret : undefined;
  }
}
