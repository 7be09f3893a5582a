/**
 * The mappings matrix: rows are content items, columns sites, each cell full | override | block | — (not sent),
 * edited inline. An override cell opens an editor of only the overridden fields; the API validates them against
 * the item's content type and its field-level messages show beside the fields; "—" clears a cell (not sent).
 * Bulk: set a column, a row or everything to full, block an item everywhere.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { toast } from 'sonner';
import { Button, Card, EmptyState, Skeleton } from '../components/ui';
import { api, ApiError } from '../lib/api';
import type { Collection, MappingCell, Page, Site, StoredRecord } from '../lib/types';

interface FieldDef {
  key: string;
  label: string;
  type: string;
  options?: string[];
}

interface Item {
  record: StoredRecord;
  type: Collection;
  fields: FieldDef[];
}

type CellInput = { siteId: string; itemId: string; mode: string; overrides?: Record<string, unknown> | null };

function fieldsOf(c: Collection): FieldDef[] {
  const fields = (c.schema as { fields?: FieldDef[] }).fields;
  return Array.isArray(fields) ? fields : [];
}

/** Every item of every content type (collections whose schema has fields). */
export function useItems() {
  return useQuery({
    queryKey: ['content-items'],
    queryFn: async () => {
      const types = (await api<Page<Collection>>('/collections')).data.filter((c) => fieldsOf(c).length > 0);
      const items: Item[] = [];
      for (const type of types) {
        const records = await api<Page<StoredRecord>>(`/collections/${type.key}/records?limit=200`);
        for (const record of records.data) items.push({ record, type, fields: fieldsOf(type) });
      }
      return items;
    },
  });
}

function title(item: Item): string {
  const d = item.record.data;
  return String(d.headline ?? d.title ?? d.name ?? item.record.id);
}

