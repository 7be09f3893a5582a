/**
 * @module Sign-in sessions. The token is 32 random bytes handed to the browser once; the table keeps only its
 * SHA-256, so looking a session up is one indexed equality and a leaked table signs nobody in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId } from '../../lib/ids.js';
import { isoAfter, nowIso } from '../../lib/time.js';
import type { Database, SessionsTable } from '../schema.js';

export type Session = Omit<SessionsTable, 'token_hash'>;

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Returns the token once; only its hash is stored. */
  async create(
    userId: string,
    input: { ttlMs: number; ip?: string | null; userAgent?: string | null },
  ): Promise<{ session: Session; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const row: SessionsTable = {
      id: newId('ses'),
      token_hash: hashSessionToken(token),
      user_id: userId,
      ip: input.ip ?? null,
      user_agent: input.userAgent ? input.userAgent.slice(0, 512) : null,
      created_at: nowIso(),
      expires_at: isoAfter(input.ttlMs),
    };
    await this.db.insertInto('sessions').values(row).execute();
    const { token_hash: _hash, ...session } = row;
    return { session, token };
  }

  /** The live session for a token, or undefined when unknown or expired. */
  async authenticate(token: string): Promise<Session | undefined> {
    return this.db
      .selectFrom('sessions')
      .select(['id', 'user_id', 'ip', 'user_agent', 'created_at', 'expires_at'])
      .where('token_hash', '=', hashSessionToken(token))
      .where('expires_at', '>', nowIso())
      .executeTakeFirst();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Housekeeping: expired sessions are useless rows. */
  async deleteExpired(): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('expires_at', '<=', nowIso())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
