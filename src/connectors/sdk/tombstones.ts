/**
 * @module Tombstones for change feeds read by a modified-since filter. Deleted records leave such listings, so
 * each platform reports deletes its own way (an archived listing, webhook payloads, stored webhook events); a
 * connector turns what it found into tombstones on the feed's last page, which carries the final cursor, so a
 * crash before that page commits re-reads them. Candidate ids are confirmed by reading them: a record that is
 * live again (restored, or the report was stale) is never deleted.
 */
import type { ChangePage } from './types.js';

/** Ids of `object` that the platform reported deleted at or after `since` (ISO-8601); may include live ones. */
export type DeletedSince = (object: string, since: string, signal?: AbortSignal) => Promise<string[]>;

/**
 * Passes `pages` through and appends tombstones to the last one. `since` is null on a first read (everything
 * live is listed then, there is nothing to delete). `live` reads candidates back: only absent ids become
 * tombstones.
 */
export async function* withTombstones(
  pages: AsyncIterable<ChangePage>,
  since: string | null,
  deleted: ((since: string) => Promise<string[]>) | undefined,
  live: (ids: string[]) => Promise<{ id: string }[]>,
): AsyncIterable<ChangePage> {
  let held: ChangePage | undefined;
  for await (const page of pages) {
    if (held) yield held;
    held = page;
  }
  if (!held) return;
  if (since !== null && deleted) {
    const listed = new Set(held.records.filter((r) => !('deleted' in r)).map((r) => r.id));
    const candidates = [...new Set(await deleted(since))].filter((id) => !listed.has(id));
    if (candidates.length > 0) {
      const alive = new Set((await live(candidates)).map((r) => r.id));
      const gone = candidates.filter((id) => !alive.has(id));
      held = { ...held, records: [...held.records, ...gone.map((id) => ({ id, deleted: true as const }))] };
    }
  }
  yield held;
}

/** `since` moved back by `ms`: platform clocks and our own may disagree by that much. */
export function earlier(since: string, ms: number): string {
  const t = Date.parse(since);
  return Number.isNaN(t) ? since : new Date(t - ms).toISOString();
}
