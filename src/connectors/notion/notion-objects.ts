/**
 * @module One Notion database (or data source) behind the ObjectClient contract. Records are pages,
 * `data` = property values made plain (title/rich text → string, select/status → option name, multi-select →
 * names, date → start, number, checkbox…) and written back in Notion's shapes by property type.
 * - Listing: `POST …/query` with `page_size` ≤ 100 and `start_cursor`/`next_cursor`; archived pages are not listed.
 * - Changes: `filter: {timestamp: "last_edited_time", last_edited_time: {on_or_after}}` sorted ascending. Notion
 *   stores edit times to the minute, so the cursor (the newest edit time seen) is re-read with an overlap and
 *   pages are de-duplicated within a read. Archived pages leave the query: the connection's stored
 *   `page.deleted` webhook events become tombstones on the last page (confirmed by reading the page back).
 * - `settings.refProperty`: a rich text property that stores the engine's create reference (exact `findCreated`).
 * - Writes: Notion has no batch endpoints; each record is its own call, so results are per record by nature.
 *   Delete = `archived: true` (2022-06-28) or `in_trash: true` (2025-09-03).
 */
import type { ListOptions, ObjectClient } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { writeInChunks } from '../sdk/write-outcome.js';
import type {
  ChangePage,
  CreateInput,
  FieldSpec,
  ObjectSpec,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WriteResult,
} from '../sdk/types.js';
import { withTombstones, type DeletedSince } from '../sdk/tombstones.js';
import type { NotionClient } from './notion-client.js';

export const NOTION_PAGE_SIZE = 100;
/** Records per write call from the engine; each is still one request. */
export const NOTION_MAX_BATCH = 10;
/** Edit times are minute-truncated: read one extra minute back. */
export const NOTION_CHANGE_OVERLAP_MS = 60_000;

export interface NotionPropertySchema {
  id: string;
  name: string;
  type: string;
  select?: { options?: { name: string }[] };
  status?: { options?: { name: string }[] };
}

export interface NotionPageJson {
  id: string;
  last_edited_time: string;
  archived?: boolean;
  in_trash?: boolean;
  properties: Record<string, Record<string, unknown> & { type: string }>;
}

const READ_ONLY = new Set([
  'formula',
  'rollup',
  'created_time',
  'created_by',
  'last_edited_time',
  'last_edited_by',
  'unique_id',
  'verification',
  'button',
]);

function fieldSpec(p: NotionPropertySchema): FieldSpec {
  const readOnly = READ_ONLY.has(p.type) ? { readOnly: true } : {};
  switch (p.type) {
    case 'title':
    case 'rich_text':
    case 'url':
    case 'email':
    case 'phone_number':
      return { type: 'string' };
    case 'select':
    case 'status': {
      const options = (p.type === 'select' ? p.select : p.status)?.options;
      return { type: 'string', ...(options ? { values: options.map((o) => o.name) } : {}) };
    }
    case 'number':
      return { type: 'number' };
    case 'checkbox':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string' };
    case 'created_time':
    case 'last_edited_time':
      return { type: 'datetime', readOnly: true };
    default:
      return { type: 'json', ...readOnly };
  }
}

export function notionObjectSpec(id: string, properties: NotionPropertySchema[]): ObjectSpec {
  return {
    name: id,
    fields: Object.fromEntries(properties.map((p) => [p.name, fieldSpec(p)])),
    primaryKey: 'id',
    listOrder: 'none',
    maxBatch: NOTION_MAX_BATCH,
    updatedAtField: 'last_edited_time',
  };
}

const plainText = (items: unknown): string =>
  Array.isArray(items)
    ? items
        .map((i: { plain_text?: unknown; text?: { content?: unknown } }) =>
          typeof i?.plain_text === 'string' ? i.plain_text : String(i?.text?.content ?? ''),
        )
        .join('')
    : '';

/** A property value as plain data. */
export function readProperty(value: Record<string, unknown> & { type: string }): unknown {
  const v = value[value.type];
  switch (value.type) {
    case 'title':
    case 'rich_text':
      return plainText(v);
    case 'select':
    case 'status':
      return (v as { name?: string } | null)?.name ?? null;
    case 'multi_select':
      return Array.isArray(v) ? v.map((o: { name?: string }) => o.name) : [];
    case 'date':
      return (v as { start?: string } | null)?.start ?? null;
    case 'people':
    case 'relation':
      return Array.isArray(v) ? v.map((o: { id?: string }) => o.id) : [];
    default:
      return v ?? null;
  }
}

