import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { OnceSecret } from '../components/OnceSecret';
import { Button, Card, EmptyState, Field, Skeleton, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { CreatedSite, Page, Site } from '../lib/types';

interface Snapshot {
  receivedAt: string;
  itemCount: number;
  payload: {
    items?: { id: string; type: string | null; data: Record<string, unknown>; overridden: string[] }[];
  };
}

function SnapshotViewer({ site }: { site: Site }) {
  const [asJson, setAsJson] = useState(false);
  const snapshot = useQuery({
    queryKey: ['snapshot', site.id],
    queryFn: () => api<Snapshot>(`/sites/${site.id}/snapshot`),
    retry: false,
  });
  if (snapshot.isPending) return <Skeleton rows={2} />;
  if (snapshot.error) return <p className="text-sm text-zinc-500">Nothing received yet.</p>;
  const items = snapshot.data.payload.items ?? [];
  return (
    <div className="space-y-2">
      <div className="flex items-center justify-between text-xs text-zinc-500">
        <span>
          {snapshot.data.itemCount} items, received {relativeTime(snapshot.data.receivedAt)}
        </span>
        <Button variant="ghost" onClick={() => setAsJson(!asJson)}>
          {asJson ? 'Cards' : 'JSON'}
        </Button>
      </div>
      {asJson ? (
        <pre className="max-h-80 overflow-auto rounded bg-zinc-100 p-2 text-xs dark:bg-zinc-950">
          {JSON.stringify(snapshot.data.payload, null, 2)}
        </pre>
      ) : (
        <ul className="grid gap-2 sm:grid-cols-2">
          {items.map((item) => (
            <li
              key={item.id}
              className="rounded border border-zinc-200 p-2 text-sm dark:border-zinc-800"
              data-testid="snapshot-item"
            >
              <p className="font-medium">{String(item.data.headline ?? item.id)}</p>
              {Object.entries(item.data)
                .filter(([k]) => k !== 'headline')
                .map(([k, v]) => (
                  <p key={k} className="text-xs text-zinc-600 dark:text-zinc-400">
                    {k}: {String(v)}{' '}
                    {item.overridden.includes(k) ? (
                      <span className="rounded bg-indigo-100 px-1 text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300">
                        override
                      </span>
                    ) : null}
                  </p>
                ))}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function SitesPage() {
  const queryClient = useQueryClient();
  const sites = useQuery({ queryKey: ['sites'], queryFn: () => api<Page<Site>>('/sites') });
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<CreatedSite>('/sites', { method: 'POST', body }),
    onSuccess: (r) => {
      setSecret(r.secret);
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
    },
    onError: (e) => toast.error(e.message),
  });
  const enable = useMutation({
    mutationFn: (id: string) => api<Site>(`/sites/${id}/enable`, { method: 'POST' }),
    onSuccess: (site) => {
      toast.success(`${site.name} re-enabled: the next run sends to it again`);
      void queryClient.invalidateQueries({ queryKey: ['sites'] });
    },
    onError: (e) => toast.error(e.message),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const url = String(form.get('url') || 'builtin:receiver');
    create.mutate({ name: String(form.get('name')), slug: String(form.get('slug')), url });
    event.currentTarget.reset();
  }

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Sites</h1>
      <Card title="New site">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <div className="w-48">
            <Field label="Name" name="name" required />
          </div>
          <div className="w-40">
            <Field label="Slug" name="slug" required pattern="[a-z0-9][a-z0-9-]*" />
          </div>
          <div className="w-80">
            <Field
              label="Destination URL (empty: built-in receiver)"
              name="url"
              placeholder="builtin:receiver"
            />
          </div>
          <Button type="submit" disabled={create.isPending}>
            Create site
          </Button>
        </form>
        {secret ? (
          <div className="mt-3">
            <OnceSecret label="The site's signing secret" value={secret} onDone={() => setSecret(null)} />
          </div>
        ) : null}
      </Card>
      {sites.isPending ? (
        <Skeleton rows={3} />
      ) : sites.data?.data.length ? (
        <div className="grid gap-4 lg:grid-cols-3">
          {sites.data.data.map((site) => (
            <Card
              key={site.id}
              title={site.name}
              actions={
                <StatusChip status={site.disabledAt ? 'disabled' : (site.lastStatus ?? 'never_synced')} />
              }
            >
              {site.disabledAt ? (
                <div
                  className="mb-2 rounded border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200"
                  data-testid="site-disabled"
                >
                  <p>{site.disabledReason ?? 'disabled'}</p>
                  <Button
                    variant="secondary"
                    className="mt-2"
                    disabled={enable.isPending}
                    onClick={() => enable.mutate(site.id)}
                  >
                    Re-enable
                  </Button>
                </div>
              ) : site.consecutiveFailures > 0 ? (
                <p className="mb-1 text-xs text-amber-700 dark:text-amber-400">
                  {site.consecutiveFailures} failed in a row since {relativeTime(site.failingSince)}
                </p>
              ) : null}
              <p className="truncate text-xs text-zinc-500" title={site.url}>
                {site.url === 'builtin:receiver' ? 'built-in receiver' : site.url}
              </p>
              <p className="mt-1 text-xs text-zinc-500">last sync {relativeTime(site.lastSyncedAt)}</p>
              {site.lastError ? <p className="mt-1 text-xs text-red-600">{site.lastError}</p> : null}
              <div className="mt-3">
                {open === site.id ? (
                  <SnapshotViewer site={site} />
                ) : (
                  <Button variant="secondary" onClick={() => setOpen(site.id)}>
                    View what it received
                  </Button>
                )}
              </div>
            </Card>
          ))}
        </div>
      ) : (
        <Card>
          <EmptyState
            title="No sites yet"
            hint="Connect a site: its deliveries are signed with a secret shown once."
          />
        </Card>
      )}
    </div>
  );
}
