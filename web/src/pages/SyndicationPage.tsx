/**
 * The syndication dashboard: Run sync for every site or one, the run being watched (per-site cards that flip
 * pending → success/failed, and its log lines as they arrive, pushed by the API over Server-Sent Events), and the
 * last runs with their status, job label (manual | auto) and duration.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { Button, Card, EmptyState, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Delivery, Page, Site, SyndicationLogLine, SyndicationRun } from '../lib/types';

type DeliveryDetail = Delivery & { payload: unknown };

/** A site's payload in this run, read only when opened: the delivery its child run sent. */
function PayloadPreview({ childRunId }: { childRunId: string }) {
  const [open, setOpen] = useState(false);
  const payload = useQuery({
    queryKey: ['run-payload', childRunId],
    enabled: open,
    queryFn: async () => {
      const page = await api<Page<Delivery>>(`/deliveries?runId=${childRunId}&limit=1`);
      const delivery = page.data[0];
      return delivery ? api<DeliveryDetail>(`/deliveries/${delivery.id}`) : null;
    },
  });
  return (
    <details
      className="mt-2 text-xs"
      onToggle={(e) => setOpen(e.currentTarget.open)}
      data-testid="payload-preview"
    >
      <summary className="cursor-pointer text-indigo-600">Payload</summary>
      {payload.data === null ? (
        <p className="mt-1 text-zinc-500">Nothing sent in this run (unchanged).</p>
      ) : payload.data ? (
        <pre className="mt-1 max-h-48 overflow-auto rounded bg-zinc-950 p-2 font-mono text-zinc-100">
          {JSON.stringify(payload.data.payload, null, 2)}
        </pre>
      ) : open ? (
        <p className="mt-1 text-zinc-500">Loading…</p>
      ) : null}
    </details>
  );
}

/** Job durations, oldest to newest, as a small line: a slow run stands out at a glance. */
function Sparkline({ runs }: { runs: SyndicationRun[] }) {
  const values = runs
    .map((r) => r.durationMs)
    .filter((d): d is number => typeof d === 'number')
    .reverse();
  if (values.length < 2) return null;
  const max = Math.max(...values, 1);
  const w = 120;
  const h = 24;
  const points = values
    .map(
      (v, i) => `${((i / (values.length - 1)) * w).toFixed(1)},${(h - (v / max) * (h - 2) - 1).toFixed(1)}`,
    )
    .join(' ');
  return (
    <svg
      width={w}
      height={h}
      viewBox={`0 0 ${w} ${h}`}
      className="text-indigo-500"
      role="img"
      aria-label={`job durations, last ${values.length} runs`}
      data-testid="duration-sparkline"
    >
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

interface RunDetail {
  run: SyndicationRun;
  children: SyndicationRun[];
  logs: SyndicationLogLine[];
}

const FINAL = new Set(['success', 'partial', 'failed', 'cancelled']);

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The job's label: started by the hourly schedule (auto) or by someone (manual). */
function trigger(run: SyndicationRun): string {
  return run.trigger === 'cron' ? 'auto' : 'manual';
}

/**
 * Follows a run over SSE while it goes: each `snapshot` replaces the run and its children and appends the new
 * log lines to the cached detail; `end` closes the stream (EventSource would reconnect otherwise).
 */
function useLiveRun(runId: string | null, final: boolean) {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!runId || final) return;
    const source = new EventSource(`/api/v1/syndication/runs/${runId}`, { withCredentials: true });
    source.addEventListener('snapshot', (event) => {
      const next = JSON.parse((event as MessageEvent<string>).data) as RunDetail;
      queryClient.setQueryData<RunDetail>(['syndication-run', runId], (old) => {
        const seen = old?.logs.at(-1)?.id ?? 0;
        return { ...next, logs: [...(old?.logs ?? []), ...next.logs.filter((l) => l.id > seen)] };
      });
    });
    source.addEventListener('end', () => source.close());
    return () => source.close();
  }, [runId, final, queryClient]);
}

