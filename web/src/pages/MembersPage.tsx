import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { RoleSelect } from '../components/RoleSelect';
import { Button, Card, Field } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Member } from '../lib/types';

export function MembersPage() {
  const queryClient = useQueryClient();
  const list = useCursorList<Member>(['members'], '/members');
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['members'] });
  const onError = (e: Error) => toast.error(e.message);
  const add = useMutation({
    mutationFn: (body: Record<string, string>) => api('/members', { method: 'POST', body }),
    onSuccess: () => {
      toast.success('Member added');
      refresh();
    },
    onError,
  });
  const setRole = useMutation({
    mutationFn: ({ id, role }: { id: string; role: string }) =>
      api(`/members/${id}`, { method: 'PATCH', body: { role } }),
    onSuccess: refresh,
    onError,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api(`/members/${id}`, { method: 'DELETE' }),
    onSuccess: refresh,
    onError,
  });

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body: Record<string, string> = { email: String(form.get('email')), role: String(form.get('role')) };
    const password = String(form.get('password') ?? '');
    if (password) body.password = password;
    add.mutate(body);
    event.currentTarget.reset();
  }

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Members</h1>
      <Card title="Add a member">
        <form onSubmit={submit} className="flex flex-wrap items-end gap-3">
          <div className="w-64">
            <Field label="Email" name="email" type="email" required />
          </div>
          <div className="w-56">
            <Field label="Initial password (new accounts)" name="password" type="password" minLength={12} />
          </div>
          <label className="text-sm">
            <span className="mb-1 block font-medium">Role</span>
            <RoleSelect name="role" defaultValue="viewer" />
          </label>
          <Button type="submit" disabled={add.isPending}>
            Add
          </Button>
        </form>
      </Card>
      <Card>
        <DataTable
          query={list}
          rowKey={(m) => m.id}
          empty={{ title: 'No members', hint: 'Add the people who run your syncs.' }}
          columns={[
            { header: 'Name', cell: (m) => <span className="font-medium">{m.name}</span> },
            { header: 'Email', cell: (m) => m.email },
            {
              header: 'Role',
              cell: (m) => (
                <RoleSelect
                  aria-label={`Role of ${m.email}`}
                  value={m.role}
                  onChange={(e) => setRole.mutate({ id: m.id, role: e.target.value })}
                  className="rounded border border-zinc-300 bg-white px-1 py-0.5 dark:border-zinc-700 dark:bg-zinc-900"
                />
              ),
            },
            { header: 'Joined', cell: (m) => relativeTime(m.joinedAt) },
            {
              header: '',
              className: 'text-right',
              cell: (m) => (
                <Button variant="ghost" onClick={() => remove.mutate(m.id)}>
                  Remove
                </Button>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
