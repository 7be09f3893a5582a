/**
 * Instagram and TikTok accounts kept in sync automatically: each row shows whether auto-sync is on (badge), a
 * toggle that says what it did in a toast, the last automatic sync and its result, and a "Sync now". Accounts
 * whose token refresh failed show why; reconnecting them (a new token) clears the mark.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import { DataTable, useCursorList } from '../components/DataTable';
import { Button, Card, Field, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Page } from '../lib/types';

export interface SocialAccount {
  id: string;
  connectionId: string;
  platform: 'instagram' | 'tiktok';
  platformUserId: string;
  username: string;
  autoSync: boolean;
  isActive: boolean;
  problem: string | null;
  tokenExpiresAt: string | null;
  lastSyncAt: string | null;
  lastAutoSyncAt: string | null;
  lastSyncStatus: 'success' | 'partial' | 'error' | null;
  lastSyncError: string | null;
}

interface SyncResult {
  status: string;
  postsFound: number;
  postsSynced: number;
  error: string | null;
}

interface ConnectionRow {
  id: string;
  name: string;
  connector: string;
}

const selectClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900';

function ConnectAccount() {
  const queryClient = useQueryClient();
  const connections = useQuery({
    queryKey: ['connections', 'social'],
    queryFn: async () => {
      const [ig, tt] = await Promise.all([
        api<Page<ConnectionRow>>('/connections?connector=instagram&limit=200'),
        api<Page<ConnectionRow>>('/connections?connector=tiktok&limit=200'),
      ]);
      return [...ig.data, ...tt.data];
    },
  });
  const [connectionId, setConnectionId] = useState('');
  const [accessToken, setAccessToken] = useState('');
  const connect = useMutation({
    mutationFn: () =>
      api<SocialAccount>('/social-accounts', {
        method: 'POST',
        body: { connectionId, accessToken },
      }),
    onSuccess: (a) => {
      toast.success(`Connected @${a.username}: auto-sync is on`);
      setAccessToken('');
      void queryClient.invalidateQueries({ queryKey: ['social-accounts'] });
    },
    onError: (e) => toast.error(e.message),
  });
  const oauth = useMutation({
    mutationFn: () =>
      api<{ url: string }>('/social-accounts/authorize-url', {
        method: 'POST',
        body: {
          connectionId,
          redirectUri: `${window.location.origin}/social/accounts`,
          state: connectionId,
        },
      }),
    onSuccess: ({ url }) => window.location.assign(url),
    onError: (e) => toast.error(e.message),
  });
  const chosen = connections.data?.find((c) => c.id === connectionId);
  if (!connections.data?.length) return null;
  return (
    <Card title="Connect an account">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          connect.mutate();
        }}
      >
        <label className="text-sm">
          <span className="mb-1 block font-medium text-zinc-700 dark:text-zinc-300">Connection</span>
          <select
            aria-label="Connection"
            className={selectClass}
            value={connectionId}
            onChange={(e) => setConnectionId(e.target.value)}
          >
            <option value="">choose…</option>
            {connections.data.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name} ({c.connector})
              </option>
            ))}
          </select>
        </label>
        <div className="min-w-72">
          <Field
            label="Access token"
            type="password"
            autoComplete="off"
            value={accessToken}
            onChange={(e) => setAccessToken(e.target.value)}
          />
        </div>
        <Button type="submit" disabled={!connectionId || !accessToken || connect.isPending}>
          Connect
        </Button>
        {chosen?.connector === 'tiktok' ? (
          <Button type="button" variant="secondary" onClick={() => oauth.mutate()}>
            Sign in with TikTok
          </Button>
        ) : null}
      </form>
    </Card>
  );
}

/** Back from TikTok's authorization page with `?code&state`: exchange the code once. */
function useOAuthReturn() {
  const queryClient = useQueryClient();
  const params = new URLSearchParams(window.location.search);
  const code = params.get('code');
  const state = params.get('state');
  useQuery({
    queryKey: ['social-oauth', code],
    enabled: Boolean(code && state),
    retry: false,
    queryFn: async () => {
      window.history.replaceState(null, '', window.location.pathname);
      try {
        const a = await api<SocialAccount>('/social-accounts', {
          method: 'POST',
          body: { connectionId: state, code, redirectUri: `${window.location.origin}/social/accounts` },
        });
        toast.success(`Connected ${a.username}: auto-sync is on`);
        void queryClient.invalidateQueries({ queryKey: ['social-accounts'] });
      } catch (e) {
        toast.error((e as Error).message);
      }
      return true;
    },
  });
}

