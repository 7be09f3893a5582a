/**
 * @module The data behind the Notion simulator: one database (and its data source, for API version
 * 2025-09-03) with typed properties, and its pages. Property values are kept simple inside and rendered in the
 * API's full shape (rich text arrays, select objects) on the way out; writes are validated like the API
 * (unknown property names and wrong value shapes are 400 validation_error).
 *
 * Choice (docs show only whole-minute examples, e.g. "2023-03-08T18:25:00.000Z"): created_time and
 * last_edited_time are truncated to the minute, so a modified-since cursor must overlap the window and dedupe.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimStore } from '../kit/sim-store.js';
import { validationError } from './notion-errors.js';

export type NotionPropertyType = 'title' | 'rich_text' | 'select' | 'number' | 'checkbox';
export type NotionValue = string | number | boolean | null;

export interface NotionProperty {
  id: string;
  name: string;
  type: NotionPropertyType;
  options?: { id: string; name: string; color: string }[];
}

export interface NotionPage {
  id: string;
  createdMs: number;
  lastEditedMs: number;
  archived: boolean;
  props: Record<string, NotionValue>;
  createdBy: string;
  lastEditedBy: string;
}

export interface NotionDatabase {
  id: string;
  dataSourceId: string;
  title: string;
  properties: NotionProperty[];
  pages: SimStore<NotionPage>;
  nextUuid: () => string;
}

export const MINUTE_MS = 60_000;
export const truncateToMinute = (ms: number) => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** Deterministic UUID-shaped ids (version 4 layout) from a counter and a 4-hex-digit namespace. */
export function uuidFactory(namespace: string): () => string {
  let n = 0;
  return () => {
    n += 1;
    const hex = n.toString(16).padStart(12, '0');
    return `${namespace.padStart(8, '0')}-0000-4000-8000-${hex}`;
  };
}

/** Notion accepts ids with or without dashes. */
export function normalizeId(id: string): string {
  const hex = id.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return id;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const richText = (content: string) => ({
  type: 'text',
  text: { content, link: null },
  annotations: {
    bold: false,
    italic: false,
    strikethrough: false,
    underline: false,
    code: false,
    color: 'default',
  },
  plain_text: content,
  href: null,
});

export function renderProperty(prop: NotionProperty, value: NotionValue) {
  switch (prop.type) {
    case 'title':
    case 'rich_text':
      return { id: prop.id, type: prop.type, [prop.type]: value ? [richText(String(value))] : [] };
    case 'select': {
      const option = prop.options?.find((o) => o.name === value);
      return { id: prop.id, type: 'select', select: option ?? null };
    }
    case 'number':
      return { id: prop.id, type: 'number', number: typeof value === 'number' ? value : null };
    case 'checkbox':
      return { id: prop.id, type: 'checkbox', checkbox: value === true };
  }
}

function textOf(items: unknown, path: string): string {
  if (!Array.isArray(items))
    throw new SimHttpError(validationError(`body failed validation: ${path} should be an array.`));
  return items
    .map((item, i) => {
      const content = (item as { text?: { content?: unknown } })?.text?.content;
      if (typeof content !== 'string')
        throw new SimHttpError(
          validationError(
            `body failed validation: ${path}[${i}].text.content should be defined, instead was \`undefined\`.`,
          ),
        );
      return content;
    })
    .join('');
}

/** Reads API property values into simple values; throws Notion's validation errors. */
export function parseProperties(db: NotionDatabase, input: unknown): Record<string, NotionValue> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new SimHttpError(validationError('body failed validation: body.properties should be an object.'));
  const out: Record<string, NotionValue> = {};
  for (const [key, raw] of Object.entries(input as Record<string, unknown>)) {
    const prop = db.properties.find((p) => p.name === key || p.id === key);
    if (!prop) throw new SimHttpError(validationError(`${key} is not a property that exists.`));
    const path = `body.properties.${key}.${prop.type}`;
    const value = (raw as Record<string, unknown> | null)?.[prop.type];
    if (value === undefined)
      throw new SimHttpError(
        validationError(`body failed validation: ${path} should be defined, instead was \`undefined\`.`),
      );
    switch (prop.type) {
      case 'title':
      case 'rich_text':
        out[prop.name] = textOf(value, path);
        break;
      case 'select': {
        if (value === null) {
          out[prop.name] = null;
          break;
        }
        const name = (value as { name?: unknown }).name;
        if (typeof name !== 'string' || name === '' || name.includes(','))
          throw new SimHttpError(
            validationError(
              `body failed validation: ${path}.name should be a non-empty string without commas.`,
            ),
          );
        if (!prop.options!.some((o) => o.name === name))
          prop.options!.push({ id: db.nextUuid(), name, color: 'default' });
        out[prop.name] = name;
        break;
      }
      case 'number':
        if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
          throw new SimHttpError(
            validationError(`body failed validation: ${path} should be a number or \`null\`.`),
          );
        out[prop.name] = value as number | null;
        break;
      case 'checkbox':
        if (typeof value !== 'boolean')
          throw new SimHttpError(validationError(`body failed validation: ${path} should be a boolean.`));
        out[prop.name] = value;
        break;
    }
  }
  return out;
}

export type NotionVersion = '2022-06-28' | '2025-09-03';

export function pageJson(db: NotionDatabase, page: NotionPage, version: NotionVersion) {
  const parent =
    version === '2025-09-03'
      ? { type: 'data_source_id', data_source_id: db.dataSourceId, database_id: db.id }
      : { type: 'database_id', database_id: db.id };
  return {
    object: 'page',
    id: page.id,
    created_time: new Date(page.createdMs).toISOString(),
    last_edited_time: new Date(page.lastEditedMs).toISOString(),
    created_by: { object: 'user', id: page.createdBy },
    last_edited_by: { object: 'user', id: page.lastEditedBy },
    cover: null,
    icon: null,
    parent,
    archived: page.archived,
    in_trash: page.archived,
    properties: Object.fromEntries(
      db.properties.map((p) => [p.name, renderProperty(p, page.props[p.name] ?? null)]),
    ),
    url: `https://www.notion.so/${page.id.replace(/-/g, '')}`,
    public_url: null,
  };
}

export function databaseJson(db: NotionDatabase) {
  return {
    object: 'database',
    id: db.id,
    title: [richText(db.title)],
    data_sources: [{ id: db.dataSourceId, name: db.title }],
    properties: Object.fromEntries(
      db.properties.map((p) => [
        p.name,
        { id: p.id, name: p.name, type: p.type, [p.type]: p.options ? { options: p.options } : {} },
      ]),
    ),
  };
}
