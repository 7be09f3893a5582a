/**
 * The frame around every screen: navigation, organization switcher, theme toggle and sign-out. Screens render
 * in the outlet. Anyone not signed in is sent to /login.
 */
import { useQueryClient } from '@tanstack/react-query';
import { Navigate, NavLink, Outlet, useNavigate } from 'react-router';
import { api, ApiError } from '../lib/api';
import { useMe } from '../lib/session';
import { toggleTheme } from '../lib/theme';
import { Button, Skeleton } from './ui';
import { CommandPalette } from './CommandPalette';
import { NewOrganization } from './NewOrganization';
import { NotificationBell } from './NotificationBell';

export const NAVIGATION = [
  { to: '/', label: 'Overview' },
  { to: '/runs', label: 'Runs' },
  { to: '/syncs', label: 'Syncs' },
  { to: '/conflicts', label: 'Conflicts' },
  { to: '/connections', label: 'Connections' },
  { to: '/sites', label: 'Sites' },
  { to: '/collections', label: 'Collections' },
  { to: '/audit-log', label: 'Audit log' },
  { to: '/api-keys', label: 'API keys' },
  { to: '/members', label: 'Members' },
  { to: '/syndication', label: 'Syndication' },
  { to: '/mappings', label: 'Mappings' },
  { to: '/content', label: 'Content' },
  { to: '/social/accounts', label: 'Social accounts' },
  { to: '/social/sync-logs', label: 'Social sync logs' },
  { to: '/posts', label: 'Synup posts' },
  { to: '/adserver', label: 'Ad server' },
];

export function AppShell() {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  if (me.error instanceof ApiError && me.error.status === 401) return <Navigate to="/login" replace />;
  if (me.isPending) {
    return (
      <div className="p-8">
        <Skeleton rows={4} />
      </div>
    );
  }
  if (me.error) return <p className="p-8 text-red-600">Cannot reach the API: {me.error.message}</p>;

  async function signOut() {
    await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
    queryClient.clear();
    navigate('/login', { replace: true });
  }

  const data = me.data;
  return (
    <div className="flex min-h-screen">
      <nav
        aria-label="Main"
        className="w-56 shrink-0 border-r border-zinc-200 bg-zinc-50 p-3 dark:border-zinc-800 dark:bg-zinc-900"
      >
        <div className="mb-4 px-2 text-base font-semibold">DataSync</div>
        <label className="mb-4 block px-2 text-xs text-zinc-500">
          Organization
          <select
            className="mt-1 block w-full rounded border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-950"
            value={data.organization?.id ?? ''}
            onChange={(e) => {
              localStorage.setItem('datasync.org', e.target.value);
              void queryClient.invalidateQueries();
            }}
          >
            {data.memberships.map((m) => (
              <option key={m.organization.id} value={m.organization.id}>
                {m.organization.name}
              </option>
            ))}
          </select>
        </label>
        {data.user ? (
          <div className="-mt-3 mb-4 px-2">
            <NewOrganization />
          </div>
        ) : null}
        <ul className="space-y-0.5">
          {NAVIGATION.map((item) => (
            <li key={item.to}>
              <NavLink
                to={item.to}
                end={item.to === '/'}
                className={({ isActive }) =>
                  `block rounded px-2 py-1.5 text-sm ${isActive ? 'bg-indigo-50 font-medium text-indigo-700 dark:bg-indigo-950 dark:text-indigo-300' : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'}`
                }
              >
                {item.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="flex items-center justify-end gap-2 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
          <CommandPalette pages={NAVIGATION} />
          <span className="mr-auto text-xs text-zinc-400">Ctrl-K / ⌘K: go to…</span>
          <NotificationBell />
          <span className="text-sm text-zinc-500" data-testid="signed-in-as">
            {data.user?.email ?? 'API key'} · {data.role}
          </span>
          <Button variant="ghost" onClick={() => toggleTheme()} aria-label="Toggle dark mode">
            ◐
          </Button>
          <Button variant="secondary" onClick={() => void signOut()}>
            Sign out
          </Button>
        </header>
        <main className="flex-1 p-6">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
