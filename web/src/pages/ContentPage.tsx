/**
 * Content types and their items. A type is a collection whose schema is built here field by field (text, rich
 * text, number, date, enum with options, boolean; required; help text). Items are listed with filters (type,
 * status, updated range, search; applied by the API), previewed in a drawer with their history (ItemDrawer.tsx),
 * and edited in a form generated from the type; the API's 422 details show beside each field.
 */
import { isManagedByConfig, MANAGED_NOTE, ManagedByConfigBadge } from '../components/ManagedByConfig';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { Button, Card, EmptyState, Field, Skeleton, StatusChip } from '../components/ui';
import { api, ApiError } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Collection, Page, StoredRecord } from '../lib/types';
import { ItemDrawer } from './ItemDrawer';

const FIELD_TYPES = ['text', 'rich_text', 'number', 'date', 'enum', 'boolean'] as const;
const STATUSES = ['draft', 'published', 'archived'] as const;

interface FieldDef {
  key: string;
  label: string;
  type: (typeof FIELD_TYPES)[number];
  required?: boolean;
  help?: string;
  options?: string[];
}

function fieldsOf(c: Collection): FieldDef[] {
  const fields = (c.schema as { fields?: FieldDef[] }).fields;
  return Array.isArray(fields) ? fields : [];
}

function fieldErrors(e: unknown): Record<string, string> {
  if (e instanceof ApiError && e.details.fields && typeof e.details.fields === 'object') {
    return e.details.fields as Record<string, string>;
  }
  return {};
}

