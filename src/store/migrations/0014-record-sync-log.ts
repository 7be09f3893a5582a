/**
 * @module A record's sync log (GET …/records/:id/sync-log) reads the run log lines that name the record, as the
 * source of a write (`record_id`) or as its target (`target_id`): both need an index, or the read scans every
 * line of the organization.
 */
import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect.js';

export async function up(db: Kysely<unknown>, _dialect: DialectName): Promise<void> {
  await db.schema
    .createIndex('run_logs_record_idx')
    .on('run_logs')
    .columns(['org_id', 'record_id', 'id'])
    .execute();
  await db.schema
    .createIndex('run_logs_target_idx')
    .on('run_logs')
    .columns(['org_id', 'target_id', 'id'])
    .execute();
}
