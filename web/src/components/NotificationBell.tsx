/**
 * The bell in the shell's header: the number of open notifications (e.g. a sync paused after repeated
 * failures) as a badge, polled every 15 s, and a panel listing the latest with Acknowledge and a link to
 * what they are about.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { toast } from 'sonner';
import type { components } from '../../../src/client/schema';
import { api } from '../lib/api';
import { relativeTime } from '../lib/format';
import { Button, StatusChip } from './ui';

type Notification = components['schemas']['Notification'];

function linkFor(n: Notification): string {
  return n.resourceType === 'sync' ? `/runs?syncId=${n.resourceId}` : '/';
}

export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const queryClient = useQueryClient();
  const list = useQuery({
    queryKey: ['notifications'],
    queryFn: () => api<{ data: Notification[]; openCount: number }>('/notifications?limit=10'),
    refetchInterval: 15_000,
  });
  const acknowledge = useMutation({
    mutationFn: (id: string) => api<Notification>(`/notifications/${id}/acknowledge`, { method: 'POST' }),
    onSuccess: () => toast.success('Acknowledged'),
    onError: (e) => toast.error(e.message),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  const count = list.data?.openCount ?? 0;
  return (
    <div className="relative">
      <Button
        variant="ghost"
        aria-label={`Notifications (${count} open)`}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        {/* An inline bell: headless and minimal systems have no emoji font. */}
        <svg aria-hidden viewBox="0 0 20 20" width="16" height="16" className="fill-current">
          <path d="M10 2a5 5 0 0 0-5 5v3.6L3.3 13.4A1 1 0 0 0 4.1 15h11.8a1 1 0 0 0 .8-1.6L15 10.6V7a5 5 0 0 0-5-5Zm0 16a2.5 2.5 0 0 0 2.4-2h-4.8A2.5 2.5 0 0 0 10 18Z" />
        </svg>
        {count > 0 ? (
          <span
            data-testid="notification-badge"
            className="rounded-full bg-red-600 px-1.5 text-xs font-semibold text-white tabular-nums"
          >
            {count}
          </span>
        ) : null}
      </Button>
      {open ? (
        <div
          role="dialog"
          aria-label="Notifications"
          className="absolute right-0 z-20 mt-2 w-96 rounded-lg border border-zinc-200 bg-white p-2 shadow-lg dark:border-zinc-800 dark:bg-zinc-900"
        >
          {list.data?.data.length ? (
            <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {list.data.data.map((n) => (
                <li key={n.id} className="space-y-1 p-2 text-sm">
                  <div className="flex items-start justify-between gap-2">
                    <Link
                      to={linkFor(n)}
                      className="font-medium hover:underline"
                      onClick={() => setOpen(false)}
                    >
                      {n.title}
                    </Link>
                    <StatusChip status={n.status === 'open' ? 'action_required' : n.status} />
                  </div>
                  <p className="text-xs text-zinc-500">
                    {n.message}
                    {n.occurrences > 1 ? ` · ${n.occurrences} times` : ''} · {relativeTime(n.updatedAt)}
                  </p>
                  {n.status === 'open' ? (
                    <Button
                      variant="secondary"
                      onClick={() => acknowledge.mutate(n.id)}
                      disabled={acknowledge.isPending}
                    >
                      Acknowledge
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="p-3 text-sm text-zinc-500">Nothing needs your attention.</p>
          )}
        </div>
      ) : null}
    </div>
  );
}
