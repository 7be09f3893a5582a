/**
 * @module Keyset pagination over prefixed ULID ids: newest first, `cursor` is the last id seen. It stays as fast
 * on page 1,000 as on page 1 because it never counts or skips rows.
 */
export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 200;

export function pageLimit(request: PageRequest): number {
  return Math.min(Math.max(request.limit ?? 50, 1), MAX_PAGE_SIZE);
}

/** Call with limit + 1 rows fetched; trims the extra row and derives the next cursor. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const hasMore = rows.length > limit;
  const data = hasMore ? rows.slice(0, limit) : rows;
  return { data, nextCursor: hasMore ? (data[data.length - 1]?.id ?? null) : null };
}

/** Every item of a cursor-paginated list, page after page (for small, bounded lists such as configuration). */
export async function readAllPages<T>(list: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    out.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}
