import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { OnceSecret } from '../components/OnceSecret';
import { RoleSelect } from '../components/RoleSelect';
import { Button, Card, Field } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { ApiKey, CreatedApiKey } from '../lib/types';

export function ApiKeysPage() {
  const queryClient = useQueryClient();
  const list = useCursorList<ApiKey>(['api-keys'], '/api-keys');
  const [shown, setShown] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
  const create = useMutation({
    mutationFn: (body: { name: string; role: string }) =>
      api<CreatedApiKey>('/api-keys', { method: 'POST', body }),
    onSuccess: (r) => {
      setShown(r.key);
      refresh();
    },
    onError: (e) => toast.error(e.message),
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api(`/api-keys/${id}`, { method: 'DELETE' }),
    onSuccess: () => {
      toast.success('Key revoked');
      refresh();
    },
    onError: (e) => toast.error(e.message),
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({ name: String(form.get('name')), role: String(form.get('role')) });
    event.currentTarget.reset();
  }

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">API keys</h1>
      <Card title="New key">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <div className="w-64">
            <Field label="Name" name="name" required maxLength={200} />
          </div>
          <label className="text-sm">
            <span className="mb-1 block font-medium">Role</span>
            <RoleSelect name="role" defaultValue="viewer" />
          </label>
          <Button type="submit" disabled={create.isPending}>
            Create key
          </Button>
        </form>
        {shown ? (
          <div className="mt-3">
            <OnceSecret label="Your new API key" value={shown} onDone={() => setShown(null)} />
          </div>
        ) : null}
      </Card>
      <Card>
        <DataTable
          query={list}
          rowKey={(k) => k.id}
          empty={{ title: 'No API keys', hint: 'Create a key for scripts and CI; it is shown once.' }}
          columns={[
            { header: 'Name', cell: (k) => <span className="font-medium">{k.name}</span> },
            { header: 'Prefix', cell: (k) => <code className="font-mono text-xs">{k.prefix}…</code> },
            { header: 'Role', cell: (k) => k.role },
            { header: 'Last used', cell: (k) => relativeTime(k.lastUsedAt) },
            {
              header: 'Status',
              cell: (k) => (k.revokedAt ? `revoked ${relativeTime(k.revokedAt)}` : 'active'),
            },
            {
              header: '',
              className: 'text-right',
              cell: (k) =>
                k.revokedAt ? null : (
                  <Button variant="danger" onClick={() => revoke.mutate(k.id)}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
