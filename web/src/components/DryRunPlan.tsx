/**
 * A dry run's plan: waits for the run to end, then reads the plan its summary log line carries and lists the
 * creates, updates (with each field's from → to), deletes and conflicts it would have made. The raw plan stays
 * one click away for what the lists leave out.
 */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router';
import { Button, Card, StatusChip } from './ui';
import { api } from '../lib/api';
import type { Run, RunLogPage } from '../lib/types';

/** One entry of the engine's plan (src/engine/events.ts PlanEntry). */
interface PlanEntry {
  pair: string;
  action: 'create' | 'update' | 'delete' | 'archive' | 'conflict' | 'skip' | 'link';
  side: 'a' | 'b';
  sourceId: string | null;
  targetId: string | null;
  diffs?: { field: string; from: unknown; to: unknown }[];
  data?: Record<string, unknown>;
  fields?: { field: string; local: unknown; remote: unknown }[];
  reason?: string;
}

const LIVE = ['queued', 'running'];

function show(v: unknown): string {
  if (v === undefined || v === null) return '∅';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function Section({
  title,
  entries,
  render,
}: {
  title: string;
  entries: PlanEntry[];
  render: (e: PlanEntry) => ReactNode;
}) {
  if (entries.length === 0) return null;
  return (
    <div data-testid={`plan-${title.toLowerCase()}`}>
      <h3 className="mb-1 text-xs font-semibold uppercase text-zinc-500">
        {title} ({entries.length})
      </h3>
      <ul className="space-y-1 text-xs">
        {entries.slice(0, 200).map((e, i) => (
          <li key={i} className="rounded bg-zinc-50 px-2 py-1 dark:bg-zinc-950">
            <span className="font-mono text-zinc-500">
              {e.pair} → {e.side.toUpperCase()}
            </span>{' '}
            {render(e)}
          </li>
        ))}
      </ul>
    </div>
  );
}

export function DryRunPlan({ runId, onClose }: { runId: string; onClose: () => void }) {
  const run = useQuery({
    queryKey: ['run', runId],
    queryFn: () => api<Run>(`/runs/${runId}`),
    refetchInterval: (q) => (q.state.data && LIVE.includes(q.state.data.status) ? 1000 : false),
  });
  const done = run.data && !LIVE.includes(run.data.status);
  const logs = useQuery({
    queryKey: ['run', runId, 'logs'],
    enabled: Boolean(done),
    queryFn: () => api<RunLogPage>(`/runs/${runId}/logs?limit=1000`),
  });
  const plan = logs.data?.data
    .map((l) => (l.payload as { plan?: unknown } | null)?.plan)
    .filter((p) => p !== undefined)
    .at(-1) as PlanEntry[] | undefined;
  const of = (...actions: PlanEntry['action'][]) => (plan ?? []).filter((e) => actions.includes(e.action));
  return (
    <Card
      title={
        <span className="inline-flex items-center gap-2">
          Dry run plan {run.data ? <StatusChip status={run.data.status} /> : null}
        </span>
      }
      actions={
        <>
          <Link className="text-sm text-indigo-600 hover:underline" to={`/runs/${runId}`}>
            Open run
          </Link>
          <Button variant="ghost" onClick={onClose}>
            Close
          </Button>
        </>
      }
    >
      {!done || logs.isPending ? (
        <p className="text-sm text-zinc-500">Planning…</p>
      ) : (
        <div className="space-y-3" data-testid="dry-run-plan">
          {plan && plan.length === 0 ? <p className="text-sm">Nothing to do: both sides agree.</p> : null}
          {!plan ? (
            <p className="text-sm text-zinc-500">The run left no plan (it ended {run.data?.status}).</p>
          ) : null}
          <Section
            title="Creates"
            entries={of('create')}
            render={(e) => (
              <span>
                {e.sourceId}:{' '}
                {Object.entries(e.data ?? {})
                  .map(([k, v]) => `${k}=${show(v)}`)
                  .join(', ')}
              </span>
            )}
          />
          <Section
            title="Updates"
            entries={of('update')}
            render={(e) => (
              <span>
                {e.targetId}:{' '}
                {(e.diffs ?? []).map((d) => (
                  <span key={d.field} className="mr-2">
                    <b>{d.field}</b> {show(d.from)} → {show(d.to)}
                  </span>
                ))}
              </span>
            )}
          />
          <Section
            title="Deletes"
            entries={of('delete', 'archive')}
            render={(e) => (
              <span>
                {e.action} {e.targetId}
              </span>
            )}
          />
          <Section
            title="Conflicts"
            entries={of('conflict')}
            render={(e) => (
              <span>
                {e.sourceId}: {(e.fields ?? []).map((f) => f.field).join(', ')}
              </span>
            )}
          />
          <details>
            <summary className="cursor-pointer text-xs text-zinc-500">Raw plan</summary>
            <pre className="max-h-96 overflow-auto rounded bg-zinc-100 p-3 text-xs dark:bg-zinc-950">
              {JSON.stringify(plan ?? { note: 'the run left no plan', status: run.data?.status }, null, 2)}
            </pre>
          </details>
        </div>
      )}
    </Card>
  );
}