function OverrideEditor({
  item,
  cell,
  onSave,
  onClose,
}: {
  item: Item;
  cell: MappingCell | undefined;
  onSave: (overrides: Record<string, unknown>) => Promise<void>;
  onClose: () => void;
}) {
  const [values, setValues] = useState<Record<string, unknown>>(cell?.overrides ?? {});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const free = item.fields.filter((f) => !(f.key in values));
  async function save() {
    try {
      await onSave(values);
      onClose();
    } catch (e) {
      const cells = e instanceof ApiError ? (e.details.cells as Record<string, Record<string, string>>) : {};
      setErrors(cells?.['0'] ?? {});
      toast.error(e instanceof Error ? e.message : 'could not save');
    }
  }
  return (
    <div
      className="mt-2 space-y-2 rounded border border-indigo-200 p-2 dark:border-indigo-900"
      data-testid="override-editor"
    >
      {Object.entries(values).map(([key, value]) => {
        const field = item.fields.find((f) => f.key === key);
        return (
          <label key={key} className="block text-xs">
            <span className="font-medium">{field?.label ?? key}</span>
            <div className="flex gap-1">
              {field?.type === 'boolean' ? (
                <input
                  type="checkbox"
                  name={key}
                  checked={value === true}
                  onChange={(e) => setValues({ ...values, [key]: e.target.checked })}
                />
              ) : field?.type === 'enum' ? (
                <select
                  name={key}
                  className="w-full rounded border border-zinc-300 px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
                  value={String(value ?? '')}
                  onChange={(e) => setValues({ ...values, [key]: e.target.value })}
                >
                  {(field.options ?? []).map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : (
                <input
                  name={key}
                  type={field?.type === 'date' ? 'date' : field?.type === 'number' ? 'number' : 'text'}
                  className="w-full rounded border border-zinc-300 px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
                  value={String(value ?? '')}
                  onChange={(e) =>
                    setValues({
                      ...values,
                      [key]:
                        field?.type === 'number' && e.target.value !== ''
                          ? Number(e.target.value)
                          : e.target.value,
                    })
                  }
                />
              )}
              <button
                type="button"
                className="text-zinc-500"
                title="Stop overriding"
                onClick={() => {
                  const next = { ...values };
                  delete next[key];
                  setValues(next);
                }}
              >
                ×
              </button>
            </div>
            {errors[key] ? <span className="text-red-600">{errors[key]}</span> : null}
          </label>
        );
      })}
      {free.length > 0 ? (
        <select
          className="w-full rounded border border-zinc-300 text-xs dark:border-zinc-700 dark:bg-zinc-900"
          value=""
          aria-label="Override a field"
          onChange={(e) => setValues({ ...values, [e.target.value]: item.record.data[e.target.value] ?? '' })}
        >
          <option value="">+ override a field…</option>
          {free.map((f) => (
            <option key={f.key} value={f.key}>
              {f.label}
            </option>
          ))}
        </select>
      ) : null}
      <div className="flex gap-1">
        <Button onClick={() => void save()} disabled={Object.keys(values).length === 0}>
          Save
        </Button>
        <Button variant="ghost" onClick={onClose}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

export function MappingsPage() {
  const queryClient = useQueryClient();
  const items = useItems();
  const sites = useQuery({ queryKey: ['sites'], queryFn: () => api<Page<Site>>('/sites') });
  const cells = useQuery({
    queryKey: ['mappings'],
    queryFn: () => api<{ data: MappingCell[] }>('/mappings'),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const put = useMutation({
    mutationFn: (body: CellInput | CellInput[]) => api('/mappings', { method: 'PUT', body }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['mappings'] }),
  });
  const set = (body: CellInput | CellInput[]) =>
    put.mutateAsync(body).catch((e: Error) => {
      toast.error(e.message);
      throw e;
    });

  if (items.isPending || sites.isPending || cells.isPending) return <Skeleton rows={6} />;
  const siteList = sites.data?.data ?? [];
  const itemList = items.data ?? [];
  const byKey = new Map((cells.data?.data ?? []).map((c) => [`${c.itemId}:${c.siteId}`, c]));

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Mappings</h1>
        <Button
          variant="secondary"
          disabled={itemList.length === 0 || siteList.length === 0 || put.isPending}
          onClick={() =>
            void set(
              siteList.flatMap((s) =>
                itemList.map((i) => ({ siteId: s.id, itemId: i.record.id, mode: 'full' })),
              ),
            ).then(() => toast.success('Every item goes to every site in full'))
          }
        >
          Set all to full
        </Button>
      </div>
      <Card>
        {itemList.length === 0 || siteList.length === 0 ? (
          <EmptyState title="Nothing to map yet" hint="Create content items and sites first." />
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="mappings-matrix">
              <thead>
                <tr>
                  <th className="py-2 text-left">Item</th>
                  {siteList.map((site) => (
                    <th key={site.id} className="px-2 text-left">
                      <div>{site.name}</div>
                      <button
                        type="button"
                        className="text-xs font-normal text-indigo-600 hover:underline"
                        onClick={() =>
                          void set(
                            itemList.map((i) => ({ siteId: site.id, itemId: i.record.id, mode: 'full' })),
                          ).then(() => toast.success(`Every item goes to ${site.name} in full`))
                        }
                      >
                        set column to full
                      </button>
                    </th>
                  ))}
                  <th />
                </tr>
              </thead>
              <tbody>
                {itemList.map((item) => (
                  <tr
                    key={item.record.id}
                    className="border-t border-zinc-100 align-top dark:border-zinc-800"
                  >
                    <td className="py-2 pr-2">
                      <div className="font-medium">{title(item)}</div>
                      <div className="text-xs text-zinc-500">
                        {item.type.name} · {item.record.status}
                      </div>
                    </td>
                    {siteList.map((site) => {
                      const key = `${item.record.id}:${site.id}`;
                      const cell = byKey.get(key);
                      return (
                        <td
                          key={site.id}
                          className="px-2 py-2"
                          data-testid="mapping-cell"
                          data-site={site.name}
                          data-item={title(item)}
                        >
                          <select
                            aria-label={`${title(item)} on ${site.name}`}
                            className="rounded border border-zinc-300 text-xs dark:border-zinc-700 dark:bg-zinc-900"
                            value={cell?.mode ?? ''}
                            onChange={(e) => {
                              const mode = e.target.value;
                              if (mode === 'override') setEditing(key);
                              else if (mode) void set({ siteId: site.id, itemId: item.record.id, mode });
                              else if (cell) {
                                void set({ siteId: site.id, itemId: item.record.id, mode: 'none' });
                                if (editing === key) setEditing(null);
                              }
                            }}
                          >
                            <option value="">—</option>
                            <option value="full">full</option>
                            <option value="override">override</option>
                            <option value="block">block</option>
                          </select>
                          {cell?.mode === 'override' && editing !== key ? (
                            <button
                              type="button"
                              className="ml-1 text-xs text-indigo-600 hover:underline"
                              onClick={() => setEditing(key)}
                            >
                              {Object.keys(cell.overrides ?? {}).join(', ') || 'edit'}
                            </button>
                          ) : null}
                          {editing === key ? (
                            <OverrideEditor
                              item={item}
                              cell={cell}
                              onClose={() => setEditing(null)}
                              onSave={async (overrides) => {
                                await set({
                                  siteId: site.id,
                                  itemId: item.record.id,
                                  mode: 'override',
                                  overrides,
                                });
                              }}
                            />
                          ) : null}
                        </td>
                      );
                    })}
                    <td className="space-y-1 py-2">
                      <button
                        type="button"
                        className="block text-xs text-indigo-600 hover:underline"
                        onClick={() =>
                          void set(
                            siteList.map((s) => ({ siteId: s.id, itemId: item.record.id, mode: 'full' })),
                          ).then(() => toast.success(`${title(item)} goes to every site in full`))
                        }
                      >
                        set row to full
                      </button>
                      <button
                        type="button"
                        className="block text-xs text-red-600 hover:underline"
                        onClick={() =>
                          void set(
                            siteList.map((s) => ({ siteId: s.id, itemId: item.record.id, mode: 'block' })),
                          ).then(() => toast.success(`${title(item)} is blocked everywhere`))
                        }
                      >
                        block everywhere
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
