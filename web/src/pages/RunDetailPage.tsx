/**
 * One run: a header with status, trigger, timings and counts (refreshed every few seconds while it runs and
 * once more when its log stream ends), the live terminal, child runs of a fan-out as per-target cards that flip
 * from pending to their outcome, and Cancel / Retry with toasts.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import { toast } from 'sonner';
import { LogTerminal } from '../components/LogTerminal';
import { Button, Card, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { duration, relativeTime } from '../lib/format';
import type { Page, Run } from '../lib/types';

const LIVE = new Set(['queued', 'running']);

export function RunDetailPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const run = useQuery({
    queryKey: ['run', id],
    queryFn: () => api<Run>(`/runs/${id}`),
    // Counts move every batch: poll often enough that a running run never looks stuck.
    refetchInterval: (q) => (q.state.data && LIVE.has(q.state.data.status) ? 1000 : false),
  });
  const children = useQuery({
    queryKey: ['run', id, 'children'],
    queryFn: () => api<Page<Run>>(`/runs?parentRunId=${id}&limit=200`),
    refetchInterval: () => (run.data && LIVE.has(run.data.status) ? 2000 : false),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['run', id] });
  const cancel = useMutation({
    mutationFn: () => api<Run>(`/runs/${id}/cancel`, { method: 'POST' }),
    onSuccess: (r) => toast.success(r.status === 'cancelled' ? 'Run cancelled' : 'Cancel requested'),
    onError: (e) => toast.error(e.message),
    onSettled: refresh,
  });
  const retry = useMutation({
    mutationFn: () => api<Run>(`/runs/${id}/retry`, { method: 'POST' }),
    onSuccess: (r) => {
      toast.success('Retry queued');
      void navigate(`/runs/${r.id}`);
    },
    onError: (e) => toast.error(e.message),
  });

  if (run.isPending) return <Skeleton rows={6} />;
  if (run.error) return <p className="text-red-600">{run.error.message}</p>;
  const r = run.data;
  const counts = Object.entries(r.counts);
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <p className="text-xs text-zinc-500">
            <Link to="/runs" className="hover:underline">
              Runs
            </Link>{' '}
            / {r.id}
          </p>
          <h1 className="flex items-center gap-3 text-xl font-semibold">
            {r.kind}
            {r.dryRun ? ' (dry run)' : ''} <StatusChip status={r.status} />
          </h1>
        </div>
        <div className="flex gap-2">
          <Button
            variant="danger"
            onClick={() => cancel.mutate()}
            disabled={!LIVE.has(r.status) || cancel.isPending}
          >
            Cancel
          </Button>
          <Button
            variant="secondary"
            onClick={() => retry.mutate()}
            disabled={!['failed', 'cancelled', 'partial'].includes(r.status) || retry.isPending}
          >
            Retry
          </Button>
        </div>
      </div>
      <Card>
        <dl className="grid grid-cols-2 gap-3 text-sm md:grid-cols-4">
          <Item label="Trigger" value={r.trigger} />
          <Item label="Created" value={<span title={r.createdAt}>{relativeTime(r.createdAt)}</span>} />
          <Item label="Duration" value={duration(r.startedAt, r.finishedAt)} />
          <Item label="Attempt" value={r.attempt > 0 ? String(r.attempt) : 'not started'} />
          {r.crashes > 0 ? (
            <Item
              label="Resumed after a crash"
              value={
                <span
                  data-testid="run-crashes"
                  title="The worker running it stopped (killed, crashed or lost the database); another went on from its checkpoint"
                >
                  {r.crashes === 1 ? 'once' : `${r.crashes} times`}
                </span>
              }
            />
          ) : null}
          {r.syncId ? (
            <Item label="Sync" value={<Link to={`/runs?syncId=${r.syncId}`}>{r.syncId}</Link>} />
          ) : null}
          {r.parentRunId ? (
            <Item label="Parent" value={<Link to={`/runs/${r.parentRunId}`}>{r.parentRunId}</Link>} />
          ) : null}
        </dl>
        <div
          className="mt-4 flex flex-wrap items-end gap-4"
          data-testid="run-counts"
          data-live={LIVE.has(r.status) ? 'true' : undefined}
        >
          {counts.map(([k, v]) => (
            <div key={k} className="text-center">
              <div className="text-lg font-semibold tabular-nums" data-count={k}>
                {v}
              </div>
              <div className="text-xs text-zinc-500">{k}</div>
            </div>
          ))}
          {LIVE.has(r.status) ? (
            <span className="text-xs text-sky-600 dark:text-sky-400">
              {r.status === 'queued' ? 'waiting for a worker…' : 'so far · updating live'}
            </span>
          ) : null}
        </div>
        {r.error ? <p className="mt-3 text-sm text-red-600 dark:text-red-400">{r.error}</p> : null}
      </Card>
      {children.data && children.data.data.length > 0 ? (
        <Card title="Targets">
          <div className="grid grid-cols-1 gap-3 md:grid-cols-3">
            {children.data.data.map((c) => (
              <Link
                key={c.id}
                to={`/runs/${c.id}`}
                className="rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
              >
                <div className="flex items-center justify-between">
                  <span className="font-medium">{c.target ?? c.id}</span>
                  <StatusChip
                    status={LIVE.has(c.status) ? (c.status === 'queued' ? 'pending' : 'running') : c.status}
                  />
                </div>
                <div className="mt-1 text-xs text-zinc-500">{duration(c.startedAt, c.finishedAt)}</div>
              </Link>
            ))}
          </div>
        </Card>
      ) : null}
      <Card title="Log">
        <LogTerminal runId={r.id} onEnd={refresh} />
      </Card>
    </div>
  );
}

function Item({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <div>
      <dt className="text-xs text-zinc-500">{label}</dt>
      <dd className="font-medium">{value}</dd>
    </div>
  );
}
