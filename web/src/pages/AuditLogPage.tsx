import { DataTable, useCursorList } from '../components/DataTable';
import { Card } from '../components/ui';
import { relativeTime } from '../lib/format';
import type { AuditEntry } from '../lib/types';
import { useUrlParams } from '../lib/url-params';

/** Filters live in the URL so a view can be shared and survives a reload. */
export function AuditLogPage() {
  const [search, setFilter] = useUrlParams({ replace: true });
  const filters = {
    action: search.get('action') ?? undefined,
    resourceType: search.get('resourceType') ?? undefined,
  };
  const list = useCursorList<AuditEntry>(['audit-log'], '/audit-log', filters);
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">Audit log</h1>
      <div className="flex gap-3">
        {(['action', 'resourceType'] as const).map((key) => (
          <input
            key={key}
            aria-label={`Filter by ${key}`}
            placeholder={key === 'action' ? 'action, e.g. site.created' : 'resource type'}
            defaultValue={filters[key] ?? ''}
            onKeyDown={(e) => e.key === 'Enter' && setFilter(key, e.currentTarget.value.trim())}
            className="w-64 rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
          />
        ))}
      </div>
      <Card>
        <DataTable
          query={list}
          rowKey={(e) => e.id}
          empty={{
            title: 'Nothing recorded',
            hint: 'Changes made by people, keys and the system appear here.',
          }}
          columns={[
            { header: 'When', cell: (e) => <span title={e.createdAt}>{relativeTime(e.createdAt)}</span> },
            { header: 'Actor', cell: (e) => `${e.actorType}${e.actorId ? ` ${e.actorId}` : ''}` },
            { header: 'Action', cell: (e) => <code className="font-mono text-xs">{e.action}</code> },
            { header: 'Resource', cell: (e) => `${e.resourceType}${e.resourceId ? ` ${e.resourceId}` : ''}` },
            { header: 'IP', cell: (e) => e.ip ?? '—' },
          ]}
        />
      </Card>
    </div>
  );
}
