/**
 * @module A canary sealed with the secret key, so a process can tell at start whether its key is the one this
 * database's secrets were sealed with (src/app/secret-key-check.ts), instead of failing on the first credential
 * it opens, hours later.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createTable('secret_canary')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}
