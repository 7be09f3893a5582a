/**
 * One row per sync of one social account: trigger (cron, webhook, manual), posts found and synced, status,
 * error and duration. Filters (account, platform, trigger, status) live in the URL; the list refreshes every
 * few seconds so polling and webhook syncs show up without a reload.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useUrlParams } from '../lib/url-params';
import { DataTable, useCursorList } from '../components/DataTable';
import { Card, StatusChip } from '../components/ui';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import type { Page } from '../lib/types';
import type { SocialAccount } from './SocialAccountsPage';

interface SocialSyncLog {
  id: string;
  accountId: string;
  username: string;
  platform: string;
  trigger: string;
  status: 'success' | 'partial' | 'error';
  postsFound: number;
  postsSynced: number;
  errorMessage: string | null;
  durationMs: number;
  startedAt: string;
}

type Filter = 'accountId' | 'platform' | 'trigger' | 'status';

const selectClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900';

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function SocialSyncLogsPage() {
  const [search, setParam] = useUrlParams();
  const params = {
    accountId: search.get('accountId') ?? undefined,
    platform: search.get('platform') ?? undefined,
    trigger: search.get('trigger') ?? undefined,
    status: search.get('status') ?? undefined,
  };
  const list = useCursorList<SocialSyncLog>(['social-sync-logs'], '/social-sync-logs', params);
  const { refetch } = list;
  useEffect(() => {
    const timer = setInterval(() => void refetch(), 5_000);
    return () => clearInterval(timer);
  }, [refetch]);
  const accounts = useQuery({
    queryKey: ['social-accounts', 'all'],
    queryFn: () => api<Page<SocialAccount>>('/social-accounts?limit=200'),
  });

  const setFilter = (name: Filter, value: string) => setParam(name, value);
  const select = (name: Filter, label: string, options: { value: string; label: string }[]) => (
    <label>
      <span className="mb-1 block text-xs text-zinc-500">{label}</span>
      <select
        aria-label={`Filter by ${label.toLowerCase()}`}
        className={selectClass}
        value={search.get(name) ?? ''}
        onChange={(e) => setFilter(name, e.target.value)}
      >
        <option value="">any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
  const plain = (values: string[]) => values.map((v) => ({ value: v, label: v }));

  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Social sync logs</h1>
      <div className="flex flex-wrap items-end gap-3 text-sm">
        {select(
          'accountId',
          'Account',
          (accounts.data?.data ?? []).map((a) => ({ value: a.id, label: `${a.username} (${a.platform})` })),
        )}
        {select('platform', 'Platform', plain(['instagram', 'tiktok']))}
        {select('trigger', 'Trigger', plain(['cron', 'webhook', 'manual']))}
        {select('status', 'Status', plain(['success', 'partial', 'error']))}
      </div>
      <Card>
        <DataTable
          query={list}
          rowKey={(l) => l.id}
          empty={{
            title: 'No syncs match',
            hint: 'Auto-synced accounts are polled every few minutes; clear the filters or sync an account now.',
          }}
          columns={[
            { header: 'When', cell: (l) => <span title={l.startedAt}>{relativeTime(l.startedAt)}</span> },
            { header: 'Account', cell: (l) => `${l.username} (${l.platform})` },
            { header: 'Trigger', cell: (l) => l.trigger },
            {
              header: 'Status',
              cell: (l) => <StatusChip status={l.status === 'error' ? 'failed' : l.status} />,
            },
            { header: 'Posts found', cell: (l) => l.postsFound },
            { header: 'Posts synced', cell: (l) => l.postsSynced },
            { header: 'Duration', cell: (l) => formatMs(l.durationMs) },
            {
              header: 'Error',
              cell: (l) =>
                l.errorMessage ? (
                  <span className="text-xs text-red-700 dark:text-red-400">{l.errorMessage}</span>
                ) : (
                  ''
                ),
            },
          ]}
        />
      </Card>
    </div>
  );
}
