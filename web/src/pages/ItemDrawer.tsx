/**
 * The quick-preview drawer of a content item: its fields formatted as people read them and the raw JSON, and
 * its history: every kept version (who, when, what), a field-level diff between any two of them, and restore
 * (which writes the old version back as a new one; the API refuses it if the item changed meanwhile or the old
 * data no longer fits the type, and its messages show here).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { Button } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Collection, ItemRevision, ItemRevisionDiff, StoredRecord } from '../lib/types';

interface FieldDef {
  key: string;
  label: string;
  type: string;
}

function fieldsOf(c: Collection): FieldDef[] {
  const fields = (c.schema as { fields?: FieldDef[] }).fields;
  return Array.isArray(fields) ? fields : [];
}

/** A value as people read it; undefined shows as a dash. */
export function formatValue(type: string | undefined, value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  if (type === 'boolean') return value === true ? 'Yes' : 'No';
  if (type === 'date' && typeof value === 'string') {
    const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
    return Number.isNaN(d.getTime())
      ? value
      : d.toLocaleDateString(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  }
  if (type === 'number' && typeof value === 'number') return value.toLocaleString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Preview({ type, item }: { type: Collection; item: StoredRecord }) {
  const fields = fieldsOf(type);
  return (
    <div className="space-y-4">
      <dl className="space-y-2 text-sm" data-testid="item-preview">
        {fields.map((f) => (
          <div key={f.key} data-field={f.key}>
            <dt className="text-xs font-medium text-zinc-500">{f.label}</dt>
            <dd className={f.type === 'rich_text' ? 'whitespace-pre-wrap' : ''}>
              {formatValue(f.type, item.data[f.key])}
            </dd>
          </div>
        ))}
        <div>
          <dt className="text-xs font-medium text-zinc-500">Status · version</dt>
          <dd>
            {item.status} · v{item.version} · updated {relativeTime(item.updatedAt)}
          </dd>
        </div>
      </dl>
      <pre
        className="max-h-64 overflow-auto rounded bg-zinc-950 p-3 font-mono text-xs text-zinc-100"
        data-testid="item-json"
      >
        {JSON.stringify(item.data, null, 2)}
      </pre>
    </div>
  );
}

function who(r: ItemRevision): string {
  if (r.action === 'external') return 'a sync';
  return r.actor.label ?? r.actor.type;
}

function History({ type, item }: { type: Collection; item: StoredRecord }) {
  const queryClient = useQueryClient();
  const base = `/collections/${type.key}/records/${item.id}`;
  const revisions = useQuery({
    queryKey: ['item-revisions', item.id, item.version],
    queryFn: () => api<{ data: ItemRevision[] }>(`${base}/revisions`),
  });
  const list = revisions.data?.data ?? [];
  const [pick, setPick] = useState<{ from: number; to: number } | null>(null);
  const from = pick?.from ?? list[1]?.version ?? list[0]?.version;
  const to = pick?.to ?? list[0]?.version;
  const diff = useQuery({
    queryKey: ['item-diff', item.id, from, to],
    queryFn: () => api<ItemRevisionDiff>(`${base}/revisions/diff?from=${from}&to=${to}`),
    enabled: from !== undefined && to !== undefined,
  });
  const restore = useMutation({
    mutationFn: (version: number) =>
      api<StoredRecord>(`${base}/revisions/${version}/restore`, {
        method: 'POST',
        body: { version: item.version },
      }),
    onSuccess: (r, version) => {
      toast.success(`Version ${version} restored as version ${r.version}`);
      setPick(null);
      void queryClient.invalidateQueries({ queryKey: ['items', type.key] });
      void queryClient.invalidateQueries({ queryKey: ['content-items'] });
    },
    onError: (e) => toast.error(e.message),
  });
  const labels = new Map<string, string>(fieldsOf(type).map((f) => [f.key, f.label]));
  labels.set('$status', 'Status');
  const fieldType = new Map(fieldsOf(type).map((f) => [f.key, f.type]));
  const select = (value: number | undefined, onChange: (v: number) => void, label: string) => (
    <select
      aria-label={label}
      value={value ?? ''}
      onChange={(e) => onChange(Number(e.target.value))}
      className="rounded border border-zinc-300 px-1 text-xs dark:border-zinc-700 dark:bg-zinc-900"
    >
      {list.map((r) => (
        <option key={r.version} value={r.version}>
          v{r.version}
        </option>
      ))}
    </select>
  );
  return (
    <div className="space-y-4">
      <ol className="space-y-1 text-sm" data-testid="revision-list">
        {list.map((r) => (
          <li
            key={r.version}
            className="flex items-center justify-between gap-2 border-b border-zinc-100 py-1 dark:border-zinc-800"
            data-testid="revision"
            data-version={r.version}
          >
            <span>
              <span className="font-mono text-xs">v{r.version}</span> {r.action}
              {r.restoredFrom ? ` from v${r.restoredFrom}` : ''} · {who(r)} ·{' '}
              <span title={r.createdAt}>{relativeTime(r.createdAt)}</span>
            </span>
            {r.version === item.version ? (
              <span className="text-xs text-zinc-500">current</span>
            ) : (
              <Button
                variant="ghost"
                onClick={() => restore.mutate(r.version)}
                disabled={restore.isPending}
                aria-label={`Restore version ${r.version}`}
              >
                Restore
              </Button>
            )}
          </li>
        ))}
      </ol>
      {list.length > 1 ? (
        <div>
          <div className="mb-2 flex items-center gap-2 text-xs">
            Compare {select(from, (v) => setPick({ from: v, to: to ?? v }), 'Compare from')} →{' '}
            {select(to, (v) => setPick({ from: from ?? v, to: v }), 'Compare to')}
          </div>
          {diff.data ? (
            diff.data.changes.length === 0 ? (
              <p className="text-xs text-zinc-500" data-testid="revision-diff">
                No differences.
              </p>
            ) : (
              <table className="w-full text-xs" data-testid="revision-diff">
                <thead>
                  <tr className="text-left text-zinc-500">
                    <th className="py-1">Field</th>
                    <th>v{diff.data.from}</th>
                    <th>v{diff.data.to}</th>
                  </tr>
                </thead>
                <tbody>
                  {diff.data.changes.map((c) => (
                    <tr
                      key={c.field}
                      className="border-t border-zinc-100 align-top dark:border-zinc-800"
                      data-field={c.field}
                      data-change={c.change}
                    >
                      <td className="py-1 pr-2 font-medium">{labels.get(c.field) ?? c.field}</td>
                      <td className="pr-2 text-red-700 line-through dark:text-red-400">
                        {c.change === 'added' ? '' : formatValue(fieldType.get(c.field), c.before)}
                      </td>
                      <td className="text-emerald-700 dark:text-emerald-400">
                        {c.change === 'removed' ? '' : formatValue(fieldType.get(c.field), c.after)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

export function ItemDrawer({
  type,
  itemId,
  onEdit,
  onClose,
}: {
  type: Collection;
  itemId: string;
  onEdit: (item: StoredRecord) => void;
  onClose: () => void;
}) {
  const [tab, setTab] = useState<'preview' | 'history'>('preview');
  // The item is read on its own, so a restore (which changes its version) shows at once.
  const item = useQuery({
    queryKey: ['items', type.key, 'one', itemId],
    queryFn: () => api<StoredRecord>(`/collections/${type.key}/records/${itemId}`),
  });
  const title = item.data ? String(item.data.data[fieldsOf(type)[0]?.key ?? ''] ?? item.data.id) : '…';
  return (
    <aside
      className="fixed inset-y-0 right-0 z-40 w-full max-w-md overflow-auto border-l border-zinc-200 bg-white p-4 shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
      data-testid="item-drawer"
      aria-label="Item preview"
    >
      <div className="mb-3 flex items-center justify-between">
        <h2 className="font-semibold">{title}</h2>
        <div className="flex gap-1">
          {item.data ? (
            <Button variant="secondary" onClick={() => onEdit(item.data)}>
              Edit
            </Button>
          ) : null}
          <Button variant="ghost" onClick={onClose} aria-label="Close preview">
            ✕
          </Button>
        </div>
      </div>
      <div className="mb-3 flex gap-2 border-b border-zinc-200 text-sm dark:border-zinc-800">
        {(['preview', 'history'] as const).map((t) => (
          <button
            key={t}
            type="button"
            className={`-mb-px border-b-2 px-2 py-1 ${tab === t ? 'border-indigo-600 font-medium' : 'border-transparent text-zinc-500'}`}
            onClick={() => setTab(t)}
          >
            {t === 'preview' ? 'Preview' : 'History'}
          </button>
        ))}
      </div>
      {item.data ? (
        tab === 'preview' ? (
          <Preview type={type} item={item.data} />
        ) : (
          <History type={type} item={item.data} />
        )
      ) : null}
    </aside>
  );
}
