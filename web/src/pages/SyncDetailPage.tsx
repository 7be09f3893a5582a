/**
 * One sync: Overview (sides, direction, status with pause/resume, health), Mapping, Policies, Schedule, Dry run
 * and History tabs. Mapping and Policies edit one draft of the definition and save it whole with PATCH; the
 * mapping is checked in the browser against both sides' schemas (GET /syncs/:id/schema) and the server runs the
 * same check, so its 400 shows inline too. A sync declared in datasync.config.ts is read-only here.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Cron } from 'croner';
import { useEffect, useMemo, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { toast } from 'sonner';
import type { MappingIssue } from '../../../src/engine/mapping-check';
import { DryRunPlan } from '../components/DryRunPlan';
import { isManagedByConfig, MANAGED_NOTE, ManagedByConfigBadge } from '../components/ManagedByConfig';
import { inputClass, MappingEditor, mappingIssues, type SideSchemaView } from '../components/MappingEditor';
import { PolicyEditor } from '../components/PolicyEditor';
import { percent, Sparkline } from '../components/Sparkline';
import { Button, Card, Skeleton, StatusChip } from '../components/ui';
import { api, ApiError } from '../lib/api';
import { duration, relativeTime } from '../lib/format';
import { draftOf, sideLabel, type DefinitionDraft } from '../lib/sync-definition';
import type { Page, Run, Sync } from '../lib/types';

const TABS = ['overview', 'mapping', 'policies', 'schedule', 'dry-run', 'history'] as const;
type Tab = (typeof TABS)[number];
const TAB_LABEL: Record<Tab, string> = {
  overview: 'Overview',
  mapping: 'Mapping',
  policies: 'Policies',
  schedule: 'Schedule',
  'dry-run': 'Dry run',
  history: 'History',
};

interface Schemas {
  a: SideSchemaView;
  b: SideSchemaView;
}

/** The next runs of a cron expression in a time zone, or the reason it is not one. */
export function nextRuns(
  expr: string,
  timezone: string | undefined,
  count = 3,
): { runs: Date[]; error: string | null } {
  if (!expr.trim()) return { runs: [], error: null };
  try {
    const cron = new Cron(expr.trim(), { paused: true, ...(timezone ? { timezone } : {}) });
    const runs = cron.nextRuns(count);
    cron.stop();
    return { runs, error: null };
  } catch (e) {
    return { runs: [], error: e instanceof Error ? e.message : String(e) };
  }
}

function formatIn(date: Date, timezone: string | undefined): string {
  try {
    return date.toLocaleString('en-GB', {
      timeZone: timezone || 'UTC',
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZoneName: 'short',
    });
  } catch {
    return date.toISOString();
  }
}

