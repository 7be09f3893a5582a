/**
 * @module Sites of content syndication. A site is a destination URL plus a signing secret; the secret lives in
 * the site's `webhook` connection (sealed like every credential), so rotating it is a connection update and it is
 * never returned except once, at creation or rotation.
 */
import type { Kysely } from 'kysely';
import {
  nextEndpointHealth,
  type EndpointHealthPolicy,
  type EndpointHealthUpdate,
} from '../../deliveries/endpoint-health.js';
import { generateSigningSecret } from '../../deliveries/signing.js';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { Database, SitesTable } from '../schema.js';
import { ConnectionRepository } from './connections.js';

export interface Site {
  id: string;
  orgId: string;
  connectionId: string;
  name: string;
  slug: string;
  url: string;
  lastChecksum: string | null;
  lastStatus: SitesTable['last_status'];
  lastError: string | null;
  lastSyncedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** The current failure streak (null/0 after a success). */
  failingSince: string | null;
  consecutiveFailures: number;
  /** Set when the site was disabled for failing too long: runs skip it until it is re-enabled. */
  disabledAt: string | null;
  disabledReason: string | null;
}

export interface SiteSnapshot {
  siteId: string;
  deliveryId: string;
  payload: unknown;
  itemCount: number;
  receivedAt: string;
}

function toSite(r: { [K in keyof SitesTable]?: unknown }): Site {
  return {
    id: r.id as string,
    orgId: r.org_id as string,
    connectionId: r.connection_id as string,
    name: r.name as string,
    slug: r.slug as string,
    url: r.url as string,
    lastChecksum: (r.last_checksum as string | null) ?? null,
    lastStatus: (r.last_status as SitesTable['last_status']) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    lastSyncedAt: (r.last_synced_at as string | null) ?? null,
    createdAt: r.created_at as string,
    updatedAt: r.updated_at as string,
    failingSince: (r.failing_since as string | null) ?? null,
    consecutiveFailures: Number(r.consecutive_failures ?? 0),
    disabledAt: (r.disabled_at as string | null) ?? null,
    disabledReason: (r.disabled_reason as string | null) ?? null,
  };
}

export class SiteRepository {
  private readonly connections: ConnectionRepository;

  constructor(
    private readonly db: Kysely<Database>,
    box: SecretBox,
  ) {
    this.connections = new ConnectionRepository(db, box);
  }

  /** Creates the site and its webhook connection; returns the secret once. */
  async create(
    orgId: string,
    input: { name: string; slug: string; url: string },
  ): Promise<{ site: Site; secret: string }> {
    const secret = generateSigningSecret();
    const connection = await this.connections.create(orgId, {
      name: `site:${input.slug}`,
      connector: 'webhook',
      settings: { url: input.url },
      credentials: { secret },
    });
    const now = nowIso();
    const row: SitesTable = {
      id: newId('site'),
      org_id: orgId,
      connection_id: connection.id,
      name: input.name,
      slug: input.slug,
      url: input.url,
      last_checksum: null,
      last_status: null,
      last_error: null,
      last_synced_at: null,
      created_at: now,
      updated_at: now,
      failing_since: null,
      consecutive_failures: 0,
      disabled_at: null,
      disabled_reason: null,
    };
    await this.db.insertInto('sites').values(row).execute();
    return { site: toSite(row), secret };
  }

  /**
   * Unscoped lookup for the built-in receiver, where the caller is a signed request, not a member: the signature
   * check that follows is what authorizes it.
   */
  async findForSignedRequest(id: string): Promise<Site | undefined> {
    const row = await this.db.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSite(row);
  }

  /** Receiver behaviour for demos: fail a share of requests with a 500 to show retries and partial runs. */
  async simulation(orgId: string, id: string): Promise<{ simulate: boolean; failureRate: number }> {
    const site = await this.get(orgId, id);
    const settings = site ? (await this.connections.get(orgId, site.connectionId))?.settings : undefined;
    return {
      simulate: settings?.simulate === true,
      failureRate: typeof settings?.failureRate === 'number' ? settings.failureRate : 0.1,
    };
  }

  async setSimulation(
    orgId: string,
    id: string,
    simulation: { simulate: boolean; failureRate?: number },
  ): Promise<void> {
    const site = await this.get(orgId, id);
    if (!site) return;
    const current = (await this.connections.get(orgId, site.connectionId))?.settings ?? {};
    await this.connections.update(orgId, site.connectionId, {
      settings: { ...current, simulate: simulation.simulate, failureRate: simulation.failureRate ?? 0.1 },
    });
  }

