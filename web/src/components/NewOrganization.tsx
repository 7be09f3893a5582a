/**
 * "New organization" under the switcher: a person creates a tenant (they become its owner) and the UI switches
 * to it. API keys cannot create organizations, so it is shown to people only.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { toast } from 'sonner';
import { api } from '../lib/api';
import { Button } from './ui';

export function NewOrganization() {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (orgName: string) =>
      api<{ organization: { id: string; name: string } }>('/organizations', {
        method: 'POST',
        body: { name: orgName },
      }),
    onSuccess: (r) => {
      localStorage.setItem('datasync.org', r.organization.id);
      toast.success(`Created ${r.organization.name}: you are its owner`);
      setOpen(false);
      setName('');
      void queryClient.invalidateQueries();
    },
    onError: (e) => toast.error(e.message),
  });
  if (!open) {
    return (
      <button
        type="button"
        className="mt-1 text-xs text-indigo-600 hover:underline dark:text-indigo-400"
        onClick={() => setOpen(true)}
      >
        + New organization
      </button>
    );
  }
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate(name.trim());
  };
  return (
    <form onSubmit={submit} className="mt-1 space-y-1" aria-label="New organization">
      <input
        aria-label="Organization name"
        className="block w-full rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
        value={name}
        onChange={(e) => setName(e.target.value)}
        maxLength={200}
        autoFocus
      />
      <div className="flex gap-1">
        <Button type="submit" disabled={create.isPending || !name.trim()}>
          Create
        </Button>
        <Button variant="ghost" type="button" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
