import { Link } from 'react-router';
import { relativeTime } from '../lib/format';
import type { RecordSync } from '../lib/types';

const LOOK: Record<RecordSync['status'], { label: string; className: string }> = {
  synced: {
    label: 'Synced ✓',
    className: 'bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300',
  },
  pending: {
    label: 'Pending',
    className: 'bg-amber-100 text-amber-800 dark:bg-amber-900/40 dark:text-amber-300',
  },
  error: { label: 'Error', className: 'bg-red-100 text-red-800 dark:bg-red-900/40 dark:text-red-300' },
  conflict: {
    label: 'Conflict',
    className: 'bg-violet-100 text-violet-800 hover:underline dark:bg-violet-900/40 dark:text-violet-300',
  },
  unlinked: {
    label: 'Not linked',
    className: 'bg-zinc-100 text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300',
  },
};

function Entry({ entry, named }: { entry: RecordSync; named: boolean }) {
  const look = LOOK[entry.status];
  const className = `inline-flex rounded-full px-2 py-0.5 text-xs font-medium ${look.className}`;
  // The reason rides in the tooltip: a table row has no room for a platform's error message.
  const title = [entry.syncName, entry.error].filter(Boolean).join(': ');
  const times = [
    entry.lastPushedAt ? `pushed ${relativeTime(entry.lastPushedAt)}` : null,
    entry.lastPulledAt ? `pulled ${relativeTime(entry.lastPulledAt)}` : null,
  ].filter(Boolean);
  return (
    <div className="space-y-0.5" data-sync-status={entry.status} data-sync-id={entry.syncId}>
      {named ? <div className="text-xs text-zinc-500">{entry.syncName}</div> : null}
      {entry.status === 'conflict' ? (
        <Link to={`/conflicts?syncId=${entry.syncId}`} className={className} title={title}>
          {look.label}
        </Link>
      ) : (
        <span className={className} title={title}>
          {look.label}
        </span>
      )}
      {times.length > 0 ? <div className="text-xs text-zinc-500">{times.join(' · ')}</div> : null}
    </div>
  );
}

/** Where a record stands in each sync reading its collection; nothing when no sync does. */
export function SyncBadge({ sync }: { sync: readonly RecordSync[] }) {
  if (sync.length === 0) return <span className="text-zinc-500">—</span>;
  return (
    <div className="space-y-1">
      {sync.map((entry) => (
        <Entry key={`${entry.syncId}:${entry.pair}`} entry={entry} named={sync.length > 1} />
      ))}
    </div>
  );
}