  async get(orgId: string, id: string): Promise<Site | undefined> {
    const row = await this.db
      .selectFrom('sites')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toSite(row);
  }

  async list(orgId: string): Promise<Site[]> {
    const rows = await this.db
      .selectFrom('sites')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('name')
      .execute();
    return rows.map(toSite);
  }

  async update(orgId: string, id: string, patch: { name?: string; url?: string }): Promise<Site | undefined> {
    const site = await this.get(orgId, id);
    if (!site) return undefined;
    await this.db
      .updateTable('sites')
      .set({ ...patch, updated_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    if (patch.url !== undefined) {
      const current = (await this.connections.get(orgId, site.connectionId))?.settings ?? {};
      await this.connections.update(orgId, site.connectionId, { settings: { ...current, url: patch.url } });
    }
    return this.get(orgId, id);
  }

  /** The signing secret, for the sender and the built-in receiver only. */
  async secret(orgId: string, id: string): Promise<string | undefined> {
    const site = await this.get(orgId, id);
    if (!site) return undefined;
    return (await this.connections.credentials(orgId, site.connectionId))?.secret;
  }

  async rotateSecret(orgId: string, id: string): Promise<string | undefined> {
    const site = await this.get(orgId, id);
    if (!site) return undefined;
    const secret = generateSigningSecret();
    await this.connections.update(orgId, site.connectionId, { credentials: { secret } });
    // A new secret invalidates what the site verified before: send the next payload even if unchanged.
    await this.db
      .updateTable('sites')
      .set({ last_checksum: null, updated_at: nowIso() })
      .where('id', '=', id)
      .execute();
    return secret;
  }

  /**
   * Records a push's outcome and moves the failure streak; disables the site when `policy` says it has failed
   * long enough. Answers the streak after this outcome (with the reason when it just disabled the site).
   */
  async recordResult(
    orgId: string,
    id: string,
    result: { status: 'success' | 'failed'; checksum?: string | null; error?: string | null },
    options: { policy?: EndpointHealthPolicy; now?: Date } = {},
  ): Promise<EndpointHealthUpdate | undefined> {
    const site = await this.get(orgId, id);
    if (!site) return undefined;
    const now = options.now ?? new Date();
    const health = nextEndpointHealth(
      site,
      { ok: result.status === 'success', error: result.error ?? null },
      now,
      options.policy,
    );
    const at = now.toISOString();
    await this.db
      .updateTable('sites')
      .set({
        last_status: result.status,
        last_error: result.error ?? null,
        last_synced_at: at,
        ...(result.status === 'success' && result.checksum !== undefined
          ? { last_checksum: result.checksum }
          : {}),
        failing_since: health.failingSince,
        consecutive_failures: health.consecutiveFailures,
        ...(health.disableReason && !site.disabledAt
          ? { disabled_at: at, disabled_reason: health.disableReason }
          : {}),
        updated_at: at,
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    return health;
  }

  /** Re-enables a disabled site with a fresh failure streak. False when the site does not exist. */
  async enable(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('sites')
      .set({
        disabled_at: null,
        disabled_reason: null,
        failing_since: null,
        consecutive_failures: 0,
        updated_at: nowIso(),
      })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const site = await this.get(orgId, id);
    if (!site) return false;
    // The connection owns the site (ON DELETE CASCADE), so deleting it removes site, mappings and snapshot.
    return this.connections.delete(orgId, site.connectionId);
  }

  async saveSnapshot(orgId: string, siteId: string, snapshot: Omit<SiteSnapshot, 'siteId'>): Promise<void> {
    const row = {
      site_id: siteId,
      org_id: orgId,
      delivery_id: snapshot.deliveryId,
      payload: toJson(snapshot.payload),
      item_count: snapshot.itemCount,
      received_at: snapshot.receivedAt,
    };
    await this.db
      .insertInto('site_snapshots')
      .values(row)
      .onConflict((oc) =>
        oc.column('site_id').doUpdateSet({
          delivery_id: row.delivery_id,
          payload: row.payload,
          item_count: row.item_count,
          received_at: row.received_at,
        }),
      )
      .execute();
  }

  async snapshot(orgId: string, siteId: string): Promise<SiteSnapshot | undefined> {
    const row = await this.db
      .selectFrom('site_snapshots')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('site_id', '=', siteId)
      .executeTakeFirst();
    return (
      row && {
        siteId: row.site_id,
        deliveryId: row.delivery_id,
        payload: fromJson(row.payload),
        itemCount: Number(row.item_count),
        receivedAt: row.received_at,
      }
    );
  }
}
