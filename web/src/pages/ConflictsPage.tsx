/**
 * Manual conflicts: records a two-way sync holds because both sides changed a field whose policy is `manual`.
 * The list keeps its filters (status, sync) in the URL. The detail view shows base, local and remote per field;
 * a person keeps a side or edits a value per field, and Apply stores the answer and queues a run of the sync,
 * since only the next run writes the answer to both sides. The queued run's id stays in the URL (`?run=`) so
 * its outcome survives a reload.
 */
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useUrlParams } from '../lib/url-params';
import { DataTable, useCursorList } from '../components/DataTable';
import { Button, Card, Skeleton, StatusChip } from '../components/ui';
import { api, ApiError } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Conflict, Page, Run, Sync } from '../lib/types';

const STATUSES = ['open', 'resolved'] as const;
const FINAL = new Set(['success', 'partial', 'failed', 'cancelled']);

const inputClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900';

function useSyncs() {
  return useQuery({ queryKey: ['syncs', 'options'], queryFn: () => api<Page<Sync>>('/syncs?limit=200') });
}

/** A value as a person reads it: strings bare, everything else as JSON, a missing value as an em dash. */
function show(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** An edited value: JSON when the text parses (`42`, `true`, `{"a":1}`), else the text as a string. */
export function parseEdited(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function RecordIds({ conflict }: { conflict: Conflict }) {
  return (
    <span className="font-mono text-xs">
      <span title="local record">{conflict.localId ?? '—'}</span>
      <span className="text-zinc-400"> ↔ </span>
      <span title="remote record">{conflict.remoteId ?? '—'}</span>
    </span>
  );
}

export function ConflictsPage() {
  const [search, setParam] = useUrlParams();
  const syncs = useSyncs();
  const params = { status: search.get('status') ?? undefined, syncId: search.get('syncId') ?? undefined };
  const list = useCursorList<Conflict>(['conflicts'], '/conflicts', params);
  const syncName = (id: string) => syncs.data?.data.find((s) => s.id === id)?.name ?? id;

  const setFilter = (name: 'status' | 'syncId', value: string) => setParam(name, value);

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Conflicts</h1>
      <p className="max-w-3xl text-sm text-zinc-500 dark:text-zinc-400">
        Records a two-way sync holds because both sides changed a field whose conflict policy is manual. Open
        one to choose, per field, the local value, the remote value or an edited one.
      </p>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        <label>
          <span className="mb-1 block text-xs text-zinc-500">Status</span>
          <select
            aria-label="Filter by status"
            className={inputClass}
            value={params.status ?? ''}
            onChange={(e) => setFilter('status', e.target.value)}
          >
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span className="mb-1 block text-xs text-zinc-500">Sync</span>
          <select
            aria-label="Filter by sync"
            className={inputClass}
            value={params.syncId ?? ''}
            onChange={(e) => setFilter('syncId', e.target.value)}
          >
            <option value="">any</option>
            {(syncs.data?.data ?? []).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Card>
        <DataTable
          query={list}
          rowKey={(c) => c.id}
          empty={{
            title: 'No conflicts match',
            hint: 'A two-way sync with a manual conflict policy raises one when both sides change a field.',
          }}
          columns={[
            {
              header: 'Conflict',
              cell: (c) => (
                <Link
                  className="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400"
                  to={`/conflicts/${c.id}`}
                >
                  {c.id}
                </Link>
              ),
            },
            { header: 'Sync', cell: (c) => syncName(c.syncId) },
            { header: 'Records (local ↔ remote)', cell: (c) => <RecordIds conflict={c} /> },
            { header: 'Fields', cell: (c) => c.fields.map((f) => f.field).join(', ') },
            { header: 'Age', cell: (c) => <span title={c.createdAt}>{relativeTime(c.createdAt)}</span> },
            { header: 'Status', cell: (c) => <StatusChip status={c.status} /> },
          ]}
        />
      </Card>
    </div>
  );
}

type Choice = { keep: 'local' | 'remote' } | { edit: string };

export function ConflictDetailPage() {
  const { id = '' } = useParams();
  const [search, setSearch] = useSearchParams();
  const queryClient = useQueryClient();
  const syncs = useSyncs();
  const conflict = useQuery({
    queryKey: ['conflicts', 'one', id],
    queryFn: () => api<Conflict>(`/conflicts/${id}`),
  });
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const runId = search.get('run');

  if (conflict.isPending) return <Skeleton rows={6} />;
  if (conflict.error) {
    const missing = conflict.error instanceof ApiError && conflict.error.status === 404;
    return (
      <p role="alert" className="text-sm text-red-600 dark:text-red-400">
        {missing ? 'No such conflict.' : conflict.error.message}
      </p>
    );
  }
  const c = conflict.data;
  const open = c.status === 'open';
  const complete = c.fields.every((f) => choices[f.field] !== undefined);
  const sync = syncs.data?.data.find((s) => s.id === c.syncId);

  async function queueRun() {
    const run = await api<Run>(`/syncs/${c.syncId}/runs`, { method: 'POST', body: { dryRun: false } });
    setSearch({ run: run.id }, { replace: true });
  }

  async function apply() {
    setBusy(true);
    setError(null);
    try {
      const fields: Record<string, 'local' | 'remote'> = {};
      const values: Record<string, unknown> = {};
      for (const [name, choice] of Object.entries(choices)) {
        if ('keep' in choice) fields[name] = choice.keep;
        else values[name] = parseEdited(choice.edit);
      }
      await api<Conflict>(`/conflicts/${c.id}/resolve`, {
        method: 'POST',
        body: {
          ...(Object.keys(fields).length ? { fields } : {}),
          ...(Object.keys(values).length ? { values } : {}),
        },
      });
      await queryClient.invalidateQueries({ queryKey: ['conflicts'] });
      await queueRun();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-xl font-semibold">
          Conflict <span className="font-mono text-base">{c.id}</span>
        </h1>
        <StatusChip status={c.status} />
        <Link
          className="ml-auto text-sm text-indigo-600 hover:underline dark:text-indigo-400"
          to="/conflicts"
        >
          All conflicts
        </Link>
      </div>
      <dl className="grid max-w-3xl grid-cols-[auto_1fr] gap-x-6 gap-y-1 text-sm">
        <dt className="text-zinc-500">Sync</dt>
        <dd>{sync?.name ?? c.syncId}</dd>
        <dt className="text-zinc-500">Records (local ↔ remote)</dt>
        <dd>
          <RecordIds conflict={c} />
        </dd>
        <dt className="text-zinc-500">Raised</dt>
        <dd title={c.createdAt}>
          {relativeTime(c.createdAt)}
          {c.runId ? (
            <>
              {' by run '}
              <Link
                className="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400"
                to={`/runs/${c.runId}`}
              >
                {c.runId}
              </Link>
            </>
          ) : null}
        </dd>
        {c.resolvedAt ? (
          <>
            <dt className="text-zinc-500">Resolved</dt>
            <dd title={c.resolvedAt}>{relativeTime(c.resolvedAt)}</dd>
          </>
        ) : null}
      </dl>
      {c.fields.map((f) => (
        <FieldCard
          key={f.field}
          field={f}
          open={open}
          choice={choices[f.field]}
          answer={c.resolution?.[f.field]}
          onChoose={(choice) => setChoices((prev) => ({ ...prev, [f.field]: choice }))}
        />
      ))}
      {open ? (
        <div className="flex items-center gap-3">
          <Button onClick={() => void apply()} disabled={busy || !complete}>
            {busy ? 'Applying…' : 'Apply'}
          </Button>
          <span className="text-sm text-zinc-500 dark:text-zinc-400">
            {complete
              ? 'Stores the answer and runs the sync, which writes it to both sides.'
              : 'Choose an answer for every field.'}
          </span>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
      {runId ? (
        <RunOutcome runId={runId} />
      ) : !open ? (
        <div className="flex items-center gap-3 text-sm">
          <Button
            variant="secondary"
            onClick={() => void queueRun().catch((e: Error) => setError(e.message))}
          >
            Run the sync now
          </Button>
          <span className="text-zinc-500 dark:text-zinc-400">
            The answer is stored; the sync&apos;s next run writes it to both sides.
          </span>
        </div>
      ) : null}
    </div>
  );
}

function FieldCard({
  field,
  open,
  choice,
  answer,
  onChoose,
}: {
  field: Conflict['fields'][number];
  open: boolean;
  choice: Choice | undefined;
  answer: NonNullable<Conflict['resolution']>[string] | undefined;
  onChoose: (choice: Choice) => void;
}) {
  const name = field.field;
  const radio = (value: 'local' | 'remote' | 'edit', label: string) => (
    <label className="flex items-center gap-1.5">
      <input
        type="radio"
        name={`answer-${name}`}
        checked={
          value === 'edit'
            ? choice !== undefined && 'edit' in choice
            : choice !== undefined && 'keep' in choice && choice.keep === value
        }
        onChange={() => onChoose(value === 'edit' ? { edit: show(field.local) } : { keep: value })}
      />
      {label}
    </label>
  );
  return (
    <Card title={<span className="font-mono">{name}</span>}>
      <table className="w-full table-fixed text-left text-sm" aria-label={`Values of ${name}`}>
        <thead className="border-b border-zinc-200 text-xs uppercase tracking-wide text-zinc-500 dark:border-zinc-800">
          <tr>
            <th className="px-3 py-2 font-medium">Base</th>
            <th className="px-3 py-2 font-medium">Local</th>
            <th className="px-3 py-2 font-medium">Remote</th>
          </tr>
        </thead>
        <tbody>
          <tr className="align-top">
            <td className="break-words px-3 py-2 font-mono text-xs text-zinc-500 dark:text-zinc-400">
              {show(field.base)}
            </td>
            <td className="break-words px-3 py-2 font-mono text-xs">{show(field.local)}</td>
            <td className="break-words px-3 py-2 font-mono text-xs">{show(field.remote)}</td>
          </tr>
        </tbody>
      </table>
      {open ? (
        <div
          role="radiogroup"
          aria-label={`Answer for ${name}`}
          className="mt-3 flex flex-wrap items-center gap-4 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800"
        >
          {radio('local', 'Keep local')}
          {radio('remote', 'Keep remote')}
          {radio('edit', 'Edit value')}
          {choice && 'edit' in choice ? (
            <input
              aria-label={`Edited value of ${name}`}
              className={`${inputClass} min-w-64 flex-1 font-mono`}
              value={choice.edit}
              onChange={(e) => onChoose({ edit: e.target.value })}
            />
          ) : null}
        </div>
      ) : answer !== undefined ? (
        <p
          className="mt-3 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800"
          data-testid={`answer-${name}`}
        >
          {typeof answer === 'object' ? (
            <>
              Edited value: <span className="font-mono text-xs">{show(answer.value)}</span>
            </>
          ) : (
            `Kept ${answer}`
          )}
        </p>
      ) : null}
    </Card>
  );
}

/** The run Apply queued, polled until it ends. */
function RunOutcome({ runId }: { runId: string }) {
  const run = useQuery({
    queryKey: ['runs', 'one', runId],
    queryFn: () => api<Run>(`/runs/${runId}`),
    refetchInterval: (q) => (q.state.data && FINAL.has(q.state.data.status) ? false : 1000),
  });
  const status = run.data?.status;
  return (
    <Card title="Run applying the answer">
      <div className="flex flex-wrap items-center gap-3 text-sm" data-testid="run-outcome" aria-live="polite">
        <Link
          className="font-mono text-xs text-indigo-600 hover:underline dark:text-indigo-400"
          to={`/runs/${runId}`}
        >
          {runId}
        </Link>
        {status ? <StatusChip status={status} /> : <span className="text-zinc-500">loading…</span>}
        {status && FINAL.has(status) ? (
          <span className="text-zinc-500 dark:text-zinc-400">
            {run.data!.counts.updated} updated · {run.data!.counts.errors} errors
            {run.data!.error ? ` · ${run.data!.error}` : ''}
          </span>
        ) : status ? (
          <span className="text-zinc-500 dark:text-zinc-400">waiting for the run to finish…</span>
        ) : null}
        {run.error ? <span className="text-red-600 dark:text-red-400">{run.error.message}</span> : null}
      </div>
    </Card>
  );
}
