/**
 * Connections with their credential health and, per connection, the syncs using it: status and a sparkline of
 * their latest runs (merged, by time), linking to the runs of those syncs.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { ManagedByConfigBadge } from '../components/ManagedByConfig';
import { OnceSecret } from '../components/OnceSecret';
import { Sparkline } from '../components/Sparkline';
import { Button, Card, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Connection, Page, Sync } from '../lib/types';

function usesConnection(s: Sync, connectionId: string): boolean {
  const d = s.definition as { a?: { connectionId?: string }; b?: { connectionId?: string } };
  return d.a?.connectionId === connectionId || d.b?.connectionId === connectionId;
}

export function ConnectionsPage() {
  const queryClient = useQueryClient();
  const list = useCursorList<Connection>(['connections'], '/connections');
  const syncs = useQuery({
    queryKey: ['syncs', 'options'],
    queryFn: () => api<Page<Sync>>('/syncs?limit=200'),
  });
  const test = useMutation({
    mutationFn: (id: string) =>
      api<{ ok: boolean; message: string }>(`/connections/${id}/test`, { method: 'POST' }),
    onSuccess: (r) => (r.ok ? toast.success(r.message) : toast.error(r.message)),
    onError: (e) => toast.error(e.message),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  // Notion sends its webhook verification token to DataSync; the admin pastes it into Notion, once.
  const [token, setToken] = useState<{ name: string; value: string } | null>(null);
  const reveal = useMutation({
    mutationFn: (c: Connection) =>
      api<{ token: string }>(`/connections/${c.id}/webhook-verification/reveal`, { method: 'POST' }).then(
        (r) => ({ name: c.name, value: r.token }),
      ),
    onSuccess: setToken,
    onError: (e) => toast.error(e.message),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  const reset = useMutation({
    mutationFn: (c: Connection) => api(`/connections/${c.id}/webhook-verification`, { method: 'DELETE' }),
    onSuccess: () => toast.success('Verification reset: create the subscription again in the platform'),
    onError: (e) => toast.error(e.message),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Connections</h1>
      {token ? (
        <OnceSecret
          label={`Webhook verification token for ${token.name} (paste it into the platform to verify the subscription)`}
          value={token.value}
          onDone={() => setToken(null)}
        />
      ) : null}
      <Card>
        <DataTable
          query={list}
          rowKey={(c) => c.id}
          empty={{
            title: 'No connections yet',
            hint: 'Connect a platform (Notion, Airtable, HubSpot…) or a site to sync with.',
          }}
          columns={[
            {
              header: 'Name',
              cell: (c) => (
                <span className="font-medium">
                  {c.name}
                  <ManagedByConfigBadge resource={c} />
                </span>
              ),
            },
            { header: 'Connector', cell: (c) => c.connector },
            { header: 'Health', cell: (c) => <StatusChip status={c.health} /> },
            {
              header: 'Syncs',
              cell: (c) => {
                const using = (syncs.data?.data ?? []).filter((s) => usesConnection(s, c.id));
                if (using.length === 0) return <span className="text-xs text-zinc-400">none</span>;
                const recent = using
                  .flatMap((s) => s.health.recent)
                  .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
                  .slice(-20);
                const paused = using.filter((s) => s.status === 'paused').length;
                return (
                  <Link to={`/runs?connectionId=${c.id}`} className="inline-flex items-center gap-2">
                    <Sparkline runs={recent} label={`Latest runs using ${c.name}`} />
                    <span className="text-xs text-zinc-500">
                      {using.length} sync{using.length > 1 ? 's' : ''}
                      {paused ? ` · ${paused} paused` : ''}
                    </span>
                  </Link>
                );
              },
            },
            { header: 'Credentials', cell: (c) => Object.keys(c.credentials).join(', ') || '—' },
            {
              header: 'Webhook',
              cell: (c) => {
                const v = c.webhookVerification;
                if (!v) return <span className="text-xs text-zinc-400">—</span>;
                return v.revealedAt ? (
                  <span className="inline-flex items-center gap-2 text-xs text-zinc-500">
                    <span title={v.revealedAt}>token copied {relativeTime(v.revealedAt)}</span>
                    <Button variant="ghost" onClick={() => reset.mutate(c)} disabled={reset.isPending}>
                      Reset
                    </Button>
                  </span>
                ) : (
                  <Button variant="secondary" onClick={() => reveal.mutate(c)} disabled={reveal.isPending}>
                    Reveal verification token
                  </Button>
                );
              },
            },
            {
              header: 'Checked',
              cell: (c) => <span title={c.checkedAt ?? ''}>{relativeTime(c.checkedAt)}</span>,
            },
            {
              header: '',
              className: 'text-right',
              cell: (c) => (
                <Button variant="secondary" onClick={() => test.mutate(c.id)} disabled={test.isPending}>
                  Test
                </Button>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