/** A plain value in the shape Notion accepts for this property type; undefined = not writable. */
export function writeProperty(type: string, value: unknown): unknown {
  const text = (s: unknown) =>
    s === null || s === '' ? [] : [{ type: 'text', text: { content: String(s) } }];
  switch (type) {
    case 'title':
      return { title: text(value) };
    case 'rich_text':
      return { rich_text: text(value) };
    case 'select':
      return { select: value === null || value === '' ? null : { name: String(value) } };
    case 'status':
      return { status: value === null ? null : { name: String(value) } };
    case 'multi_select':
      return { multi_select: (Array.isArray(value) ? value : []).map((name) => ({ name: String(name) })) };
    case 'number': {
      if (value === null || value === '') return { number: null };
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n))
        throw new ConnectorError('validation', `Notion: ${JSON.stringify(value)} is not a number`);
      return { number: n };
    }
    case 'checkbox':
      return { checkbox: value === true };
    case 'date':
      return { date: value === null ? null : { start: String(value) } };
    case 'url':
    case 'email':
    case 'phone_number':
      return { [type]: value === null || value === '' ? null : String(value) };
    case 'people':
    case 'relation':
      return { [type]: (Array.isArray(value) ? value : []).map((id) => ({ id: String(id) })) };
    default:
      return undefined;
  }
}

/** Notion ids are UUIDs, with or without dashes. */
export function isNotionId(id: string): boolean {
  return /^[0-9a-f]{32}$/i.test(id.replace(/-/g, ''));
}

function pagesOf(body: Record<string, unknown>): { results: NotionPageJson[]; next: string | null } {
  if (!Array.isArray(body.results) || typeof body.has_more !== 'boolean')
    throw new ConnectorError('server', 'Notion query: malformed response');
  for (const p of body.results)
    if (!p || typeof p !== 'object' || typeof (p as { id?: unknown }).id !== 'string')
      throw new ConnectorError('server', 'Notion query: malformed page');
  const next = body.has_more ? body.next_cursor : null;
  if (body.has_more && (typeof next !== 'string' || next === ''))
    throw new ConnectorError('server', 'Notion query: has_more without next_cursor');
  return { results: body.results as NotionPageJson[], next: next as string | null };
}

export class NotionObject implements ObjectClient {
  readonly spec: ObjectSpec;
  private readonly types: Map<string, string>;

  constructor(
    private readonly client: NotionClient,
    private readonly containerId: string,
    properties: NotionPropertySchema[],
    private readonly refProperty?: string,
    /** Deletes reported by stored `page.deleted` events: archived pages leave the database query. */
    private readonly deletedSince?: DeletedSince,
  ) {
    this.spec = notionObjectSpec(containerId, properties);
    this.types = new Map(properties.map((p) => [p.name, p.type]));
    if (refProperty) this.findCreated = (inputs) => this.findByRef(refProperty, inputs);
  }

  findCreated?: (inputs: readonly CreateInput[]) => Promise<(string | null)[]>;

  /** Pages whose `refProperty` (a rich text property) holds one of the create references. */
  private async findByRef(refProperty: string, inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const found = new Map<string, string>();
    for (let i = 0; i < inputs.length; i += 50) {
      const chunk = inputs.slice(i, i + 50);
      const filter = {
        or: chunk.map((input) => ({ property: refProperty, rich_text: { equals: input.ref } })),
      };
      for await (const pages of this.query({ filter }, {}))
        for (const page of pages) {
          const ref = this.toRemote(page).data[refProperty];
          if (typeof ref === 'string') found.set(ref, page.id);
        }
    }
    return inputs.map((input) => found.get(input.ref) ?? null);
  }

