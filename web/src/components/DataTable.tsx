/**
 * A table over a cursor-paginated list: columns declared once, rows keyed by id, "load more" for the next
 * page, skeleton while loading, an empty state naming the next step.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api } from '../lib/api';
import type { Page } from '../lib/types';
import { Button, EmptyState, Skeleton } from './ui';

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
}

export function useCursorList<T>(
  key: unknown[],
  path: string,
  params: Record<string, string | undefined> = {},
) {
  return useInfiniteQuery({
    queryKey: [...key, params],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const search = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...params, cursor: pageParam })) if (v) search.set(k, v);
      const qs = search.toString();
      return api<Page<T>>(`${path}${qs ? `?${qs}` : ''}`);
    },
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

export function DataTable<T extends { id?: string }>({
  query,
  columns,
  rowKey,
  empty,
}: {
  query: ReturnType<typeof useCursorList<T>>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: { title: string; hint: string; action?: ReactNode };
}) {
  if (query.isPending) return <Skeleton rows={5} />;
  if (query.error) return <p className="text-sm text-red-600">{query.error.message}</p>;
  const rows = query.data.pages.flatMap((p) => p.data);
  if (rows.length === 0) return <EmptyState {...empty} />;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
          <tr>
            {columns.map((c) => (
              <th key={c.header} className={`px-3 py-2 font-medium ${c.className ?? ''}`}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row) => (
            <tr key={rowKey(row)} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
              {columns.map((c) => (
                <td key={c.header} className={`px-3 py-2 ${c.className ?? ''}`}>
                  {c.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {query.hasNextPage ? (
        <div className="mt-3 text-center">
          <Button
            variant="secondary"
            onClick={() => void query.fetchNextPage()}
            disabled={query.isFetchingNextPage}
          >
            {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </Button>
        </div>
      ) : null}
    </div>
  );
}