export function SyncDetailPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const tab = (TABS as readonly string[]).includes(search.get('tab') ?? '')
    ? (search.get('tab') as Tab)
    : 'overview';
  const queryClient = useQueryClient();
  const sync = useQuery({ queryKey: ['sync', id], queryFn: () => api<Sync>(`/syncs/${id}`) });
  const schemas = useQuery({
    queryKey: ['sync', id, 'schema'],
    queryFn: () => api<Schemas>(`/syncs/${id}/schema`),
    enabled: tab === 'mapping',
  });
  const [draft, setDraft] = useState<DefinitionDraft | null>(null);
  const [serverIssues, setServerIssues] = useState<MappingIssue[]>([]);
  const [dryRunId, setDryRunId] = useState<string | null>(null);
  useEffect(() => {
    if (sync.data && draft === null) setDraft(draftOf(sync.data.definition));
  }, [sync.data, draft]);

  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['sync', id] });
  const save = useMutation({
    mutationFn: (body: { definition?: DefinitionDraft; schedule?: string | null }) =>
      api<Sync>(`/syncs/${id}`, { method: 'PATCH', body }),
    onSuccess: (s) => {
      toast.success('Saved');
      setServerIssues([]);
      setDraft(draftOf(s.definition));
      queryClient.setQueryData(['sync', id], s);
      void queryClient.invalidateQueries({ queryKey: ['syncs'] });
    },
    onError: (e) => {
      // A 400 carries mapping issues; a 422 from the definition parser only path and message.
      const issues =
        e instanceof ApiError
          ? (e.details.issues as (Partial<MappingIssue> & { path: string; message: string })[] | undefined)
          : undefined;
      setServerIssues(
        (issues ?? []).map((x) => ({
          pair: '',
          index: null,
          side: null,
          field: '',
          ...x,
        })),
      );
      toast.error(e.message);
    },
  });
  const setStatus = useMutation({
    mutationFn: (verb: 'pause' | 'resume') => api<Sync>(`/syncs/${id}/${verb}`, { method: 'POST' }),
    onSuccess: (s) => {
      queryClient.setQueryData(['sync', id], s);
      toast.success(s.status === 'paused' ? 'Paused' : 'Resumed');
    },
    onError: (e) => toast.error(e.message),
    onSettled: refresh,
  });
  const dryRun = useMutation({
    mutationFn: () => api<Run>(`/syncs/${id}/runs`, { method: 'POST', body: { dryRun: true } }),
    onSuccess: (run) => {
      setDryRunId(run.id);
      void queryClient.invalidateQueries({ queryKey: ['sync', id, 'runs'] });
    },
    onError: (e) => toast.error(e.message),
  });

  const localIssues = useMemo(() => (draft ? mappingIssues(draft, schemas.data) : []), [draft, schemas.data]);

  if (sync.isPending) return <Skeleton rows={6} />;
  if (sync.error) return <p className="text-red-600">{sync.error.message}</p>;
  const s = sync.data;
  const readOnly = isManagedByConfig(s);
  const definition = draftOf(s.definition);
  const dirty = draft !== null && JSON.stringify(draft) !== JSON.stringify(definition);
  // Server issues describe what was sent; once the draft moves on, the local check is the judge again.
  const issues = [...localIssues, ...serverIssues.filter((x) => !localIssues.some((l) => l.path === x.path))];

  const saveBar = (canSave: boolean) =>
    readOnly ? null : (
      <div className="flex items-center gap-2">
        <Button
          onClick={() => draft && save.mutate({ definition: draft })}
          disabled={!dirty || !canSave || save.isPending}
        >
          Save
        </Button>
        <Button
          variant="ghost"
          disabled={!dirty}
          onClick={() => {
            setDraft(definition);
            setServerIssues([]);
          }}
        >
          Discard
        </Button>
        {dirty ? <span className="text-xs text-amber-600">unsaved changes</span> : null}
      </div>
    );

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div>
          <p className="text-xs text-zinc-500">
            <Link to="/syncs" className="hover:underline">
              Syncs
            </Link>{' '}
            / {s.id}
          </p>
          <h1 className="flex items-center gap-2 text-xl font-semibold">
            {s.name} <StatusChip status={s.status} />
            <ManagedByConfigBadge resource={s} />
          </h1>
        </div>
        <Button
          variant="secondary"
          onClick={() => setStatus.mutate(s.status === 'paused' ? 'resume' : 'pause')}
          disabled={setStatus.isPending || readOnly}
          title={readOnly ? MANAGED_NOTE : undefined}
        >
          {s.status === 'paused' ? 'Resume' : 'Pause'}
        </Button>
      </div>
      {readOnly ? (
        <p
          className="rounded-md bg-violet-50 px-3 py-2 text-sm text-violet-800 dark:bg-violet-950 dark:text-violet-300"
          data-testid="read-only-note"
        >
          {MANAGED_NOTE}
        </p>
      ) : null}
      <nav role="tablist" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
        {TABS.map((t) => (
          <button
            key={t}
            role="tab"
            aria-selected={tab === t}
            className={`-mb-px border-b-2 px-3 py-2 text-sm ${tab === t ? 'border-indigo-600 font-medium text-indigo-600 dark:text-indigo-400' : 'border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400'}`}
            onClick={() => setSearch({ tab: t }, { replace: true })}
          >
            {TAB_LABEL[t]}
          </button>
        ))}
      </nav>

      {tab === 'overview' ? <Overview sync={s} /> : null}

      {tab === 'mapping' && draft ? (
        <Card title="Field mapping" actions={saveBar(localIssues.length === 0)}>
          {schemas.error ? <p className="mb-2 text-sm text-red-600">{schemas.error.message}</p> : null}
          <MappingEditor
            draft={draft}
            schemas={schemas.data}
            issues={issues}
            readOnly={readOnly}
            onChange={(next) => {
              setDraft(next);
              setServerIssues([]);
            }}
          />
          {serverIssues
            .filter((x) => !x.path.startsWith('objects.'))
            .map((x) => (
              <p key={x.path + x.message} role="alert" className="mt-2 text-xs text-red-600">
                {x.path}: {x.message}
              </p>
            ))}
        </Card>
      ) : null}

      {tab === 'policies' && draft ? (
        <Card title="Conflict and delete policies" actions={saveBar(true)}>
          <PolicyEditor draft={draft} readOnly={readOnly} onChange={setDraft} />
          {serverIssues.map((x) => (
            <p key={x.path + x.message} role="alert" className="mt-2 text-xs text-red-600">
              {x.path}: {x.message}
            </p>
          ))}
        </Card>
      ) : null}

      {tab === 'schedule' ? (
        <ScheduleEditor
          key={`${s.schedule}-${definition.timezone}`}
          sync={s}
          readOnly={readOnly}
          saving={save.isPending}
          onSave={(schedule, timezone) => {
            const next: DefinitionDraft = { ...definition };
            if (timezone) next.timezone = timezone;
            else delete next.timezone;
            save.mutate({
              schedule,
              ...(timezone !== definition.timezone ? { definition: next } : {}),
            });
          }}
        />
      ) : null}

      {tab === 'dry-run' ? (
        <div className="space-y-3">
          <Card title="Dry run">
            <p className="mb-3 text-sm text-zinc-600 dark:text-zinc-400">
              Plans a run against the saved definition and writes nothing: creates, updates with their field
              changes, deletes and conflicts.
            </p>
            <Button onClick={() => dryRun.mutate()} disabled={dryRun.isPending}>
              Start dry run
            </Button>
          </Card>
          {dryRunId ? <DryRunPlan key={dryRunId} runId={dryRunId} onClose={() => setDryRunId(null)} /> : null}
        </div>
      ) : null}

      {tab === 'history' ? <History syncId={s.id} /> : null}
    </div>
  );
}

