/**
 * The ad server page: one Broadstreet connection's entities. Import all / Export start a run and its progress per
 * type (done / total) is polled every second while it goes; counts per type show the badges Local / Synced /
 * From server; the entity list (all, or Local-only) shows each entity's state, its server id, why it failed or
 * waits, and a Retry for those; a small form creates a local entity under a local parent.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { toast } from 'sonner';
import type { components } from '../../../src/client/schema';
import { Button, Card, EmptyState, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import type { Connection, Page } from '../lib/types';

type Overview = components['schemas']['AdServerOverview'];
type AdRun = components['schemas']['AdServerRun'];
type Entity = components['schemas']['AdServerEntity'];
type EntityType = components['schemas']['AdServerType'];

const TYPES: EntityType[] = ['networks', 'advertisers', 'zones', 'advertisements', 'campaigns', 'placements'];
const FINAL = new Set(['success', 'partial', 'failed', 'cancelled']);
/** The local parent each type needs, by field. */
const PARENTS: Partial<Record<EntityType, { field: string; type: EntityType }[]>> = {
  advertisers: [{ field: 'network_id', type: 'networks' }],
  zones: [{ field: 'network_id', type: 'networks' }],
  advertisements: [{ field: 'advertiser_id', type: 'advertisers' }],
  campaigns: [{ field: 'advertiser_id', type: 'advertisers' }],
  placements: [
    { field: 'campaign_id', type: 'campaigns' },
    { field: 'advertisement_id', type: 'advertisements' },
    { field: 'zone_id', type: 'zones' },
  ],
};

