/**
 * @module Where each record of a collection stands in the syncs that read that collection as side a: synced,
 * pending, conflict, error or unlinked, with the remote id and when the engine last wrote each side. A page of
 * records costs two selects whatever its size: the syncs of the organization and the links of the page's ids.
 *
 * "Pending" after a local edit is a timestamp rule: a record written after its link was last written has
 * something the platform has not seen. The engine writes the link after its own writes to the record (a pull),
 * so its own writes never count. An edit that lands while a run is between reading the record and committing its
 * link shows as synced until the next run, which picks the edit up from the change feed anyway.
 */
import { z } from 'zod';
import { CONNECTOR_ERROR_KINDS } from '../connectors/sdk/errors.js';
import type { Repositories } from '../store/repositories/index.js';
import type { RecordLinkRow } from '../store/repositories/links.js';
import { TimestampSchema } from './schemas/common.js';

export const RECORD_SYNC_STATUSES = ['synced', 'pending', 'conflict', 'error', 'unlinked'] as const;
export type RecordSyncStatus = (typeof RECORD_SYNC_STATUSES)[number];

export const RecordSyncSchema = z
  .strictObject({
    syncId: z.string(),
    syncName: z.string(),
    pair: z.string().meta({ description: 'the object pair of the sync that reads this collection' }),
    status: z.enum(RECORD_SYNC_STATUSES),
    error: z.string().nullable().meta({ description: 'why it is not synced (error, conflict, held)' }),
    remoteId: z.string().nullable().meta({ description: 'the record’s id on side b once linked' }),
    lastPushedAt: TimestampSchema.nullable(),
    lastPulledAt: TimestampSchema.nullable(),
    checksum: z
      .string()
      .nullable()
      .meta({ description: 'of the mapped fields as both sides last agreed on them; null until linked' }),
  })
  .meta({ id: 'RecordSync' });
export type RecordSync = z.output<typeof RecordSyncSchema>;

/** A failed write is stored as `<connector error kind>: <message>`; other held reasons are waits, not errors. */
const FAILED_WRITE = new RegExp(`^(${CONNECTOR_ERROR_KINDS.join('|')}): `);

/** The badge of one record in one pair (pure). */
export function recordSyncStatus(
  record: { updatedAt: string },
  link: Pick<RecordLinkRow, 'status' | 'error' | 'updatedAt'> | undefined,
): { status: RecordSyncStatus; error: string | null } {
  if (!link) return { status: 'unlinked', error: null };
  const error = link.error;
  switch (link.status) {
    case 'ok':
      return { status: record.updatedAt > link.updatedAt ? 'pending' : 'synced', error: null };
    case 'conflict':
      return { status: 'conflict', error };
    // Both wait for a person: a duplicate to check, a match key held by several records.
    case 'unverified':
    case 'ambiguous':
      return { status: 'error', error };
    case 'retry':
      return error && FAILED_WRITE.test(error) ? { status: 'error', error } : { status: 'pending', error };
    // The other side is gone and the delete policy keeps this one: nothing flows for it any more.
    case 'detached':
      return { status: 'unlinked', error };
    default:
      return { status: 'pending', error };
  }
}

/** Each record's sync entries (one per sync pair reading the collection), keyed by record id. */
export async function recordSyncs(
  repos: Repositories,
  orgId: string,
  collectionKey: string,
  records: readonly { id: string; updatedAt: string }[],
): Promise<Map<string, RecordSync[]>> {
  const covering = await repos.syncs.onCollection(orgId, collectionKey);
  const pairs = covering.flatMap(({ sync, pairs }) => pairs.map((object) => ({ syncId: sync.id, object })));
  const links = await repos.links.forSideARecords(
    orgId,
    pairs,
    records.map((r) => r.id),
  );
  const byKey = new Map(links.map((l) => [`${l.syncId}\u0000${l.object}\u0000${l.aId}`, l]));
  const out = new Map<string, RecordSync[]>();
  for (const record of records) {
    out.set(
      record.id,
      covering.flatMap(({ sync, pairs }) =>
        pairs.map((pair) => {
          const link = byKey.get(`${sync.id}\u0000${pair}\u0000${record.id}`);
          return {
            syncId: sync.id,
            syncName: sync.name,
            pair,
            ...recordSyncStatus(record, link),
            remoteId: link?.bId ?? null,
            lastPushedAt: link?.lastPushedAt ?? null,
            lastPulledAt: link?.lastPulledAt ?? null,
            checksum: link?.checksum ?? null,
          };
        }),
      ),
    );
  }
  return out;
}
