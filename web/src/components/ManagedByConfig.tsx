/**
 * The mark on a resource declared in datasync.config.ts: the API refuses edits to it (409 managed_by_config),
 * so the UI says so up front and points to where the change belongs.
 */
export const MANAGED_NOTE =
  'Managed by datasync.config.ts: read-only here. Change the file and run `datasync apply`.';

export function isManagedByConfig(resource: { managedBy: string | null }): boolean {
  return resource.managedBy === 'config';
}

export function ManagedByConfigBadge({ resource }: { resource: { managedBy: string | null } }) {
  if (!isManagedByConfig(resource)) return null;
  return (
    <span
      className="ml-2 inline-flex rounded bg-violet-100 px-1.5 py-0.5 text-xs font-medium text-violet-800 dark:bg-violet-900/40 dark:text-violet-300"
      title={MANAGED_NOTE}
      data-testid="managed-by-config"
    >
      config · read-only
    </span>
  );
}
