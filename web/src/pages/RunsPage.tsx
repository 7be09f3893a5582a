/**
 * Every run of the organization. Filters (status, trigger, sync, connection, direction, site, date range) live
 * in the URL so a view can be shared and survives a reload; saved views store a named set of them per person.
 * Rows can be selected for a bulk retry or cancel, sent in chunks with a progress view; the filtered view
 * downloads as JSON. j/k move through the rows, Enter opens one. The list refreshes every few seconds while
 * any run shown is queued or running.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { toast } from 'sonner';
import type { components } from '../../../src/client/schema';
import { DataTable, useCursorList } from '../components/DataTable';
import { Button, Card, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { duration, relativeTime } from '../lib/format';
import type { Connection, Page, Run, Site, Sync } from '../lib/types';
import { useUrlParams } from '../lib/url-params';

type SavedView = components['schemas']['SavedView'];
type BulkResults = components['schemas']['BulkRunResults'];

const STATUSES = ['queued', 'running', 'success', 'partial', 'failed', 'cancelled'];
const TRIGGERS = ['manual', 'cron', 'webhook', 'event', 'api'];
const DIRECTIONS = ['push', 'pull', 'two-way'];
/** The URL keys of the filters, in the order saved views and downloads name them. */
const FILTERS = ['status', 'trigger', 'syncId', 'connectionId', 'direction', 'target', 'from', 'to'] as const;
type Filter = (typeof FILTERS)[number];
/** Ids per bulk request: small enough that the progress bar moves. */
const BULK_CHUNK = 10;
/** A download stops here; narrow the filters for more. */
const DOWNLOAD_MAX = 10_000;

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

/** The API query of the URL's filters (dates become instants). */
function apiParams(search: URLSearchParams): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const f of FILTERS) out[f] = search.get(f) ?? undefined;
  out.from = dayStart(search.get('from'));
  out.to = dayAfter(search.get('to'));
  return out;
}

function useOptions<T>(key: string, path: string) {
  return useQuery({ queryKey: [key, 'options'], queryFn: () => api<Page<T>>(`${path}?limit=200`) });
}

