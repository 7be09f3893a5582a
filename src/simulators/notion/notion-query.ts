/**
 * @module Database/data-source query (developers.notion.com/reference/post-database-query,
 * post-database-query-filter, pagination): `filter` (timestamp filters on created_time/last_edited_time,
 * property filters for title/rich_text/select/number/checkbox, `and`/`or`), `sorts`, `start_cursor`,
 * `page_size` (default 100, maximum 100). Archived pages are not returned.
 *
 * Choices (docs silent): with no `sorts`, pages come in creation order; cursors are opaque tokens that resume
 * strictly after the last returned page in the query's order; an over-limit page_size or a foreign cursor is a
 * 400 validation_error.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { StoredRecord } from '../kit/sim-store.js';
import { validationError } from './notion-errors.js';
import type { NotionDatabase, NotionPage } from './notion-state.js';

export const MAX_PAGE_SIZE = 100;

type Pred = (page: NotionPage) => boolean;
const fail = (message: string) => new SimHttpError(validationError(message));

function dateMs(value: unknown, path: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw fail(`body failed validation: ${path} should be a valid ISO 8601 date string.`);
  return ms;
}

function dateCondition(cond: Record<string, unknown>, path: string): (ms: number) => boolean {
  const [op, value] = Object.entries(cond)[0] ?? [];
  switch (op) {
    case 'after':
      return (ms) => ms > dateMs(value, `${path}.after`);
    case 'before':
      return (ms) => ms < dateMs(value, `${path}.before`);
    case 'on_or_after':
      return (ms) => ms >= dateMs(value, `${path}.on_or_after`);
    case 'on_or_before':
      return (ms) => ms <= dateMs(value, `${path}.on_or_before`);
    case 'equals':
      return (ms) => ms === dateMs(value, `${path}.equals`);
    default:
      throw fail(`body failed validation: ${path} has an unsupported condition ${String(op)}.`);
  }
}

export function compileFilter(db: NotionDatabase, filter: unknown, path = 'body.filter'): Pred {
  if (typeof filter !== 'object' || filter === null)
    throw fail(`body failed validation: ${path} should be an object.`);
  const f = filter as Record<string, unknown>;
  if (Array.isArray(f.and)) {
    const parts = f.and.map((x, i) => compileFilter(db, x, `${path}.and[${i}]`));
    return (p) => parts.every((q) => q(p));
  }
  if (Array.isArray(f.or)) {
    const parts = f.or.map((x, i) => compileFilter(db, x, `${path}.or[${i}]`));
    return (p) => parts.some((q) => q(p));
  }
  if (f.timestamp === 'last_edited_time' || f.timestamp === 'created_time') {
    const cond = f[f.timestamp] as Record<string, unknown> | undefined;
    if (!cond) throw fail(`body failed validation: ${path}.${f.timestamp} should be defined.`);
    const test = dateCondition(cond, `${path}.${f.timestamp}`);
    return f.timestamp === 'created_time' ? (p) => test(p.createdMs) : (p) => test(p.lastEditedMs);
  }
  if (typeof f.property === 'string') {
    const prop = db.properties.find((p) => p.name === f.property || p.id === f.property);
    if (!prop) throw fail(`Could not find property with name or id: ${f.property}`);
    const cond = f[prop.type] as Record<string, unknown> | undefined;
    if (!cond || typeof cond !== 'object')
      throw fail(
        `body failed validation: ${path}.${prop.type} should be defined, instead was \`undefined\`.`,
      );
    const [op, arg] = Object.entries(cond)[0] ?? [];
    const get = (p: NotionPage) => p.props[prop.name] ?? null;
    const empty = (v: unknown) => v === null || v === '' || v === undefined;
    switch (op) {
      case 'equals':
        return (p) => get(p) === arg || (prop.type === 'checkbox' && arg === false && get(p) === null);
      case 'does_not_equal':
        return (p) => get(p) !== arg;
      case 'contains':
        return (p) => String(get(p) ?? '').includes(String(arg));
      case 'does_not_contain':
        return (p) => !String(get(p) ?? '').includes(String(arg));
      case 'starts_with':
        return (p) => String(get(p) ?? '').startsWith(String(arg));
      case 'ends_with':
        return (p) => String(get(p) ?? '').endsWith(String(arg));
      case 'is_empty':
        return (p) => empty(get(p));
      case 'is_not_empty':
        return (p) => !empty(get(p));
      case 'greater_than':
        return (p) => typeof get(p) === 'number' && (get(p) as number) > Number(arg);
      case 'less_than':
        return (p) => typeof get(p) === 'number' && (get(p) as number) < Number(arg);
      case 'greater_than_or_equal_to':
        return (p) => typeof get(p) === 'number' && (get(p) as number) >= Number(arg);
      case 'less_than_or_equal_to':
        return (p) => typeof get(p) === 'number' && (get(p) as number) <= Number(arg);
      default:
        throw fail(
          `body failed validation: ${path}.${prop.type} has an unsupported condition ${String(op)}.`,
        );
    }
  }
  throw fail(`body failed validation: ${path} should have a property, timestamp, and or or key.`);
}

type SortKey = (page: NotionPage) => string | number;

function compileSorts(db: NotionDatabase, sorts: unknown): { key: SortKey; dir: number }[] {
  if (sorts === undefined) return [];
  if (!Array.isArray(sorts)) throw fail('body failed validation: body.sorts should be an array.');
  return sorts.map((s: Record<string, unknown>, i) => {
    const dir = s?.direction === 'descending' ? -1 : 1;
    if (s?.direction !== 'ascending' && s?.direction !== 'descending')
      throw fail(`body failed validation: body.sorts[${i}].direction should be "ascending" or "descending".`);
    if (s.timestamp === 'created_time') return { key: (p: NotionPage) => p.createdMs, dir };
    if (s.timestamp === 'last_edited_time') return { key: (p: NotionPage) => p.lastEditedMs, dir };
    const prop = db.properties.find((p) => p.name === s.property || p.id === s.property);
    if (!prop) throw fail(`Could not find sort property with name or id: ${String(s.property)}`);
    return { key: (p: NotionPage) => (p.props[prop.name] as string | number | null) ?? '', dir };
  });
}

interface QueryBody {
  filter?: unknown;
  sorts?: unknown;
  start_cursor?: unknown;
  page_size?: unknown;
}

/** Runs a query and returns one page of stored pages plus the cursor for the next. */
export function runQuery(db: NotionDatabase, body: QueryBody) {
  const pageSize = body.page_size === undefined ? MAX_PAGE_SIZE : body.page_size;
  if (typeof pageSize !== 'number' || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw fail(
      `body failed validation: body.page_size should be a number between 1 and ${MAX_PAGE_SIZE}, instead was \`${JSON.stringify(body.page_size)}\`.`,
    );
  const pred = body.filter === undefined ? () => true : compileFilter(db, body.filter);
  const sorts = compileSorts(db, body.sorts);
  const tuple = (e: StoredRecord<NotionPage>) => [...sorts.map((s) => s.key(e.value)), e.seq];
  const cmp = (a: (string | number)[], b: (string | number)[]) => {
    for (let i = 0; i < a.length; i++) {
      if (a[i] === b[i]) continue;
      const dir = sorts[i]?.dir ?? 1;
      return (a[i]! < b[i]! ? -1 : 1) * dir;
    }
    return 0;
  };
  let rows = db.pages.entries().filter((e) => !e.value.archived && pred(e.value));
  if (sorts.length) rows = rows.sort((a, b) => cmp(tuple(a), tuple(b)));
  if (body.start_cursor !== undefined) {
    let after: (string | number)[];
    try {
      after = JSON.parse(Buffer.from(String(body.start_cursor), 'base64url').toString('utf8')) as (
        string | number
      )[];
      if (!Array.isArray(after) || after.length !== sorts.length + 1) throw new Error('shape');
    } catch {
      throw fail('body failed validation: body.start_cursor should be a valid cursor.');
    }
    rows = rows.filter((e) => cmp(tuple(e), after) > 0);
  }
  const page = rows.slice(0, pageSize);
  const hasMore = rows.length > pageSize;
  const last = page[page.length - 1];
  return {
    results: page.map((e) => e.value),
    next_cursor: hasMore && last ? Buffer.from(JSON.stringify(tuple(last))).toString('base64url') : null,
    has_more: hasMore,
  };
}
