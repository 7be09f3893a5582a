/**
 * @module What an ad server entity is, from its link (pure): `local` (never exported), `exporting` (a create was
 * sent and not yet confirmed), `failed` (the last export failed: category + message), `waiting` (a parent is not
 * on the server yet), `synced` (exported from here) or `from_server` (imported).
 */

export type EntityState = 'local' | 'exporting' | 'failed' | 'waiting' | 'synced' | 'from_server';
export type FailureCategory = 'network' | 'auth' | 'validation' | 'conflict' | 'quota';

export interface LinkState {
  bId: string | null;
  status: string | null;
  error: string | null;
  lastPushedAt: string | null;
}

export interface EntityStatus {
  state: EntityState;
  /** The platform's id once it is on the server. */
  serverId: string | null;
  category: FailureCategory | null;
  reason: string | null;
}

/** The engine writes a failed write as `<connector error kind>: <message>`. */
const CATEGORY_BY_KIND: Record<string, FailureCategory> = {
  network: 'network',
  server: 'network',
  auth: 'auth',
  validation: 'validation',
  not_found: 'validation',
  conflict: 'conflict',
  rate_limited: 'quota',
};

export function entityStatus(link: LinkState | null): EntityStatus {
  const none = { category: null, reason: null };
  if (!link || link.status === null) return { state: 'local', serverId: null, ...none };
  if (link.bId !== null) {
    return { state: link.lastPushedAt ? 'synced' : 'from_server', serverId: link.bId, ...none };
  }
  if (link.status === 'pending_create_b' || link.status === 'unverified') {
    return { state: 'exporting', serverId: null, category: null, reason: link.error };
  }
  if (link.error) {
    const kind = /^([a-z_]+): /.exec(link.error)?.[1];
    const category = kind ? CATEGORY_BY_KIND[kind] : undefined;
    if (category)
      return { state: 'failed', serverId: null, category, reason: link.error.slice(kind!.length + 2) };
    return { state: 'waiting', serverId: null, category: null, reason: link.error };
  }
  return { state: 'local', serverId: null, ...none };
}