export function RunsPage() {
  const [search, setParam, setSearch] = useUrlParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const params = apiParams(search);
  const list = useCursorList<Run>(['runs'], '/runs', params);
  const active = list.data?.pages.some((p) =>
    p.data.some((r) => r.status === 'queued' || r.status === 'running'),
  );
  // Auto-refresh only while something is moving: a settled list costs nothing.
  const refreshing = useAutoRefresh(list, Boolean(active));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [bulk, setBulk] = useState<BulkProgress | null>(null);
  const syncs = useOptions<Sync>('syncs', '/syncs');
  const connections = useOptions<Connection>('connections', '/connections');
  const sites = useOptions<Site>('sites', '/sites');
  const open = useCallback((r: Run) => void navigate(`/runs/${r.id}`), [navigate]);
  useFirstRowsMark(Boolean(list.data?.pages[0]?.data.length));

  function setFilter(name: Filter, value: string) {
    setParam(name, value);
    setSelected(new Set());
  }

  async function runBulk(action: 'retry' | 'cancel') {
    const ids = [...selected];
    const progress: BulkProgress = { action, total: ids.length, done: 0, ok: 0, failures: [] };
    setBulk({ ...progress });
    for (let i = 0; i < ids.length; i += BULK_CHUNK) {
      try {
        const answer = await api<BulkResults>('/runs/bulk', {
          method: 'POST',
          body: { action, ids: ids.slice(i, i + BULK_CHUNK) },
        });
        for (const r of answer.results) {
          if (r.ok) progress.ok += 1;
          else progress.failures.push({ id: r.id, message: r.error?.message ?? 'failed' });
        }
      } catch (e) {
        for (const id of ids.slice(i, i + BULK_CHUNK)) {
          progress.failures.push({ id, message: (e as Error).message });
        }
      }
      progress.done = Math.min(ids.length, i + BULK_CHUNK);
      setBulk({ ...progress, failures: [...progress.failures] });
    }
    const verb = action === 'retry' ? 'retried' : 'cancelled';
    if (progress.failures.length === 0) toast.success(`${progress.ok} runs ${verb}`);
    else toast.error(`${progress.ok} runs ${verb}, ${progress.failures.length} could not be`);
    setSelected(new Set());
    void queryClient.invalidateQueries({ queryKey: ['runs'] });
  }

  async function download() {
    const rows: Run[] = [];
    let cursor: string | undefined;
    do {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries({ ...params, cursor, limit: '200' })) if (v) qs.set(k, v);
      const page = await api<Page<Run>>(`/runs?${qs.toString()}`);
      rows.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && rows.length < DOWNLOAD_MAX);
    const filters = Object.fromEntries(FILTERS.flatMap((f) => (search.get(f) ? [[f, search.get(f)]] : [])));
    const blob = new Blob([JSON.stringify({ filters, runs: rows }, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `runs-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}.json`;
    link.click();
    URL.revokeObjectURL(link.href);
    toast.success(`${rows.length} runs downloaded${cursor ? ` (first ${DOWNLOAD_MAX})` : ''}`);
  }

  const select = (label: string, name: Filter, options: { value: string; label: string }[]) => (
    <label>
      <span className="mb-1 block text-xs text-zinc-500">{label}</span>
      <select
        aria-label={`Filter by ${label.toLowerCase()}`}
        className={selectClass}
        value={search.get(name) ?? ''}
        onChange={(e) => setFilter(name, e.target.value)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  const plain = (values: string[]) => values.map((v) => ({ value: v, label: v }));

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-xl font-semibold">Runs</h1>
        <div className="flex items-center gap-2">
          {refreshing ? <span className="text-xs text-zinc-500">live · refreshing every 3 s</span> : null}
          <SavedViews search={search} onApply={(next) => setSearch(next)} />
          <Button
            variant="secondary"
            onClick={() => void download().catch((e: Error) => toast.error(e.message))}
          >
            Download JSON
          </Button>
        </div>
      </div>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        {select('Status', 'status', plain(STATUSES))}
        {select('Trigger', 'trigger', plain(TRIGGERS))}
        {select(
          'Sync',
          'syncId',
          (syncs.data?.data ?? []).map((s) => ({ value: s.id, label: s.name })),
        )}
        {select(
          'Connection',
          'connectionId',
          (connections.data?.data ?? []).map((c) => ({ value: c.id, label: c.name })),
        )}
        {select('Direction', 'direction', plain(DIRECTIONS))}
        {select(
          'Site',
          'target',
          (sites.data?.data ?? []).map((s) => ({ value: s.id, label: s.name })),
        )}
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
      {selected.size > 0 || bulk ? (
        <BulkBar
          count={selected.size}
          progress={bulk}
          onRun={(action) => void runBulk(action)}
          onClose={() => setBulk(null)}
        />
      ) : null}
      <Card>
        <DataTable
          query={list}
          rowKey={(r) => r.id}
          selection={{ selected, onChange: setSelected }}
          onOpen={open}
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

interface BulkProgress {
  action: 'retry' | 'cancel';
  total: number;
  done: number;
  ok: number;
  failures: { id: string; message: string }[];
}

function BulkBar({
  count,
  progress,
  onRun,
  onClose,
}: {
  count: number;
  progress: BulkProgress | null;
  onRun: (action: 'retry' | 'cancel') => void;
  onClose: () => void;
}) {
  const busy = progress !== null && progress.done < progress.total;
  return (
    <Card>
      <div className="flex flex-wrap items-center gap-3 text-sm" data-testid="bulk-bar">
        {count > 0 ? <span>{count} selected</span> : null}
        <Button onClick={() => onRun('retry')} disabled={busy || count === 0}>
          Retry selected
        </Button>
        <Button variant="danger" onClick={() => onRun('cancel')} disabled={busy || count === 0}>
          Cancel selected
        </Button>
        {progress ? (
          <div className="flex min-w-64 flex-1 items-center gap-3" data-testid="bulk-progress">
            <progress className="h-2 flex-1" max={progress.total} value={progress.done} />
            <span className="tabular-nums">
              {progress.action} {progress.done}/{progress.total} · {progress.ok} ok
              {progress.failures.length ? ` · ${progress.failures.length} failed` : ''}
            </span>
            {!busy ? (
              <Button variant="ghost" onClick={onClose}>
                Dismiss
              </Button>
            ) : null}
          </div>
        ) : null}
      </div>
      {progress && progress.failures.length > 0 ? (
        <ul className="mt-2 space-y-0.5 text-xs text-red-600 dark:text-red-400">
          {progress.failures.map((f) => (
            <li key={f.id}>
              <span className="font-mono">{f.id}</span>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}

/** The caller's named filter sets: apply one, save the current filters under a name, delete one. */
function SavedViews({
  search,
  onApply,
}: {
  search: URLSearchParams;
  onApply: (next: URLSearchParams) => void;
}) {
  const queryClient = useQueryClient();
  const views = useQuery({
    queryKey: ['saved-views', 'runs'],
    queryFn: () => api<{ data: SavedView[] }>('/saved-views?page=runs'),
  });
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const current = Object.fromEntries(FILTERS.flatMap((f) => (search.get(f) ? [[f, search.get(f)!]] : [])));
  const match = views.data?.data.find(
    (v) =>
      JSON.stringify(Object.entries(v.filters).sort()) === JSON.stringify(Object.entries(current).sort()),
  );
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['saved-views'] });

  async function save() {
    if (!name.trim()) return;
    try {
      await api<SavedView>('/saved-views', {
        method: 'POST',
        body: { page: 'runs', name, filters: current },
      });
      toast.success(`View "${name.trim()}" saved`);
      setNaming(false);
      setName('');
      refresh();
    } catch (e) {
      toast.error((e as Error).message);
    }
  }

  async function remove(view: SavedView) {
    await api(`/saved-views/${view.id}`, { method: 'DELETE' }).catch((e: Error) => toast.error(e.message));
    toast.success(`View "${view.name}" deleted`);
    refresh();
  }

  return (
    <div className="flex items-center gap-2">
      <select
        aria-label="Saved view"
        className={selectClass}
        value={match?.id ?? ''}
        onChange={(e) => {
          const view = views.data?.data.find((v) => v.id === e.target.value);
          onApply(new URLSearchParams(view?.filters ?? {}));
        }}
      >
        <option value="">{match ? '' : 'Saved views…'}</option>
        {views.data?.data.map((v) => (
          <option key={v.id} value={v.id}>
            {v.name}
          </option>
        ))}
      </select>
      {match ? (
        <Button variant="ghost" onClick={() => void remove(match)} aria-label={`Delete view ${match.name}`}>
          ✕
        </Button>
      ) : null}
      {naming ? (
        <form
          className="flex gap-1"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <input
            aria-label="View name"
            autoFocus
            className={selectClass}
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="name"
          />
          <Button type="submit">Save</Button>
        </form>
      ) : (
        <Button variant="secondary" onClick={() => setNaming(true)}>
          Save view
        </Button>
      )}
    </div>
  );
}

/**
 * Marks `runs:first-rows` on the page's performance timeline once rows are on screen, so the time to a usable
 * list can be measured (the browser test reads it with 100k runs in the database).
 */
function useFirstRowsMark(hasRows: boolean) {
  const marked = useRef(false);
  useEffect(() => {
    if (!hasRows || marked.current) return;
    marked.current = true;
    requestAnimationFrame(() => performance.mark('runs:first-rows'));
  }, [hasRows]);
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