function Overview({ sync: s }: { sync: Sync }) {
  const def = draftOf(s.definition);
  const arrow = s.direction === 'push' ? '→' : s.direction === 'pull' ? '←' : '↔';
  return (
    <div className="grid gap-4 md:grid-cols-2">
      <Card title="Sides">
        <dl className="space-y-2 text-sm">
          <div>
            <dt className="text-xs text-zinc-500">A (local)</dt>
            <dd>
              <code>{sideLabel(def.a)}</code>
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">B (platform)</dt>
            <dd>
              <code>{sideLabel(def.b)}</code>
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Direction</dt>
            <dd data-testid="sync-direction">
              {s.direction} (A {arrow} B)
            </dd>
          </div>
          <div>
            <dt className="text-xs text-zinc-500">Objects</dt>
            <dd>
              <ul>
                {def.objects.map((p) => (
                  <li key={p.name}>
                    <span className="font-medium">{p.name}</span>: <code>{p.a}</code> {arrow}{' '}
                    <code>{p.b}</code>{' '}
                    <span className="text-xs text-zinc-500">({p.fields.length} fields)</span>
                  </li>
                ))}
              </ul>
            </dd>
          </div>
        </dl>
      </Card>
      <Card title="Health">
        <div className="space-y-2 text-sm">
          <Sparkline runs={s.health.recent} label={`Latest runs of ${s.name}`} />
          <p>Success rate (24 h): {percent(s.health.successRate24h)}</p>
          <p>Last success: {relativeTime(s.health.lastSuccessAt)}</p>
          <p>
            Next run:{' '}
            {s.health.nextRunAt
              ? `${relativeTime(s.health.nextRunAt)} (${new Date(s.health.nextRunAt).toISOString()})`
              : s.status === 'paused'
                ? 'none while paused'
                : s.schedule
                  ? '—'
                  : 'manual only'}
          </p>
          <p>
            Last run:{' '}
            {s.lastRun ? (
              <Link to={`/runs/${s.lastRun.id}`} className="inline-flex items-center gap-2">
                <StatusChip status={s.lastRun.status} />
                <span className="text-xs text-zinc-500">{relativeTime(s.lastRun.createdAt)}</span>
              </Link>
            ) : (
              'never'
            )}
          </p>
        </div>
      </Card>
    </div>
  );
}

