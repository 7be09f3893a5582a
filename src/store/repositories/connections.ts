/**
 * @module Connections: a connector, its settings and its credentials. Credentials are sealed with the secret box
 * before they touch the database and are only opened by `credentials()`, which the runtime calls to talk to a
 * platform; every other read returns a masked view.
 */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { SecretBox } from '../../lib/crypto/secret-box.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import { fromJson, toJson } from '../json.js';
import type { ConnectionsTable, Database } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export type Credentials = Record<string, string>;

export interface Connection {
  id: string;
  orgId: string;
  name: string;
  connector: string;
  settings: Record<string, unknown>;
  /** Which credential fields are set, each masked: never the values. */
  credentials: Record<string, string>;
  health: ConnectionsTable['health'];
  healthMessage: string | null;
  checkedAt: string | null;
  managedBy: string | null;
  /**
   * A webhook verification token the platform sent (Notion): when it arrived and when an admin was shown it
   * (once); null when none is held.
   */
  webhookVerification: { receivedAt: string; revealedAt: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

/** What became of a verification token the platform sent. */
export type CapturedToken = 'stored' | 'same' | 'different';

export function maskSecret(value: string): string {
  return value.length <= 8 ? '••••' : `••••${value.slice(-4)}`;
}

export class ConnectionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async create(
    orgId: string,
    input: {
      name: string;
      connector: string;
      settings?: Record<string, unknown>;
      credentials?: Credentials;
      managedBy?: string | null;
    },
  ): Promise<Connection> {
    const now = nowIso();
    const row: Insertable<ConnectionsTable> & { id: string; created_at: string; updated_at: string } = {
      id: newId('con'),
      org_id: orgId,
      name: input.name,
      connector: input.connector,
      credentials_enc: input.credentials ? this.box.sealJson(input.credentials) : null,
      settings: toJson(input.settings ?? {}),
      health: 'unknown',
      health_message: null,
      checked_at: null,
      managed_by: input.managedBy ?? null,
      hook_token_received_at: null,
      hook_token_revealed_at: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('connections').values(row).execute();
    return this.toView(row);
  }

  async get(orgId: string, id: string): Promise<Connection | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && this.toView(row);
  }

  async list(
    orgId: string,
    page: PageRequest & {
      connector?: string | undefined;
      health?: ConnectionsTable['health'] | undefined;
    } = {},
  ): Promise<Page<Connection>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('connections').selectAll().where('org_id', '=', orgId);
    if (page.connector) q = q.where('connector', '=', page.connector);
    if (page.health) q = q.where('health', '=', page.health);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(
      rows.map((r) => this.toView(r)),
      limit,
    );
  }

