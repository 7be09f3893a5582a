import { Card, EmptyState } from '../components/ui';
import { useMe } from '../lib/session';

export function OverviewPage() {
  const me = useMe();
  return (
    <div className="space-y-4">
      <h1 className="text-xl font-semibold">{me.data?.organization?.name ?? 'Overview'}</h1>
      <Card title="Health">
        <EmptyState title="No syncs yet" hint="Connect a platform under Connections, then create a sync." />
      </Card>
    </div>
  );
}
