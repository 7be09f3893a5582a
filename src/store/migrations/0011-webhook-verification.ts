/**
 * @module A platform's webhook verification token (Notion sends one, unsigned, when a subscription is created):
 * when it arrived and when an admin was shown it. The token itself is kept with the connection's sealed
 * credentials; these two columns let the admin show it once and say whether it is waiting to be copied.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable('connections').addColumn('hook_token_received_at', 'text').execute();
  await db.schema.alterTable('connections').addColumn('hook_token_revealed_at', 'text').execute();
}