const BADGE: Record<Entity['state'], { label: string; className: string }> = {
  local: { label: 'Local', className: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300' },
  exporting: { label: 'Exporting', className: 'bg-sky-100 text-sky-800 dark:bg-sky-950 dark:text-sky-300' },
  failed: { label: 'Failed', className: 'bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300' },
  waiting: {
    label: 'Waiting',
    className: 'bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-300',
  },
  synced: {
    label: 'Synced',
    className: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300',
  },
  from_server: {
    label: 'From server',
    className: 'bg-indigo-100 text-indigo-800 dark:bg-indigo-950 dark:text-indigo-300',
  },
};

function Badge({ state }: { state: Entity['state'] }) {
  const b = BADGE[state];
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${b.className}`} data-testid="entity-badge">
      {b.label}
    </span>
  );
}

function singular(type: string): string {
  return type.replace(/s$/, '');
}

function ProgressRows({ run }: { run: AdRun }) {
  return (
    <table className="w-full text-sm" data-testid="adserver-progress">
      <tbody>
        {run.progress.map((p) => {
          const share = p.total
            ? Math.min(100, Math.round((p.done / p.total) * 100))
            : p.state === 'done'
              ? 100
              : 0;
          return (
            <tr key={p.type} data-testid="progress-row" data-type={p.type} data-state={p.state}>
              <td className="w-36 py-1 capitalize">{p.type}</td>
              <td className="w-full px-3">
                <div className="h-2 rounded bg-zinc-100 dark:bg-zinc-800">
                  <div className="h-2 rounded bg-indigo-500" style={{ width: `${share}%` }} />
                </div>
              </td>
              <td
                className="w-32 whitespace-nowrap text-right font-mono text-xs"
                data-testid="progress-count"
              >
                {p.done} / {p.total ?? '…'}
              </td>
              <td className="w-20 whitespace-nowrap pl-2 text-xs text-zinc-500">{p.state}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function NewEntityForm({ connectionId, onCreated }: { connectionId: string; onCreated: () => void }) {
  const [type, setType] = useState<EntityType>('advertisers');
  const [name, setName] = useState('');
  const [refs, setRefs] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const parents = PARENTS[type] ?? [];
  const options = useQuery({
    queryKey: ['adserver-parents', connectionId, type],
    queryFn: async () => {
      const out: Record<string, Entity[]> = {};
      for (const p of parents) {
        out[p.field] = (
          await api<Page<Entity>>(`/adserver/${connectionId}/entities?type=${p.type}&limit=500`)
        ).data;
      }
      return out;
    },
  });
  const create = useMutation({
    mutationFn: () => {
      const data: Record<string, unknown> = { ...refs };
      if (type !== 'placements') data.name = name;
      if (type === 'advertisements') data.type = 'static';
      return api<Entity>(`/adserver/${connectionId}/entities/${type}`, { method: 'POST', body: { data } });
    },
    onSuccess: (e) => {
      toast.success(`${singular(type)} ${e.name} created locally`);
      setName('');
      setError(null);
      onCreated();
    },
    onError: (e) => setError(e.message),
  });
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      data-testid="new-entity-form"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <label className="text-sm">
        <span className="mb-1 block font-medium">Type</span>
        <select
          aria-label="Entity type"
          className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
          value={type}
          onChange={(e) => {
            setType(e.target.value as EntityType);
            setRefs({});
          }}
        >
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {singular(t)}
            </option>
          ))}
        </select>
      </label>
      {type !== 'placements' ? (
        <label className="text-sm">
          <span className="mb-1 block font-medium">Name</span>
          <input
            aria-label="Entity name"
            className="rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
      ) : null}
      {parents.map((p) => (
        <label key={p.field} className="text-sm">
          <span className="mb-1 block font-medium capitalize">{singular(p.type)}</span>
          <select
            aria-label={`Parent ${singular(p.type)}`}
            className="max-w-56 rounded-md border border-zinc-300 bg-white px-2 py-1.5 dark:border-zinc-700 dark:bg-zinc-900"
            value={refs[p.field] ?? ''}
            onChange={(e) => setRefs({ ...refs, [p.field]: e.target.value })}
          >
            <option value="">choose…</option>
            {(options.data?.[p.field] ?? []).map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({BADGE[o.state].label})
              </option>
            ))}
          </select>
        </label>
      ))}
      <Button type="submit" disabled={create.isPending}>
        Create local {singular(type)}
      </Button>
      {error ? <p className="w-full text-sm text-red-600 dark:text-red-400">{error}</p> : null}
    </form>
  );
}

export function AdServerPage() {
  const queryClient = useQueryClient();
  const connections = useQuery({
    queryKey: ['connections', 'broadstreet'],
    queryFn: () => api<Page<Connection>>('/connections?connector=broadstreet&limit=100'),
  });
  const [chosen, setChosen] = useState<string | null>(null);
  const connectionId = chosen ?? connections.data?.data[0]?.id ?? null;
  const [localOnly, setLocalOnly] = useState(false);
  const [type, setType] = useState<EntityType | ''>('');

  const overview = useQuery({
    queryKey: ['adserver', connectionId],
    queryFn: () => api<Overview>(`/adserver/${connectionId}`),
    enabled: connectionId !== null,
    refetchInterval: (q) => {
      const status = q.state.data?.run?.status;
      return status && !FINAL.has(status) ? 1000 : false;
    },
  });
  const running = overview.data?.run && !FINAL.has(overview.data.run.status);
  const entities = useQuery({
    queryKey: ['adserver-entities', connectionId, localOnly, type],
    queryFn: () => {
      const q = new URLSearchParams({ limit: '200' });
      if (localOnly) q.set('localOnly', 'true');
      if (type) q.set('type', type);
      return api<Page<Entity>>(`/adserver/${connectionId}/entities?${q.toString()}`);
    },
    enabled: connectionId !== null,
    refetchInterval: running ? 2000 : false,
  });
  const runStatus = overview.data?.run?.status;
  useEffect(() => {
    if (runStatus && FINAL.has(runStatus)) {
      void queryClient.invalidateQueries({ queryKey: ['adserver-entities'] });
      void queryClient.invalidateQueries({ queryKey: ['adserver-parents'] });
    }
  }, [runStatus, queryClient]);

  const start = useMutation({
    mutationFn: (input: { direction: 'import' | 'export'; type?: EntityType }) =>
      api<{ run: AdRun }>(`/adserver/${connectionId}/${input.direction}`, {
        method: 'POST',
        body: input.type ? { type: input.type } : {},
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['adserver', connectionId] }),
    onError: (e) => toast.error(e.message),
  });
  const retry = useMutation({
    mutationFn: (e: Entity) =>
      api<{ run: AdRun }>(`/adserver/${connectionId}/entities/${e.type}/${e.id}/retry`, { method: 'POST' }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['adserver', connectionId] }),
    onError: (e) => toast.error(e.message),
  });

  if (connections.isPending) return <Skeleton rows={4} />;
  if (!connectionId) {
    return (
      <EmptyState
        title="No Broadstreet connection"
        hint="Add a connection with the broadstreet connector (access token) to import and export ad server entities."
      />
    );
  }
  const run = overview.data?.run ?? null;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="flex items-center gap-3">
          <h1 className="text-xl font-semibold">Ad server</h1>
          <select
            aria-label="Connection"
            className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
            value={connectionId}
            onChange={(e) => setChosen(e.target.value)}
          >
            {connections.data?.data.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div className="flex gap-2">
          <Button
            variant="secondary"
            onClick={() => start.mutate({ direction: 'import' })}
            disabled={start.isPending || !!running}
          >
            Import all
          </Button>
          <Button
            onClick={() => start.mutate({ direction: 'export' })}
            disabled={start.isPending || !!running}
          >
            Export
          </Button>
        </div>
      </div>

      {run ? (
        <Card
          title={
            <span>
              {run.direction === 'import' ? 'Import' : 'Export'} {run.id.slice(-8)}
            </span>
          }
          actions={<StatusChip status={run.status} />}
        >
          {run.error ? <p className="mb-3 text-sm text-red-600 dark:text-red-400">{run.error}</p> : null}
          <ProgressRows run={run} />
        </Card>
      ) : null}

      <Card title="Entity types">
        {overview.isPending ? (
          <Skeleton rows={6} />
        ) : (
          <table className="w-full text-sm" data-testid="adserver-types">
            <thead>
              <tr className="text-left text-xs text-zinc-500">
                <th className="py-1">Type</th>
                <th>Total</th>
                <th>Local</th>
                <th>Synced</th>
                <th>From server</th>
                <th>Failed / waiting</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {overview.data?.types.map((t) => (
                <tr key={t.type} className="border-t border-zinc-100 dark:border-zinc-800" data-type={t.type}>
                  <td className="py-1 capitalize">{t.type}</td>
                  <td>{t.counts.total}</td>
                  <td>{t.counts.local}</td>
                  <td>{t.counts.synced}</td>
                  <td>{t.counts.fromServer}</td>
                  <td>
                    {t.counts.failed} / {t.counts.waiting}
                  </td>
                  <td className="space-x-1 text-right">
                    <Button
                      variant="ghost"
                      aria-label={`Import ${t.type}`}
                      onClick={() => start.mutate({ direction: 'import', type: t.type })}
                      disabled={start.isPending || !!running}
                    >
                      Import
                    </Button>
                    <Button
                      variant="ghost"
                      aria-label={`Export ${t.type}`}
                      onClick={() => start.mutate({ direction: 'export', type: t.type })}
                      disabled={start.isPending || !!running}
                    >
                      Export
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="New local entity">
        <NewEntityForm
          connectionId={connectionId}
          onCreated={() => {
            void queryClient.invalidateQueries({ queryKey: ['adserver'] });
            void queryClient.invalidateQueries({ queryKey: ['adserver-entities'] });
            void queryClient.invalidateQueries({ queryKey: ['adserver-parents'] });
          }}
        />
      </Card>

      <Card
        title={
          <div className="flex items-center gap-2" role="tablist">
            <Button
              variant={localOnly ? 'ghost' : 'secondary'}
              role="tab"
              aria-selected={!localOnly}
              onClick={() => setLocalOnly(false)}
            >
              All entities
            </Button>
            <Button
              variant={localOnly ? 'secondary' : 'ghost'}
              role="tab"
              aria-selected={localOnly}
              onClick={() => setLocalOnly(true)}
            >
              Local-only
            </Button>
          </div>
        }
        actions={
          <select
            aria-label="Filter by type"
            className="rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900"
            value={type}
            onChange={(e) => setType(e.target.value as EntityType | '')}
          >
            <option value="">all types</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        }
      >
        {entities.isPending ? (
          <Skeleton rows={5} />
        ) : entities.data?.data.length ? (
          <table className="w-full text-sm" data-testid="adserver-entities">
            <thead>
              <tr className="text-left text-xs text-zinc-500">
                <th className="py-1">Name</th>
                <th>Type</th>
                <th>State</th>
                <th>Server id</th>
                <th>Why</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {entities.data.data.map((e) => (
                <tr
                  key={e.id}
                  className="border-t border-zinc-100 dark:border-zinc-800"
                  data-testid="entity-row"
                  data-name={e.name}
                  data-state={e.state}
                >
                  <td className="py-1">
                    {e.name}
                    {e.serverName ? (
                      <span className="ml-1 text-xs text-amber-700 dark:text-amber-300">
                        (on the server as “{e.serverName}”)
                      </span>
                    ) : null}
                  </td>
                  <td>{singular(e.type)}</td>
                  <td>
                    <Badge state={e.state} />
                  </td>
                  <td className="font-mono text-xs" data-testid="entity-server-id">
                    {e.serverId ?? '—'}
                  </td>
                  <td className="max-w-md text-xs text-zinc-600 dark:text-zinc-400">
                    {e.category ? <span className="mr-1 font-medium uppercase">{e.category}</span> : null}
                    {e.reason ?? ''}
                  </td>
                  <td className="text-right">
                    {e.state === 'failed' || e.state === 'waiting' ? (
                      <Button variant="ghost" onClick={() => retry.mutate(e)} disabled={retry.isPending}>
                        Retry
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <EmptyState
            title={localOnly ? 'Nothing local-only' : 'No entities yet'}
            hint={localOnly ? 'Everything here is on the server.' : 'Import all brings the account in.'}
          />
        )}
      </Card>
    </div>
  );
}
