/**
 * Every run of the organization. Filters (status, sync, trigger, date range) live in the URL so a view can be
 * shared and survives a reload; the list refreshes every few seconds while any run shown is queued or running.
 */
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router';
import { DataTable, useCursorList } from '../components/DataTable';
import { Card, StatusChip } from '../components/ui';
import { duration, relativeTime } from '../lib/format';
import type { Run } from '../lib/types';

const STATUSES = ['queued', 'running', 'success', 'partial', 'failed', 'cancelled'];
const TRIGGERS = ['manual', 'cron', 'webhook', 'event', 'api'];
/** The URL keys of the filters. */
type Filter = 'status' | 'syncId' | 'trigger' | 'from' | 'to';

const selectClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/** `2026-01-31` (a date input) → the start of that day in UTC, as the API wants it. */
function dayStart(value: string | null): string | undefined {
  return value ? `${value}T00:00:00Z` : undefined;
}

function dayAfter(value: string | null): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export function RunsPage() {
  const [search, setSearch] = useSearchParams();
  const params = {
    status: search.get('status') ?? undefined,
    syncId: search.get('syncId') ?? undefined,
    trigger: search.get('trigger') ?? undefined,
    from: dayStart(search.get('from')),
    to: dayAfter(search.get('to')),
  };
  const list = useCursorList<Run>(['runs'], '/runs', params);
  const active = list.data?.pages.some((p) =>
    p.data.some((r) => r.status === 'queued' || r.status === 'running'),
  );
  // Auto-refresh only while something is moving: a settled list costs nothing.
  const refreshing = useAutoRefresh(list, Boolean(active));

  function setFilter(name: Filter, value: string) {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    setSearch(next);
  }

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Runs</h1>
        {refreshing ? <span className="text-xs text-zinc-500">live · refreshing every 3 s</span> : null}
      </div>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label>
          <span className="mb-1 block text-xs text-zinc-500">Status</span>
          <select
            aria-label="Filter by status"
            className={selectClass}
            value={search.get('status') ?? ''}
            onChange={(e) => setFilter('status', e.target.value)}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-500">Trigger</span>
          <select
            aria-label="Filter by trigger"
            className={selectClass}
            value={search.get('trigger') ?? ''}
            onChange={(e) => setFilter('trigger', e.target.value)}
          >
            <option value="">any</option>
            {TRIGGERS.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-500">Sync id</span>
          <input
            aria-label="Filter by sync"
            className={selectClass}
            placeholder="syn_…"
            defaultValue={search.get('syncId') ?? ''}
            onKeyDown={(e) => e.key === 'Enter' && setFilter('syncId', e.currentTarget.value.trim())}
          />
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-500">From (UTC)</span>
          <input
            type="date"
            aria-label="From date"
            className={selectClass}
            value={search.get('from') ?? ''}
            onChange={(e) => setFilter('from', e.target.value)}
          />
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-500">To (UTC)</span>
          <input
            type="date"
            aria-label="To date"
            className={selectClass}
            value={search.get('to') ?? ''}
            onChange={(e) => setFilter('to', e.target.value)}
          />
        </label>
      </div>
      <Card>
        <DataTable
          query={list}
          rowKey={(r) => r.id}
          empty={{
            title: 'No runs match',
            hint: 'Start a run from the Syncs screen, or clear the filters.',
          }}
          columns={[
            {
              header: 'Run',
              cell: (r) => (
                <Link
                  className="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400"
                  to={`/runs/${r.id}`}
                >
                  {r.id}
                </Link>
              ),
            },
            { header: 'Status', cell: (r) => <StatusChip status={r.status} /> },
            { header: 'Kind', cell: (r) => `${r.kind}${r.dryRun ? ' (dry run)' : ''}` },
            { header: 'Trigger', cell: (r) => r.trigger },
            {
              header: 'Records',
              cell: (r) => `${r.counts.created} new · ${r.counts.updated} upd · ${r.counts.errors} err`,
            },
            { header: 'Started', cell: (r) => <span title={r.createdAt}>{relativeTime(r.createdAt)}</span> },
            { header: 'Duration', cell: (r) => duration(r.startedAt, r.finishedAt) },
          ]}
        />
      </Card>
    </div>
  );
}

/** Refetches `query` every 3 s while `enabled`; returns whether it is doing so. */
export function useAutoRefresh(query: { refetch: () => Promise<unknown> }, enabled: boolean): boolean {
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => void query.refetch(), 3000);
    return () => clearInterval(timer);
  }, [enabled, query]);
  return enabled;
}
