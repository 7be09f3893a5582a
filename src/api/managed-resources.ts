/**
 * @module Resources declared in `datasync.config.ts` (`managed_by = 'config'`) are changed by `datasync apply`,
 * not by hand: an API edit would be reverted by the next apply, or show up as drift in `plan`. Routes that
 * change or delete such a resource refuse with 409 `managed_by_config` and say where to make the change.
 */
import { DataSyncError } from '../lib/errors.js';

export const CONFIG_MANAGER = 'config';

export function assertNotManagedByConfig(
  resource: { id: string; managedBy: string | null },
  resourceType: 'connection' | 'collection' | 'sync',
): void {
  if (resource.managedBy !== CONFIG_MANAGER) return;
  throw new DataSyncError(
    'managed_by_config',
    `this ${resourceType} is managed by datasync.config.ts and is read-only here: change the file and run \`datasync apply\``,
    { details: { resourceType, id: resource.id, managedBy: CONFIG_MANAGER } },
  );
}