/** The field builder: edits a list of fields and saves it as the collection's schema. */
function TypeBuilder({ type, onDone }: { type: Collection | null; onDone: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(type?.name ?? '');
  const [key, setKey] = useState(type?.key ?? '');
  const [fields, setFields] = useState<FieldDef[]>(
    type ? fieldsOf(type) : [{ key: 'title', label: 'Title', type: 'text', required: true }],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: () => {
      const schema = {
        fields: fields.map((f) => ({
          ...f,
          ...(f.type === 'enum' ? { options: f.options ?? [] } : { options: undefined }),
          help: f.help || undefined,
        })),
      };
      return type
        ? api(`/collections/${type.key}`, { method: 'PATCH', body: { name, schema } })
        : api('/collections', { method: 'POST', body: { key, name, schema } });
    },
    onSuccess: () => {
      toast.success('Content type saved');
      void queryClient.invalidateQueries({ queryKey: ['collections'] });
      onDone();
    },
    onError: (e) => {
      setErrors(fieldErrors(e));
      toast.error(e.message);
    },
  });
  const update = (i: number, patch: Partial<FieldDef>) =>
    setFields(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <Card title={type ? `Edit ${type.name}` : 'New content type'}>
      <div className="mb-3 flex gap-3">
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} />
        {type ? null : <Field label="Key" value={key} onChange={(e) => setKey(e.target.value)} />}
      </div>
      <div className="space-y-2" data-testid="field-builder">
        {fields.map((f, i) => (
          <div
            key={i}
            className="flex flex-wrap items-end gap-2 rounded border border-zinc-200 p-2 dark:border-zinc-800"
          >
            <div className="w-32">
              <Field
                label="Field key"
                value={f.key}
                onChange={(e) => update(i, { key: e.target.value })}
                error={errors[`fields.${i}.key`]}
              />
            </div>
            <div className="w-40">
              <Field label="Label" value={f.label} onChange={(e) => update(i, { label: e.target.value })} />
            </div>
            <label className="text-sm">
              <span className="mb-1 block font-medium">Type</span>
              <select
                className="rounded border border-zinc-300 px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
                value={f.type}
                onChange={(e) => update(i, { type: e.target.value as FieldDef['type'] })}
              >
                {FIELD_TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            {f.type === 'enum' ? (
              <div className="w-48">
                <Field
                  label="Options (comma separated)"
                  value={(f.options ?? []).join(',')}
                  onChange={(e) =>
                    update(i, {
                      options: e.target.value
                        .split(',')
                        .map((s) => s.trim())
                        .filter(Boolean),
                    })
                  }
                  error={errors[`fields.${i}.options`]}
                />
              </div>
            ) : null}
            <div className="w-48">
              <Field
                label="Help text"
                value={f.help ?? ''}
                onChange={(e) => update(i, { help: e.target.value })}
              />
            </div>
            <label className="flex items-center gap-1 text-sm">
              <input
                type="checkbox"
                checked={f.required === true}
                onChange={(e) => update(i, { required: e.target.checked })}
              />
              required
            </label>
            <Button variant="ghost" onClick={() => setFields(fields.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </div>
        ))}
      </div>
      <div className="mt-3 flex gap-2">
        <Button
          variant="secondary"
          onClick={() => setFields([...fields, { key: '', label: '', type: 'text' }])}
        >
          Add field
        </Button>
        <Button onClick={() => save.mutate()} disabled={save.isPending}>
          Save type
        </Button>
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </Card>
  );
}

/** A form generated from the type; field-level errors come from the API. */
function ItemForm({
  type,
  item,
  onDone,
}: {
  type: Collection;
  item: StoredRecord | null;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: (body: { data: Record<string, unknown>; status: string }) =>
      item
        ? api(`/collections/${type.key}/records/${item.id}`, {
            method: 'PUT',
            body: { ...body, version: item.version },
          })
        : api(`/collections/${type.key}/records`, { method: 'POST', body }),
    onSuccess: () => {
      toast.success('Item saved');
      void queryClient.invalidateQueries({ queryKey: ['items', type.key] });
      void queryClient.invalidateQueries({ queryKey: ['content-items'] });
      onDone();
    },
    onError: (e) => setErrors(fieldErrors(e)),
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const data: Record<string, unknown> = {};
    for (const f of fieldsOf(type)) {
      const raw = form.get(f.key);
      if (f.type === 'boolean') data[f.key] = raw === 'on';
      else if (raw === null || raw === '') continue;
      else if (f.type === 'number') data[f.key] = Number(raw);
      else data[f.key] = String(raw);
    }
    save.mutate({ data, status: String(form.get('__status') ?? 'draft') });
  }
  return (
    <Card title={item ? 'Edit item' : `New ${type.name}`}>
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-2" noValidate data-testid="item-form">
        {fieldsOf(type).map((f) => {
          const value = item?.data[f.key];
          const label = `${f.label}${f.required ? ' *' : ''}`;
          if (f.type === 'enum') {
            return (
              <label key={f.key} className="block text-sm">
                <span className="mb-1 block font-medium">{label}</span>
                <select
                  name={f.key}
                  defaultValue={String(value ?? '')}
                  className="w-full rounded border border-zinc-300 px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
                >
                  <option value="">—</option>
                  {(f.options ?? []).map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
                {errors[f.key] ? <span className="text-red-600">{errors[f.key]}</span> : null}
              </label>
            );
          }
          if (f.type === 'boolean') {
            return (
              <label key={f.key} className="flex items-center gap-2 text-sm">
                <input type="checkbox" name={f.key} defaultChecked={value === true} /> {label}
              </label>
            );
          }
          if (f.type === 'rich_text') {
            return (
              <label key={f.key} className="block text-sm sm:col-span-2">
                <span className="mb-1 block font-medium">{label}</span>
                <textarea
                  name={f.key}
                  defaultValue={String(value ?? '')}
                  className="w-full rounded border border-zinc-300 px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
                />
                {errors[f.key] ? <span className="text-red-600">{errors[f.key]}</span> : null}
              </label>
            );
          }
          return (
            <div key={f.key}>
              <Field
                label={label}
                name={f.key}
                type={f.type === 'number' ? 'number' : f.type === 'date' ? 'date' : 'text'}
                defaultValue={value === undefined ? '' : String(value)}
                error={errors[f.key]}
                title={f.help}
              />
              {f.help ? <p className="mt-1 text-xs text-zinc-500">{f.help}</p> : null}
            </div>
          );
        })}
        <label className="block text-sm">
          <span className="mb-1 block font-medium">Status</span>
          <select
            name="__status"
            defaultValue={item?.status ?? 'draft'}
            className="rounded border border-zinc-300 px-2 py-2 dark:border-zinc-700 dark:bg-zinc-900"
          >
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {Object.keys(errors).some((k) => !fieldsOf(type).some((f) => f.key === k)) ? (
          <p className="text-sm text-red-600 sm:col-span-2">
            {Object.entries(errors)
              .filter(([k]) => !fieldsOf(type).some((f) => f.key === k))
              .map(([k, v]) => `${k} ${v}`)
              .join('; ')}
          </p>
        ) : null}
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" disabled={save.isPending}>
            Save item
          </Button>
          <Button type="button" variant="ghost" onClick={onDone}>
            Cancel
          </Button>
        </div>
      </form>
    </Card>
  );
}

/** `yyyy-mm-dd` from a date input as the UTC start or end of that day, for the updated range filter. */
function dayBound(day: string, end: boolean): string {
  return `${day}T${end ? '23:59:59.999' : '00:00:00.000'}Z`;
}

function Items({
  type,
  types,
  onType,
}: {
  type: Collection;
  types: Collection[];
  onType: (key: string) => void;
}) {
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [editing, setEditing] = useState<StoredRecord | 'new' | null>(null);
  const [previewing, setPreviewing] = useState<string | null>(null);
  const q = search.trim();
  const params = new URLSearchParams({ limit: '200' });
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  if (from) params.set('updatedFrom', dayBound(from, false));
  if (to) params.set('updatedTo', dayBound(to, true));
  const items = useQuery({
    queryKey: ['items', type.key, params.toString()],
    queryFn: () => api<Page<StoredRecord>>(`/collections/${type.key}/records?${params.toString()}`),
    placeholderData: (previous) => previous,
  });
  const rows = items.data?.data ?? [];
  const first = fieldsOf(type)[0]?.key;
  const input = 'rounded border border-zinc-300 px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
  return (
    <div className="space-y-3">
      {editing ? (
        <ItemForm
          key={editing === 'new' ? 'new' : `${editing.id}:${editing.version}`}
          type={type}
          item={editing === 'new' ? null : editing}
          onDone={() => setEditing(null)}
        />
      ) : null}
      {previewing ? (
        <ItemDrawer
          type={type}
          itemId={previewing}
          onEdit={(item) => {
            setPreviewing(null);
            setEditing(item);
          }}
          onClose={() => setPreviewing(null)}
        />
      ) : null}
      <Card
        title={`${type.name} items`}
        actions={
          <Button onClick={() => setEditing('new')} disabled={editing !== null}>
            New item
          </Button>
        }
      >
        <div className="mb-3 flex flex-wrap items-end gap-2" data-testid="item-filters">
          <select
            aria-label="Type"
            value={type.key}
            onChange={(e) => onType(e.target.value)}
            className={input}
          >
            {types.map((t) => (
              <option key={t.key} value={t.key}>
                {t.name}
              </option>
            ))}
          </select>
          <select
            aria-label="Status"
            value={status}
            onChange={(e) => setStatus(e.target.value)}
            className={input}
          >
            <option value="">all statuses</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <label className="text-xs text-zinc-500">
            updated from{' '}
            <input
              type="date"
              aria-label="Updated from"
              value={from}
              onChange={(e) => setFrom(e.target.value)}
              className={input}
            />
          </label>
          <label className="text-xs text-zinc-500">
            to{' '}
            <input
              type="date"
              aria-label="Updated to"
              value={to}
              onChange={(e) => setTo(e.target.value)}
              className={input}
            />
          </label>
          <input
            aria-label="Search"
            placeholder="Search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            className={input}
          />
        </div>
        {items.isPending ? (
          <Skeleton rows={3} />
        ) : items.isError ? (
          <p className="text-sm text-red-600">{items.error.message}</p>
        ) : rows.length ? (
          <table className="w-full text-sm" data-testid="items-table">
            <thead>
              <tr className="text-left text-xs text-zinc-500">
                <th className="py-1">Item</th>
                <th>Status</th>
                <th>Version</th>
                <th>Updated</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr
                  key={r.id}
                  className={`cursor-pointer border-t border-zinc-100 dark:border-zinc-800 ${previewing === r.id ? 'bg-indigo-50 dark:bg-indigo-950/40' : ''}`}
                  onClick={() => setPreviewing(r.id)}
                  data-testid="item-row"
                >
                  <td className="py-1">{String((first && r.data[first]) ?? r.id)}</td>
                  <td>
                    <StatusChip status={r.status === 'published' ? 'success' : 'queued'} />{' '}
                    <span className="text-xs">{r.status}</span>
                  </td>
                  <td className="font-mono text-xs">v{r.version}</td>
                  <td title={r.updatedAt}>{relativeTime(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <EmptyState title="No items" hint="Nothing matches these filters." />
        )}
      </Card>
    </div>
  );
}

export function ContentPage() {
  const collections = useQuery({
    queryKey: ['collections'],
    queryFn: () => api<Page<Collection>>('/collections'),
  });
  const [selected, setSelected] = useState<string | null>(null);
  const [building, setBuilding] = useState<Collection | 'new' | null>(null);
  const types = (collections.data?.data ?? []).filter((c) => fieldsOf(c).length > 0);
  const type = types.find((t) => t.key === selected) ?? types[0];
  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Content</h1>
        <Button variant="secondary" onClick={() => setBuilding('new')}>
          New content type
        </Button>
      </div>
      {building ? (
        <TypeBuilder type={building === 'new' ? null : building} onDone={() => setBuilding(null)} />
      ) : null}
      <Card title="Content types">
        {collections.isPending ? (
          <Skeleton rows={2} />
        ) : types.length ? (
          <ul className="divide-y divide-zinc-100 dark:divide-zinc-800" data-testid="content-types">
            {types.map((t) => (
              <li key={t.id} className="flex items-center justify-between py-2">
                <button
                  type="button"
                  className={`text-left ${t.key === type?.key ? 'font-semibold' : ''}`}
                  onClick={() => setSelected(t.key)}
                >
                  {t.name} <span className="text-xs text-zinc-500">({t.key})</span>
                  <ManagedByConfigBadge resource={t} />
                </button>
                <span className="text-xs text-zinc-500">
                  {fieldsOf(t)
                    .map((f) => `${f.key}: ${f.type}${f.required ? '*' : ''}`)
                    .join(' · ')}
                  <Button
                    variant="ghost"
                    onClick={() => setBuilding(t)}
                    disabled={isManagedByConfig(t)}
                    title={isManagedByConfig(t) ? MANAGED_NOTE : undefined}
                  >
                    Edit fields
                  </Button>
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <EmptyState title="No content types" hint="Build one: its fields validate every item." />
        )}
      </Card>
      {type ? <Items key={type.key} type={type} types={types} onType={setSelected} /> : null}
    </div>
  );
}
