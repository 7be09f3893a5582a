/**
 * @module The field-level difference between two versions of a content item (pure). Fields are compared by
 * value (deep; object key order does not count, as jsonb reorders keys), in the content type's field order first, then any other keys alphabetically,
 * so the same two versions always diff the same way. The status is compared as the pseudo-field `$status`.
 */
import { isDeepStrictEqual } from 'node:util';

export type FieldChangeKind = 'added' | 'removed' | 'changed';

export interface FieldChange {
  field: string;
  change: FieldChangeKind;
  before?: unknown;
  after?: unknown;
}

export interface VersionSide {
  status: string;
  data: Record<string, unknown>;
}

export function diffVersions(
  from: VersionSide,
  to: VersionSide,
  fieldOrder: readonly string[] = [],
): FieldChange[] {
  const changes: FieldChange[] = [];
  if (from.status !== to.status) {
    changes.push({ field: '$status', change: 'changed', before: from.status, after: to.status });
  }
  const known = new Set(fieldOrder);
  const others = [...new Set([...Object.keys(from.data), ...Object.keys(to.data)])]
    .filter((k) => !known.has(k))
    .sort();
  for (const field of [...fieldOrder, ...others]) {
    const had = Object.hasOwn(from.data, field) && from.data[field] !== undefined;
    const has = Object.hasOwn(to.data, field) && to.data[field] !== undefined;
    if (!had && !has) continue;
    if (!had) changes.push({ field, change: 'added', after: to.data[field] });
    else if (!has) changes.push({ field, change: 'removed', before: from.data[field] });
    else if (!isDeepStrictEqual(from.data[field], to.data[field])) {
      changes.push({ field, change: 'changed', before: from.data[field], after: to.data[field] });
    }
  }
  return changes;
}
