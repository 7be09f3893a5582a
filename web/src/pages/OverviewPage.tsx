/**
 * Health at a glance: every sync with its status (paused ones first, they need a person), a sparkline of its
 * latest runs, the 24 h success rate, last success and next scheduled run. Empty states name the next step.
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { percent, Sparkline } from '../components/Sparkline';
import { Card, EmptyState, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import { useMe } from '../lib/session';
import type { Page, Sync } from '../lib/types';

export function OverviewPage() {
  const me = useMe();
  const syncs = useQuery({
    queryKey: ['syncs', 'overview'],
    queryFn: () => api<Page<Sync>>('/syncs?limit=200'),
    refetchInterval: 10_000,
  });
  const list = [...(syncs.data?.data ?? [])].sort(
    (a, b) => Number(b.status === 'paused') - Number(a.status === 'paused'),
  );
  const failing = list.filter((s) => s.lastRun?.status === 'failed').length;
  const paused = list.filter((s) => s.status === 'paused').length;
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{me.data?.organization?.name ?? 'Overview'}</h1>
      <Card
        title="Health"
        actions={
          list.length ? (
            <span className="text-xs text-zinc-500" data-testid="health-summary">
              {list.length} syncs · {failing} failing · {paused} paused
            </span>
          ) : null
        }
      >
        {syncs.isPending ? (
          <Skeleton rows={4} />
        ) : list.length === 0 ? (
          <EmptyState
            title="No syncs yet"
            hint="Connect a platform under Connections, then create a sync."
            action={
              <Link className="text-sm text-indigo-600 hover:underline" to="/connections">
                Go to Connections
              </Link>
            }
          />
        ) : (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {list.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center gap-4 py-2 text-sm">
                <Link to={`/runs?syncId=${s.id}`} className="w-56 truncate font-medium hover:underline">
                  {s.name}
                </Link>
                <StatusChip status={s.status === 'paused' ? 'paused' : (s.lastRun?.status ?? 'pending')} />
                <Sparkline runs={s.health.recent} label={`Latest runs of ${s.name}`} />
                <span className="text-xs text-zinc-500">
                  24 h {percent(s.health.successRate24h)} · last success{' '}
                  {relativeTime(s.health.lastSuccessAt)}
                  {s.health.nextRunAt ? ` · next ${relativeTime(s.health.nextRunAt)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
