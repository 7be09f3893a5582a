/**
 * A table over a cursor-paginated list: columns declared once, rows keyed by id, "load more" for the next
 * page, skeleton while loading, an empty state naming the next step. Optionally: row checkboxes (selection
 * owned by the screen) and keyboard moves (j/k select the row, Enter opens it) when `onOpen` is given.
 */
import { useInfiniteQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState, type ReactNode } from 'react';
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
  selection,
  onOpen,
}: {
  query: ReturnType<typeof useCursorList<T>>;
  columns: Column<T>[];
  rowKey: (row: T) => string;
  empty: { title: string; hint: string; action?: ReactNode };
  selection?: { selected: ReadonlySet<string>; onChange: (next: Set<string>) => void };
  onOpen?: (row: T) => void;
}) {
  const rows = query.data?.pages.flatMap((p) => p.data) ?? [];
  const active = useKeyboardRows(rows, onOpen);
  if (query.isPending) return <Skeleton rows={5} />;
  if (query.error) return <p className="text-sm text-red-600">{query.error.message}</p>;
  if (rows.length === 0) return <EmptyState {...empty} />;
  const keys = rows.map(rowKey);
  const allSelected = selection ? keys.every((k) => selection.selected.has(k)) : false;
  function toggle(key: string) {
    if (!selection) return;
    const next = new Set(selection.selected);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    selection.onChange(next);
  }
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm">
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
          <tr>
            {selection ? (
              <th className="w-8 px-3 py-2">
                <input
                  type="checkbox"
                  aria-label="Select all rows"
                  checked={allSelected}
                  onChange={() => selection.onChange(allSelected ? new Set() : new Set(keys))}
                />
              </th>
            ) : null}
            {columns.map((c) => (
              <th key={c.header} className={`px-3 py-2 font-medium ${c.className ?? ''}`}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {rows.map((row, i) => (
            <tr
              key={rowKey(row)}
              data-active={i === active ? 'true' : undefined}
              aria-selected={onOpen ? i === active : undefined}
              className="hover:bg-zinc-50 data-[active=true]:bg-indigo-50 dark:hover:bg-zinc-800/50 dark:data-[active=true]:bg-indigo-950/60"
            >
              {selection ? (
                <td className="px-3 py-2">
                  <input
                    type="checkbox"
                    aria-label={`Select ${rowKey(row)}`}
                    checked={selection.selected.has(rowKey(row))}
                    onChange={() => toggle(rowKey(row))}
                  />
                </td>
              ) : null}
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

/** True when a key press belongs to a text field, where j and k are letters, not moves. */
function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return Boolean(el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)));
}

/** j/k move the active row, Enter opens it; -1 (none) until the first move. Off without `onOpen`. */
function useKeyboardRows<T>(rows: T[], onOpen: ((row: T) => void) | undefined): number {
  const [active, setActive] = useState(-1);
  const latest = useRef({ rows, onOpen, active });
  latest.current = { rows, onOpen, active };
  useEffect(() => {
    if (!onOpen) return;
    function onKey(e: KeyboardEvent) {
      if (e.metaKey || e.ctrlKey || e.altKey || typing(e.target)) return;
      const { rows: list, onOpen: open, active: at } = latest.current;
      if (e.key === 'j') setActive(Math.min(at + 1, list.length - 1));
      else if (e.key === 'k') setActive(Math.max(at - 1, 0));
      else if (e.key === 'Enter' && at >= 0 && list[at]) open?.(list[at]);
      else return;
      e.preventDefault();
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onOpen]);
  useEffect(() => {
    if (active >= 0) document.querySelector('tr[data-active="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [active]);
  return active;
}
