/**
 * @module API keys: created with a role, shown once, looked up by hash, revocable. Every query is scoped to an
 * organization except `authenticate`, which is how a request finds its organization in the first place.
 */
import type { Kysely } from 'kysely';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../lib/crypto/api-key.js';
import { newId } from '../../lib/ids.js';
import { nowIso } from '../../lib/time.js';
import type { ApiKeysTable, Database, Role } from '../schema.js';
import { pageLimit, toPage, type Page, type PageRequest } from './page.js';

export type ApiKey = Omit<ApiKeysTable, 'key_hash'>;

/** Every column but the hash: the hash never leaves this file. */
const PUBLIC_COLUMNS = [
  'id',
  'org_id',
  'name',
  'prefix',
  'role',
  'created_by',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

export class ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Returns the key itself once; only its hash is stored. Pass `key` to register a known value (bootstrap). */
  async create(
    orgId: string,
    input: { name: string; role: Role; createdBy?: string | null; key?: string },
  ): Promise<{ apiKey: ApiKey; key: string }> {
    const key = input.key ?? generateApiKey();
    const row: ApiKeysTable = {
      id: newId('key'),
      org_id: orgId,
      name: input.name,
      prefix: apiKeyPrefix(key),
      key_hash: hashApiKey(key),
      role: input.role,
      created_by: input.createdBy ?? null,
      created_at: nowIso(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_keys').values(row).execute();
    const { key_hash: _hash, ...apiKey } = row;
    return { apiKey, key };
  }

  async authenticate(key: string): Promise<ApiKey | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .select(PUBLIC_COLUMNS)
      .where('key_hash', '=', hashApiKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (row) {
      await this.db
        .updateTable('api_keys')
        .set({ last_used_at: nowIso() })
        .where('id', '=', row.id)
        .execute();
    }
    return row;
  }

  async existsForHash(key: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('api_keys')
      .select('id')
      .where('key_hash', '=', hashApiKey(key))
      .executeTakeFirst();
    return row !== undefined;
  }

  async list(orgId: string, page: PageRequest & { includeRevoked?: boolean } = {}): Promise<Page<ApiKey>> {
    const limit = pageLimit(page);
    let q = this.db.selectFrom('api_keys').select(PUBLIC_COLUMNS).where('org_id', '=', orgId);
    if (page.includeRevoked === false) q = q.where('revoked_at', 'is', null);
    if (page.cursor) q = q.where('id', '<', page.cursor);
    return toPage(
      await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute(),
      limit,
    );
  }

  async get(orgId: string, id: string): Promise<ApiKey | undefined> {
    return this.db
      .selectFrom('api_keys')
      .select(PUBLIC_COLUMNS)
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async revoke(orgId: string, id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: nowIso() })
      .where('org_id', '=', orgId)
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}