export function SocialAccountsPage() {
  const queryClient = useQueryClient();
  useOAuthReturn();
  const list = useCursorList<SocialAccount>(['social-accounts'], '/social-accounts');
  const settings = useQuery({
    queryKey: ['social-settings'],
    queryFn: () => api<{ pollMinutes: number }>('/social-settings'),
  });
  const toggle = useMutation({
    mutationFn: (a: SocialAccount) =>
      api<SocialAccount>(`/social-accounts/${a.id}`, { method: 'PATCH', body: { autoSync: !a.autoSync } }),
    onSuccess: (a) => {
      toast.success(a.autoSync ? `Auto-sync on for ${a.username}` : `Auto-sync off for ${a.username}`);
      void queryClient.invalidateQueries({ queryKey: ['social-accounts'] });
    },
    onError: (e) => toast.error(e.message),
  });
  const syncNow = useMutation({
    mutationFn: (a: SocialAccount) => api<SyncResult>(`/social-accounts/${a.id}/sync`, { method: 'POST' }),
    onSuccess: (r) => {
      if (r.status === 'error') toast.error(`Sync failed: ${r.error ?? 'unknown error'}`);
      else toast.success(`Synced: ${r.postsFound} posts read, ${r.postsSynced} new or changed`);
      void queryClient.invalidateQueries({ queryKey: ['social-accounts'] });
      void queryClient.invalidateQueries({ queryKey: ['social-sync-logs'] });
    },
    onError: (e) => toast.error(e.message),
  });

  return (
    <div className="space-y-4">
      <div className="flex items-center justify-between">
        <h1 className="text-xl font-semibold">Social accounts</h1>
        <span className="text-sm text-zinc-500">
          {settings.data ? `Polled every ${settings.data.pollMinutes} min · ` : null}
          <Link className="text-indigo-600 hover:underline dark:text-indigo-400" to="/social/sync-logs">
            Sync logs
          </Link>
        </span>
      </div>
      <ConnectAccount />
      <Card>
        <DataTable
          query={list}
          rowKey={(a) => a.id}
          empty={{
            title: 'No social accounts yet',
            hint: 'Create an instagram or tiktok connection, then connect an account with its token.',
          }}
          columns={[
            {
              header: 'Account',
              cell: (a) => (
                <div>
                  <div className="font-medium">{a.username}</div>
                  <div className="text-xs text-zinc-500">{a.platform}</div>
                </div>
              ),
            },
            {
              header: 'Auto-sync',
              cell: (a) => (
                <div className="flex items-center gap-2">
                  {a.autoSync ? (
                    <span
                      className="inline-flex rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300"
                      data-testid="auto-sync-badge"
                    >
                      Auto-sync on
                    </span>
                  ) : null}
                  <button
                    type="button"
                    role="switch"
                    aria-checked={a.autoSync}
                    aria-label={`Auto-sync for ${a.username}`}
                    disabled={toggle.isPending}
                    onClick={() => toggle.mutate(a)}
                    className={`relative inline-flex h-5 w-9 items-center rounded-full transition ${a.autoSync ? 'bg-indigo-600' : 'bg-zinc-300 dark:bg-zinc-700'}`}
                  >
                    <span
                      className={`inline-block h-4 w-4 rounded-full bg-white shadow transition ${a.autoSync ? 'translate-x-4' : 'translate-x-0.5'}`}
                    />
                  </button>
                </div>
              ),
            },
            {
              header: 'Last automatic sync',
              cell: (a) =>
                a.lastAutoSyncAt ? (
                  <span title={a.lastAutoSyncAt}>{relativeTime(a.lastAutoSyncAt)}</span>
                ) : (
                  <span className="text-zinc-500">never</span>
                ),
            },
            {
              header: 'Result',
              cell: (a) =>
                a.problem ? (
                  <span className="text-sm text-red-700 dark:text-red-400" title={a.problem}>
                    needs reconnecting
                  </span>
                ) : a.lastSyncStatus ? (
                  <span title={a.lastSyncError ?? undefined}>
                    <StatusChip status={a.lastSyncStatus === 'error' ? 'failed' : a.lastSyncStatus} />
                  </span>
                ) : (
                  '—'
                ),
            },
            {
              header: '',
              cell: (a) => (
                <Button variant="secondary" disabled={syncNow.isPending} onClick={() => syncNow.mutate(a)}>
                  Sync now
                </Button>
              ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
