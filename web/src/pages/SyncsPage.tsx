/**
 * Syncs (each name opens its detail page) with their schedule, status, health (sparkline of the latest runs, 24 h success rate, last success,
 * next run) and last run; Run now, Dry run (shows the plan once the run ends), Pause and Resume. A paused sync
 * keeps its schedule but nothing is enqueued for it until it is resumed (it may also have been paused
 * automatically after repeated failures: the bell says so).
 */
import { isManagedByConfig, MANAGED_NOTE, ManagedByConfigBadge } from '../components/ManagedByConfig';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { DryRunPlan } from '../components/DryRunPlan';
import { percent, Sparkline } from '../components/Sparkline';
import { Button, Card, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Run, Sync } from '../lib/types';

export function SyncsPage() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const list = useCursorList<Sync>(['syncs'], '/syncs');
  const [dryRunId, setDryRunId] = useState<string | null>(null);
  const invalidate = () => void queryClient.invalidateQueries({ queryKey: ['syncs'] });
  const start = useMutation({
    mutationFn: (input: { id: string; dryRun: boolean }) =>
      api<Run>(`/syncs/${input.id}/runs`, { method: 'POST', body: { dryRun: input.dryRun } }),
    onSuccess: (run) => {
      if (run.dryRun) {
        toast.success('Dry run queued: the plan shows below when it ends');
        setDryRunId(run.id);
      } else {
        toast.success('Run queued');
        void navigate(`/runs/${run.id}`);
      }
    },
    onError: (e) => toast.error(e.message),
    onSettled: invalidate,
  });
  const setStatus = useMutation({
    mutationFn: (input: { id: string; verb: 'pause' | 'resume' }) =>
      api<Sync>(`/syncs/${input.id}/${input.verb}`, { method: 'POST' }),
    onSuccess: (s) => toast.success(`${s.name} ${s.status === 'paused' ? 'paused' : 'resumed'}`),
    onError: (e) => toast.error(e.message),
    onSettled: invalidate,
  });
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Syncs</h1>
      <Card>
        <DataTable
          query={list}
          rowKey={(s) => s.id}
          empty={{
            title: 'No syncs yet',
            hint: 'Create a sync between two connections or collections with the API (POST /api/v1/syncs).',
          }}
          columns={[
            {
              header: 'Name',
              cell: (s) => (
                <span className="font-medium">
                  <Link
                    to={`/syncs/${s.id}`}
                    className="text-indigo-600 hover:underline dark:text-indigo-400"
                  >
                    {s.name}
                  </Link>
                  <ManagedByConfigBadge resource={s} />
                </span>
              ),
            },
            { header: 'Direction', cell: (s) => s.direction },
            { header: 'Schedule', cell: (s) => <code className="text-xs">{s.schedule ?? 'manual'}</code> },
            { header: 'Status', cell: (s) => <StatusChip status={s.status} /> },
            {
              header: 'Health',
              cell: (s) => (
                <div className="space-y-0.5">
                  <Sparkline runs={s.health.recent} label={`Latest runs of ${s.name}`} />
                  <div className="text-xs text-zinc-500">
                    24 h: {percent(s.health.successRate24h)} · last success{' '}
                    {relativeTime(s.health.lastSuccessAt)}
                    {s.health.nextRunAt ? ` · next ${relativeTime(s.health.nextRunAt)}` : ''}
                  </div>
                </div>
              ),
            },
            {
              header: 'Last run',
              cell: (s) =>
                s.lastRun ? (
                  <Link to={`/runs/${s.lastRun.id}`} className="inline-flex items-center gap-2">
                    <StatusChip status={s.lastRun.status} />
                    <span className="text-xs text-zinc-500">{relativeTime(s.lastRun.createdAt)}</span>
                  </Link>
                ) : (
                  '—'
                ),
            },
            {
              header: '',
              className: 'text-right whitespace-nowrap',
              cell: (s) => (
                <div className="inline-flex gap-2">
                  <Button
                    onClick={() => start.mutate({ id: s.id, dryRun: false })}
                    disabled={start.isPending}
                  >
                    Run now
                  </Button>
                  <Button
                    variant="secondary"
                    onClick={() => start.mutate({ id: s.id, dryRun: true })}
                    disabled={start.isPending}
                  >
                    Dry run
                  </Button>
                  <Button
                    variant="ghost"
                    onClick={() =>
                      setStatus.mutate({ id: s.id, verb: s.status === 'paused' ? 'resume' : 'pause' })
                    }
                    disabled={setStatus.isPending || isManagedByConfig(s)}
                    title={isManagedByConfig(s) ? MANAGED_NOTE : undefined}
                  >
                    {s.status === 'paused' ? 'Resume' : 'Pause'}
                  </Button>
                </div>
              ),
            },
          ]}
        />
      </Card>
      {dryRunId ? <DryRunPlan runId={dryRunId} onClose={() => setDryRunId(null)} /> : null}
    </div>
  );
}
