/**
 * @module The difference between a config file and the database, as a list of changes (pure). Only resources the
 * file names or that an earlier apply created (managed) are considered; everything made by hand and not named in
 * the file is left alone. A same-named resource made by hand is adopted.
 */
import { canonicalJson } from '../lib/checksum.js';

export type ResourceKind = 'connection' | 'collection' | 'sync';
export type ChangeAction = 'create' | 'update' | 'delete' | 'adopt';

export interface Change {
  kind: ResourceKind;
  name: string;
  action: ChangeAction;
  /** Field names that differ (never values: credentials may be among them). */
  fields: string[];
}

/** A resource as the planner compares it: comparable fields only, credentials as opaque digests. */
export interface Comparable {
  name: string;
  managed: boolean;
  fields: Record<string, unknown>;
}

export function planChanges(kind: ResourceKind, desired: Comparable[], current: Comparable[]): Change[] {
  const byName = new Map(current.map((c) => [c.name, c]));
  const changes: Change[] = [];
  for (const want of desired) {
    const have = byName.get(want.name);
    if (!have) {
      changes.push({ kind, name: want.name, action: 'create', fields: Object.keys(want.fields).sort() });
      continue;
    }
    const fields = Object.keys(want.fields)
      .filter((f) => canonicalJson(want.fields[f]) !== canonicalJson(have.fields[f]))
      .sort();
    if (!have.managed) changes.push({ kind, name: want.name, action: 'adopt', fields });
    else if (fields.length > 0) changes.push({ kind, name: want.name, action: 'update', fields });
  }
  const wanted = new Set(desired.map((d) => d.name));
  for (const have of current) {
    if (have.managed && !wanted.has(have.name))
      changes.push({ kind, name: have.name, action: 'delete', fields: [] });
  }
  return changes;
}

export function formatChanges(changes: Change[]): string {
  if (changes.length === 0) return 'no changes: the database matches the config';
  const sign: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', adopt: '*' };
  return changes
    .map(
      (c) =>
        `${sign[c.action]} ${c.kind} ${c.name}${c.fields.length ? ` (${c.fields.join(', ')})` : ''}${c.action === 'adopt' ? ' [adopt]' : ''}`,
    )
    .join('\n');
}