  toRemote(page: NotionPageJson): RemoteRecord {
    const data: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(page.properties ?? {}))
      if (value && typeof value === 'object') data[name] = readProperty(value);
    return { id: page.id, data, updatedAt: page.last_edited_time };
  }

  private properties(data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(data)) {
      const type = this.types.get(name);
      if (!type)
        throw new ConnectorError('validation', `Notion: ${name} is not a property of ${this.spec.name}`);
      const written = writeProperty(type, value);
      if (written === undefined) continue;
      out[name] = written;
    }
    return out;
  }

  private async *query(body: Record<string, unknown>, options: ListOptions): AsyncIterable<NotionPageJson[]> {
    let cursor: string | null = null;
    const pageSize = Math.max(1, Math.min(options.pageSize ?? NOTION_PAGE_SIZE, NOTION_PAGE_SIZE));
    do {
      options.signal?.throwIfAborted();
      const answer = await this.client.call(
        'POST',
        `${this.client.containerPath(this.containerId)}/query`,
        'query',
        {
          body: { ...body, page_size: pageSize, ...(cursor ? { start_cursor: cursor } : {}) },
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      const page = pagesOf(answer);
      cursor = page.next;
      yield page.results;
    } while (cursor);
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    for await (const pages of this.query({}, options))
      if (pages.length) yield { records: pages.map((p) => this.toRemote(p)) };
  }

  listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    const deleted = this.deletedSince;
    return withTombstones(
      this.changedPages(cursor, options),
      cursor,
      deleted && ((since) => deleted(this.containerId, since, options.signal)),
      (ids) => this.readByIds(ids, options),
    );
  }

  private async *changedPages(cursor: string | null, options: ListOptions): AsyncIterable<ChangePage> {
    const sinceMs = cursor === null ? null : Date.parse(cursor);
    if (sinceMs !== null && Number.isNaN(sinceMs))
      throw new ConnectorError('validation', `bad Notion cursor "${cursor}"`);
    const body: Record<string, unknown> = {
      sorts: [{ timestamp: 'last_edited_time', direction: 'ascending' }],
      ...(sinceMs === null
        ? {}
        : {
            filter: {
              timestamp: 'last_edited_time',
              last_edited_time: { on_or_after: new Date(sinceMs - NOTION_CHANGE_OVERLAP_MS).toISOString() },
            },
          }),
    };
    const seen = new Set<string>();
    let newest = cursor ?? new Date(0).toISOString();
    let yielded = false;
    for await (const pages of this.query(body, options)) {
      const fresh = pages.filter((p) => !seen.has(p.id));
      for (const p of fresh) {
        seen.add(p.id);
        if (Date.parse(p.last_edited_time) > Date.parse(newest)) newest = p.last_edited_time;
      }
      // Ascending by edit time: the newest time seen so far is a safe resume point (the overlap re-reads it).
      yield { records: fresh.map((p) => this.toRemote(p)), cursor: newest };
      yielded = true;
    }
    if (!yielded) yield { records: [], cursor: newest };
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    for (const id of ids) {
      if (!isNotionId(id)) continue;
      options.signal?.throwIfAborted();
      try {
        const page = (await this.client.call('GET', `/v1/pages/${encodeURIComponent(id)}`, 'retrieve page', {
          ...(options.signal ? { signal: options.signal } : {}),
        })) as unknown as NotionPageJson;
        if (!page.archived && !page.in_trash) out.push(this.toRemote(page));
      } catch (error) {
        if (error instanceof ConnectorError && error.kind === 'not_found') continue;
        throw error;
      }
    }
    return out;
  }

  create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, async (input) => {
      const page = (await this.client.call('POST', '/v1/pages', 'create page', {
        body: {
          parent: this.client.parentOf(this.containerId),
          properties: this.properties(
            this.refProperty ? { ...input.data, [this.refProperty]: input.ref } : input.data,
          ),
        },
      })) as unknown as NotionPageJson;
      return { ok: true, id: page.id, record: this.toRemote(page) };
    });
  }

  update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, async (input) => {
      if (!isNotionId(input.id)) throw new ConnectorError('not_found', `Notion page ${input.id} not found`);
      const page = (await this.client.call(
        'PATCH',
        `/v1/pages/${encodeURIComponent(input.id)}`,
        'update page',
        {
          body: { properties: this.properties(input.data) },
        },
      )) as unknown as NotionPageJson;
      if (page.archived || page.in_trash)
        throw new ConnectorError('not_found', `Notion page ${input.id} is archived`);
      return { ok: true, id: page.id, record: this.toRemote(page) };
    });
  }

  delete(ids: readonly string[]): Promise<WriteResult[]> {
    const flag = this.client.options.version === '2025-09-03' ? 'in_trash' : 'archived';
    return this.each(ids, async (id) => {
      if (!isNotionId(id)) return { ok: true, id };
      try {
        await this.client.call('PATCH', `/v1/pages/${encodeURIComponent(id)}`, 'archive page', {
          body: { [flag]: true },
        });
      } catch (error) {
        if (!(error instanceof ConnectorError && error.kind === 'not_found')) throw error;
      }
      return { ok: true, id };
    });
  }

  /** One call per record, through writeInChunks (record-level refusals become results; see there). */
  private each<T>(inputs: readonly T[], one: (input: T) => Promise<WriteResult>): Promise<WriteResult[]> {
    return writeInChunks(inputs, { size: 1, send: async ([input]) => [await one(input!)] });
  }
}