  /** The decrypted credentials: for connectors only, never for responses or logs. */
  /**
   * Unscoped, for the webhook receiver only (the signature check that follows is what authorizes the caller):
   * the connection and its opened credentials in one query, since every webhook acknowledgement waits on it.
   */
  async forHook(
    id: string,
  ): Promise<{ id: string; orgId: string; connector: string; credentials: Credentials } | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .select(['id', 'org_id', 'connector', 'credentials_enc'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    const credentials = row.credentials_enc ? this.box.openJson<Credentials>(row.credentials_enc) : {};
    return { id: row.id, orgId: row.org_id, connector: row.connector, credentials };
  }

  async credentials(orgId: string, id: string): Promise<Credentials | undefined> {
    const row = await this.db
      .selectFrom('connections')
      .select('credentials_enc')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return row.credentials_enc ? this.box.openJson<Credentials>(row.credentials_enc) : {};
  }

  async update(
    orgId: string,
    id: string,
    patch: { name?: string; settings?: Record<string, unknown>; credentials?: Credentials },
  ): Promise<Connection | undefined> {
    const set: Updateable<ConnectionsTable> = { updated_at: nowIso() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.settings !== undefined) set.settings = toJson(patch.settings);
    if (patch.credentials !== undefined) {
      set.credentials_enc = this.box.sealJson(patch.credentials);
      // Credentials replaced as a whole: a token the platform sent is gone with them (or now typed by an admin).
      set.hook_token_received_at = null;
      set.hook_token_revealed_at = null;
    }
    await this.db
      .updateTable('connections')
      .set(set)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
    return this.get(orgId, id);
  }

  /**
   * Unscoped, for the webhook receiver: keeps the verification token a platform sent (`field` of the sealed
   * credentials). A connection already holding a different token keeps it: the first token stands until an
   * admin resets it, so nobody who learns the hook URL can swap the key later deliveries are checked with. A
   * compare-and-set on the sealed value makes two concurrent deliveries store one token.
   */
  async captureVerificationToken(
    id: string,
    field: string,
    token: string,
  ): Promise<CapturedToken | undefined> {
    for (;;) {
      const row = await this.db
        .selectFrom('connections')
        .select(['credentials_enc'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const credentials = row.credentials_enc ? this.box.openJson<Credentials>(row.credentials_enc) : {};
      const held = credentials[field];
      if (held) return held === token ? 'same' : 'different';
      const now = nowIso();
      let update = this.db
        .updateTable('connections')
        .set({
          credentials_enc: this.box.sealJson({ ...credentials, [field]: token }),
          hook_token_received_at: now,
          hook_token_revealed_at: null,
          updated_at: now,
        })
        .where('id', '=', id);
      update =
        row.credentials_enc === null
          ? update.where('credentials_enc', 'is', null)
          : update.where('credentials_enc', '=', row.credentials_enc);
      const result = await update.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 1) return 'stored';
    }
  }

  /**
   * The held verification token, once: the first call marks it shown and returns it, later calls return
   * undefined (a token lost before it was copied is reset and sent again by the platform).
   */
  async revealVerificationToken(orgId: string, id: string, field: string): Promise<string | undefined> {
    const result = await this.db
      .updateTable('connections')
      .set({ hook_token_revealed_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('hook_token_received_at', 'is not', null)
      .where('hook_token_revealed_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return (await this.credentials(orgId, id))?.[field];
  }

  /**
   * Forgets the verification token, so the platform's next verification request is accepted. A compare-and-set
   * like capture's (callers may already be inside a transaction, which cannot nest).
   */
  async resetVerificationToken(orgId: string, id: string, field: string): Promise<boolean> {
    for (;;) {
      const row = await this.db
        .selectFrom('connections')
        .select('credentials_enc')
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return false;
      const { [field]: _dropped, ...rest } = row.credentials_enc
        ? this.box.openJson<Credentials>(row.credentials_enc)
        : {};
      let update = this.db
        .updateTable('connections')
        .set({
          credentials_enc: this.box.sealJson(rest),
          hook_token_received_at: null,
          hook_token_revealed_at: null,
          updated_at: nowIso(),
        })
        .where('org_id', '=', orgId)
        .where('id', '=', id);
      update =
        row.credentials_enc === null
          ? update.where('credentials_enc', 'is', null)
          : update.where('credentials_enc', '=', row.credentials_enc);
      if (Number((await update.executeTakeFirst()).numUpdatedRows) === 1) return true;
    }
  }

  async setHealth(
    orgId: string,
    id: string,
    health: ConnectionsTable['health'],
    message: string | null,
  ): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ health, health_message: message, checked_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }

  async delete(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('connections')
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  private toView(row: { [K in keyof ConnectionsTable]?: unknown }): Connection {
    const sealed = row.credentials_enc as string | null;
    const credentials = sealed ? this.box.openJson<Credentials>(sealed) : {};
    return {
      id: row.id as string,
      orgId: row.org_id as string,
      name: row.name as string,
      connector: row.connector as string,
      settings: fromJson<Record<string, unknown>>(row.settings),
      credentials: Object.fromEntries(
        Object.entries(credentials).map(([k, v]) => [k, maskSecret(String(v))]),
      ),
      health: row.health as ConnectionsTable['health'],
      healthMessage: (row.health_message as string | null) ?? null,
      checkedAt: (row.checked_at as string | null) ?? null,
      managedBy: (row.managed_by as string | null) ?? null,
      webhookVerification: row.hook_token_received_at
        ? {
            receivedAt: row.hook_token_received_at as string,
            revealedAt: (row.hook_token_revealed_at as string | null) ?? null,
          }
        : null,
      createdAt: row.created_at as string,
      updatedAt: row.updated_at as string,
    };
  }

  /** Marks a resource as managed by config as code (`'config'`), or hands it back to people (`null`). */
  async setManagedBy(orgId: string, id: string, managedBy: string | null): Promise<void> {
    await this.db
      .updateTable('connections')
      .set({ managed_by: managedBy })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .execute();
  }
}