function ScheduleEditor({
  sync: s,
  readOnly,
  saving,
  onSave,
}: {
  sync: Sync;
  readOnly: boolean;
  saving: boolean;
  onSave: (schedule: string | null, timezone: string | undefined) => void;
}) {
  const current = (s.definition as { timezone?: string }).timezone ?? '';
  const [expr, setExpr] = useState(s.schedule ?? '');
  const [timezone, setTimezone] = useState(current);
  const tzError = useMemo(() => {
    if (!timezone) return null;
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
      return null;
    } catch {
      return `unknown time zone "${timezone}"`;
    }
  }, [timezone]);
  const preview = useMemo(
    () => (tzError ? { runs: [], error: null } : nextRuns(expr, timezone || undefined)),
    [expr, timezone, tzError],
  );
  const dirty = expr.trim() !== (s.schedule ?? '') || timezone.trim() !== current;
  return (
    <Card title="Schedule">
      <div className="space-y-3 text-sm">
        <div className="flex flex-wrap items-end gap-3">
          <label>
            <span className="mb-1 block text-xs text-zinc-500">Cron (empty: manual only)</span>
            <input
              aria-label="Cron expression"
              className={`${inputClass} w-56 font-mono`}
              value={expr}
              disabled={readOnly}
              placeholder="*/15 * * * *"
              onChange={(e) => setExpr(e.target.value)}
            />
          </label>
          <label>
            <span className="mb-1 block text-xs text-zinc-500">Time zone (empty: UTC)</span>
            <input
              aria-label="Time zone"
              className={`${inputClass} w-56`}
              value={timezone}
              disabled={readOnly}
              placeholder="Europe/Paris"
              onChange={(e) => setTimezone(e.target.value)}
            />
          </label>
          {!readOnly ? (
            <Button
              disabled={!dirty || saving || Boolean(preview.error) || Boolean(tzError)}
              onClick={() => onSave(expr.trim() === '' ? null : expr.trim(), timezone.trim() || undefined)}
            >
              Save schedule
            </Button>
          ) : null}
        </div>
        {preview.error ? (
          <p role="alert" className="text-red-600">
            Not a cron expression: {preview.error}
          </p>
        ) : null}
        {tzError ? (
          <p role="alert" className="text-red-600">
            {tzError}
          </p>
        ) : null}
        {preview.runs.length > 0 ? (
          <div data-testid="next-runs">
            <p className="text-xs text-zinc-500">Next runs{s.status === 'paused' ? ' (once resumed)' : ''}</p>
            <ul className="list-disc pl-5">
              {preview.runs.map((d) => (
                <li key={d.toISOString()}>{formatIn(d, timezone || undefined)}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
    </Card>
  );
}

function History({ syncId }: { syncId: string }) {
  const runs = useQuery({
    queryKey: ['sync', syncId, 'runs'],
    queryFn: () => api<Page<Run>>(`/runs?syncId=${syncId}&limit=50`),
    refetchInterval: (q) =>
      q.state.data?.data.some((r) => ['queued', 'running'].includes(r.status)) ? 2000 : false,
  });
  if (runs.isPending) return <Skeleton rows={4} />;
  if (runs.error) return <p className="text-red-600">{runs.error.message}</p>;
  return (
    <Card title="Runs">
      {runs.data.data.length === 0 ? (
        <p className="text-sm text-zinc-500">No runs yet.</p>
      ) : (
        <table className="w-full text-left text-sm">
          <thead className="text-xs text-zinc-500">
            <tr>
              <th className="py-1">Run</th>
              <th>Status</th>
              <th>Trigger</th>
              <th>Counts</th>
              <th>Duration</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.data.map((r) => (
              <tr key={r.id} className="border-t border-zinc-100 dark:border-zinc-800">
                <td className="py-1">
                  <Link to={`/runs/${r.id}`} className="font-mono text-xs text-indigo-600 hover:underline">
                    {r.id}
                  </Link>
                  {r.dryRun ? <span className="ml-1 text-xs text-zinc-500">dry run</span> : null}
                </td>
                <td>
                  <StatusChip status={r.status} />
                </td>
                <td>{r.trigger}</td>
                <td className="text-xs text-zinc-600 dark:text-zinc-400">
                  {Object.entries(r.counts)
                    .filter(([, v]) => v)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(' · ') || '—'}
                </td>
                <td>{duration(r.startedAt, r.finishedAt)}</td>
                <td className="text-xs">{relativeTime(r.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
