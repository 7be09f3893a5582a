/**
 * @module CRM search (developers.hubspot.com/docs/api/crm/search): `filterGroups` (OR of groups, AND within;
 * at most 5 groups, 6 filters per group, 18 in all), operators EQ NEQ LT LTE GT GTE BETWEEN IN NOT_IN
 * HAS_PROPERTY NOT_HAS_PROPERTY CONTAINS_TOKEN NOT_CONTAINS_TOKEN, one sort, `limit` up to 200 (default 10),
 * `after` as an offset, `total` in the answer, and no paging past 10,000 results (400, as the docs and AWS's
 * connector notes state). Date properties compare as instants (values in epoch ms or ISO), numbers
 * numerically, text case-insensitively. Choice (docs silent): without sorts, results come in id order.
 */
import { SimHttpError } from '../kit/platform-error.js';
import { validation } from './hubspot-errors.js';
import { allProperties, objectJson, type CrmObject, type ObjectType } from './hubspot-state.js';

export const SEARCH_MAX_LIMIT = 200;
export const SEARCH_MAX_RESULTS = 10_000;

interface Filter {
  propertyName?: unknown;
  operator?: unknown;
  value?: unknown;
  highValue?: unknown;
  values?: unknown;
}

const fail = (message: string) => new SimHttpError(validation(message));

export function search(type: ObjectType, body: Record<string, unknown>) {
  const limit = body.limit === undefined ? 10 : body.limit;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > SEARCH_MAX_LIMIT)
    throw fail(`limit must be between 1 and ${SEARCH_MAX_LIMIT}`);
  const offset = body.after === undefined ? 0 : Number(body.after);
  if (!Number.isInteger(offset) || offset < 0) throw fail('after must be a non-negative integer offset');
  if (offset + limit > SEARCH_MAX_RESULTS)
    throw fail(
      `Search results are limited to ${SEARCH_MAX_RESULTS} per query; narrow the filters to page further`,
    );
  const groups = (body.filterGroups ?? []) as { filters?: Filter[] }[];
  if (!Array.isArray(groups) || groups.length > 5) throw fail('At most 5 filterGroups are allowed');
  let total = 0;
  for (const g of groups) {
    if (!Array.isArray(g?.filters) || g.filters.length > 6)
      throw fail('Each filterGroup must have 1 to 6 filters');
    total += g.filters.length;
  }
  if (total > 18) throw fail('At most 18 filters are allowed in all');
  const tests = groups.map((g) => g.filters!.map((f) => compile(type, f)));
  const matches = (o: CrmObject) => tests.length === 0 || tests.some((group) => group.every((t) => t(o)));

  const sorts = (body.sorts ?? []) as { propertyName?: string; direction?: string }[];
  if (!Array.isArray(sorts) || sorts.length > 1) throw fail('At most one sort is allowed');
  let rows = type.store.values().filter((o) => !o.archived && matches(o));
  const sort = sorts[0];
  if (sort) {
    const dir = sort.direction === 'DESCENDING' ? -1 : 1;
    const name = String(sort.propertyName);
    rows = [...rows].sort((a, b) => {
      const x = comparable(type, name, allProperties(type, a)[name]);
      const y = comparable(type, name, allProperties(type, b)[name]);
      if (x === y) return Number(a.id) - Number(b.id);
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (x < y ? -1 : 1) * dir;
    });
  }
  const properties = Array.isArray(body.properties) ? (body.properties as string[]) : undefined;
  const page = rows.slice(offset, offset + limit);
  const next = offset + page.length;
  return {
    total: rows.length,
    results: page.map((o) => objectJson(type, o, properties)),
    ...(next < rows.length ? { paging: { next: { after: String(next) } } } : {}),
  };
}

function comparable(type: ObjectType, name: string, raw: unknown): string | number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const s = String(raw);
  if (type.dateProperties.includes(name)) return /^\d+$/.test(s) ? Number(s) : Date.parse(s);
  if (type.numberProperties.includes(name)) return Number(s);
  return s.toLowerCase();
}

function compile(type: ObjectType, f: Filter): (o: CrmObject) => boolean {
  if (typeof f?.propertyName !== 'string' || typeof f.operator !== 'string')
    throw fail('Each filter needs a propertyName and an operator');
  const name = f.propertyName;
  const get = (o: CrmObject) => comparable(type, name, allProperties(type, o)[name]);
  const value = comparable(type, name, f.value);
  switch (f.operator) {
    case 'EQ':
      return (o) => get(o) === value;
    case 'NEQ':
      return (o) => get(o) !== value;
    case 'LT':
      return (o) => get(o) !== undefined && value !== undefined && get(o)! < value;
    case 'LTE':
      return (o) => get(o) !== undefined && value !== undefined && get(o)! <= value;
    case 'GT':
      return (o) => get(o) !== undefined && value !== undefined && get(o)! > value;
    case 'GTE':
      return (o) => get(o) !== undefined && value !== undefined && get(o)! >= value;
    case 'BETWEEN': {
      const high = comparable(type, name, f.highValue);
      return (o) => get(o) !== undefined && get(o)! >= value! && get(o)! <= high!;
    }
    case 'IN':
    case 'NOT_IN': {
      if (!Array.isArray(f.values)) throw fail(`${f.operator} needs values`);
      const set = f.values.map((v) => comparable(type, name, v));
      return f.operator === 'IN' ? (o) => set.includes(get(o)) : (o) => !set.includes(get(o));
    }
    case 'HAS_PROPERTY':
      return (o) => get(o) !== undefined;
    case 'NOT_HAS_PROPERTY':
      return (o) => get(o) === undefined;
    case 'CONTAINS_TOKEN':
      return (o) => String(get(o) ?? '').includes(String(value ?? '').replace(/\*/g, ''));
    case 'NOT_CONTAINS_TOKEN':
      return (o) => !String(get(o) ?? '').includes(String(value ?? '').replace(/\*/g, ''));
    default:
      throw fail(`Unknown operator ${f.operator}`);
  }
}