export function SyndicationPage() {
  const queryClient = useQueryClient();
  const sites = useQuery({ queryKey: ['sites'], queryFn: () => api<Page<Site>>('/sites') });
  const runs = useQuery({
    queryKey: ['syndication-runs'],
    queryFn: () => api<{ data: SyndicationRun[] }>('/syndication/runs'),
  });
  const [watching, setWatching] = useState<string | null>(null);
  const current = watching ?? runs.data?.data[0]?.id ?? null;
  const detail = useQuery({
    queryKey: ['syndication-run', current],
    queryFn: () => api<RunDetail>(`/syndication/runs/${current}`),
    enabled: current !== null,
  });
  const finalStatus = detail.data && FINAL.has(detail.data.run.status) ? detail.data.run.status : null;
  useLiveRun(detail.data ? current : null, finalStatus !== null);
  useEffect(() => {
    // The watched run ended: refresh the history and the sites' last results.
    if (!finalStatus) return;
    void queryClient.invalidateQueries({ queryKey: ['syndication-runs'] });
    void queryClient.invalidateQueries({ queryKey: ['sites'] });
  }, [finalStatus, current, queryClient]);

  const start = useMutation({
    mutationFn: (body: { siteIds?: string[]; force?: boolean }) =>
      api<{ run: SyndicationRun }>('/syndication/runs', { method: 'POST', body }),
    onSuccess: (r) => {
      setWatching(r.run.id);
      void queryClient.invalidateQueries({ queryKey: ['syndication-runs'] });
    },
    onError: (e) => toast.error(e.message),
  });

  // Replays the exact bytes the site was last sent (not its payload as it is now), as a new signed delivery.
  const replay = useMutation({
    mutationFn: async (site: Site) => {
      const last = await api<Page<Delivery>>(`/deliveries?siteId=${site.id}&limit=1`);
      const delivery = last.data[0];
      if (!delivery) throw new Error(`${site.name} was never sent anything`);
      return api<Delivery>(`/deliveries/${delivery.id}/replay`, { method: 'POST' });
    },
    onSuccess: (_d, site) => toast.success(`${site.name}: last payload queued again`),
    onError: (e) => toast.error(e.message),
  });

  const siteList = sites.data?.data ?? [];
  const runSites = detail.data?.run.siteIds ?? null;
  const shown = runSites ? siteList.filter((s) => runSites.includes(s.id)) : siteList;
  const childOf = new Map((detail.data?.children ?? []).map((c) => [c.siteId, c]));

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Syndication</h1>
        <div className="flex gap-2">
          <Button
            variant="secondary"
            onClick={() => start.mutate({ force: true })}
            disabled={start.isPending}
          >
            Re-send all
          </Button>
          <Button onClick={() => start.mutate({})} disabled={start.isPending}>
            Run sync
          </Button>
        </div>
      </div>

      {detail.data ? (
        <Card
          title={
            <span data-testid="watched-run">
              Run {detail.data.run.id.slice(-8)} · {trigger(detail.data.run)} ·{' '}
              {duration(detail.data.run.durationMs)}
            </span>
          }
          actions={<StatusChip status={detail.data.run.status} />}
        >
          {detail.data.run.error ? (
            <p className="mb-3 text-sm text-red-600 dark:text-red-400">{detail.data.run.error}</p>
          ) : null}
          <div className="grid gap-3 sm:grid-cols-3" data-testid="site-cards">
            {shown.map((site) => {
              const child = childOf.get(site.id);
              const status = child?.status === 'running' || !child ? 'pending' : child.status;
              return (
                <div
                  key={site.id}
                  className="rounded border border-zinc-200 p-3 dark:border-zinc-800"
                  data-testid="site-card"
                  data-site={site.name}
                  data-status={status}
                >
                  <div className="flex items-center justify-between">
                    <span className="font-medium">{site.name}</span>
                    <StatusChip status={status} />
                  </div>
                  <p className="mt-1 text-xs text-zinc-500">
                    {child?.counts.unchanged ? 'unchanged, skipped' : `${child?.counts.found ?? 0} items`} ·{' '}
                    {duration(child?.durationMs)}
                  </p>
                  {child?.error ? <p className="mt-1 text-xs text-red-600">{child.error}</p> : null}
                  {child && FINAL.has(child.status) ? <PayloadPreview childRunId={child.id} /> : null}
                  <div className="mt-2 flex gap-2">
                    <Button
                      variant="ghost"
                      onClick={() => start.mutate({ siteIds: [site.id] })}
                      disabled={start.isPending}
                    >
                      Sync
                    </Button>
                    <Button
                      variant="ghost"
                      title="Send this site the exact payload it was last sent, signed afresh"
                      onClick={() => replay.mutate(site)}
                      disabled={replay.isPending}
                    >
                      Replay payload
                    </Button>
                  </div>
                </div>
              );
            })}
          </div>
          <pre
            className="mt-3 max-h-64 overflow-auto rounded bg-zinc-950 p-3 font-mono text-xs text-zinc-100"
            data-testid="run-log"
          >
            {detail.data.logs.map((l) => (
              <div
                key={l.id}
                className={l.level === 'error' ? 'text-red-400' : l.level === 'warn' ? 'text-amber-300' : ''}
              >
                {new Date(l.createdAt).toLocaleTimeString()} {l.message}
              </div>
            ))}
          </pre>
        </Card>
      ) : null}

      <div className="flex gap-3 text-sm" data-testid="shortcuts">
        <Link className="text-indigo-600 hover:underline" to="/content">
          Edit items →
        </Link>
        <Link className="text-indigo-600 hover:underline" to="/mappings">
          Item × site matrix →
        </Link>
        <Link className="text-indigo-600 hover:underline" to="/sites">
          What each destination received →
        </Link>
      </div>

      <Card title="Last runs" actions={<Sparkline runs={runs.data?.data ?? []} />}>
        {runs.isPending ? (
          <Skeleton rows={3} />
        ) : runs.data?.data.length ? (
          <table className="w-full text-sm" data-testid="run-history">
            <thead>
              <tr className="text-left text-xs text-zinc-500">
                <th className="py-1">Run</th>
                <th>Status</th>
                <th>Trigger</th>
                <th>Sites</th>
                <th>Started</th>
                <th>Duration</th>
              </tr>
            </thead>
            <tbody>
              {runs.data.data.map((run) => (
                <tr
                  key={run.id}
                  className={`cursor-pointer border-t border-zinc-100 dark:border-zinc-800 ${run.id === current ? 'bg-indigo-50 dark:bg-indigo-950/40' : ''}`}
                  onClick={() => setWatching(run.id)}
                  data-testid="run-row"
                >
                  <td className="py-1 font-mono text-xs">{run.id.slice(-8)}</td>
                  <td>
                    <StatusChip status={run.status} />
                  </td>
                  <td data-testid="run-trigger">{trigger(run)}</td>
                  <td>{run.siteIds ? run.siteIds.length : 'all'}</td>
                  <td>{relativeTime(run.startedAt ?? run.createdAt)}</td>
                  <td data-testid="run-duration">{duration(run.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <EmptyState title="No runs yet" hint="Run sync pushes every site its effective payload." />
        )}
      </Card>
    </div>
  );
}
