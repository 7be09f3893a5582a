import { useMutation, useQueryClient } from '@tanstack/react-query';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { ManagedByConfigBadge } from '../components/ManagedByConfig';
import { Button, Card, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Connection } from '../lib/types';

export function ConnectionsPage() {
  const queryClient = useQueryClient();
  const list = useCursorList<Connection>(['connections'], '/connections');
  const test = useMutation({
    mutationFn: (id: string) =>
      api<{ ok: boolean; message: string }>(`/connections/${id}/test`, { method: 'POST' }),
    onSuccess: (r) => (r.ok ? toast.success(r.message) : toast.error(r.message)),
    onError: (e) => toast.error(e.message),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['connections'] }),
  });
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Connections</h1>
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
            { header: 'Credentials', cell: (c) => Object.keys(c.credentials).join(', ') || '—' },
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
