/**
 * @module One Airtable table behind the ObjectClient contract. Records are `{id: "rec…", data: fields by name}`.
 * - Listing pages with `pageSize` ≤ 100 and `offset`; Airtable promises no id order (`listOrder: none`).
 * - Changes: `filterByFormula=IS_AFTER(LAST_MODIFIED_TIME(),'<since>')`. The cursor is the time the listing
 *   started (the earlier of our clock and the server's Date header) minus an overlap; re-reads are harmless.
 *   Airtable keeps no tombstones: with `settings.webhookId` (a webhook on the base), the feed also reads the
 *   webhook's payloads after its own payload cursor (the feed cursor is then `<time>|<payload cursor>`) and turns
 *   `destroyedRecordIds` of this table into tombstones on the last page; without it deletes need a full sync.
 * - Writes: batches of at most 10 (the documented limit). A batch is all-or-nothing on Airtable, so when one
 *   fails for a record-level reason (422, 404) its records are retried one by one to report per record.
 * - `settings.refField`: a text field that stores the engine's create reference, which makes `findCreated` exact.
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
import { readWebhookChanges } from './airtable-webhooks.js';
import {
  formulaString,
  recordsOf,
  type AirtableClient,
  type AirtableRecordJson,
  type AirtableTableJson,
} from './airtable-client.js';

export const AIRTABLE_MAX_BATCH = 10;
export const AIRTABLE_PAGE_SIZE = 100;
/** How far back a change read starts before the previous read's start time. */
export const AIRTABLE_CHANGE_OVERLAP_MS = 5_000;
/** Ids per `OR(RECORD_ID()=…)` read: keeps the URL well under limits. */
const READ_CHUNK = 50;

const READ_ONLY_TYPES = new Set([
  'autoNumber',
  'button',
  'count',
  'createdBy',
  'createdTime',
  'formula',
  'lastModifiedBy',
  'lastModifiedTime',
  'lookup',
  'multipleLookupValues',
  'rollup',
]);

function fieldSpec(field: AirtableTableJson['fields'][number]): FieldSpec {
  const readOnly = READ_ONLY_TYPES.has(field.type) ? { readOnly: true } : {};
  switch (field.type) {
    case 'singleLineText':
    case 'multilineText':
    case 'richText':
    case 'email':
    case 'url':
    case 'phoneNumber':
      return { type: 'string', ...readOnly };
    case 'singleSelect':
      return {
        type: 'string',
        ...(field.options?.choices ? { values: field.options.choices.map((c) => c.name) } : {}),
      };
    case 'number':
    case 'currency':
    case 'percent':
    case 'rating':
    case 'duration':
    case 'autoNumber':
    case 'count':
      return { type: 'number', ...readOnly };
    case 'checkbox':
      return { type: 'boolean' };
    case 'date':
      return { type: 'date' };
    case 'dateTime':
    case 'createdTime':
    case 'lastModifiedTime':
      return { type: 'datetime', ...readOnly };
    default:
      return { type: 'json', ...readOnly };
  }
}

export function airtableObjectSpec(table: AirtableTableJson): ObjectSpec {
  return {
    name: table.id,
    fields: Object.fromEntries(table.fields.map((f) => [f.name, fieldSpec(f)])),
    primaryKey: 'id',
    listOrder: 'none',
    maxBatch: AIRTABLE_MAX_BATCH,
  };
}

function toRemote(r: AirtableRecordJson): RemoteRecord {
  return { id: r.id, data: r.fields };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A batch that failed for a reason that belongs to one of its records (not transport, auth or rate limit). */
function recordLevel(error: unknown): error is ConnectorError {
  return error instanceof ConnectorError && (error.kind === 'validation' || error.kind === 'not_found');
}

export class AirtableObject implements ObjectClient {
  readonly spec: ObjectSpec;

  constructor(
    private readonly client: AirtableClient,
    table: AirtableTableJson,
    private readonly refField: string | undefined,
    private readonly now: () => number = Date.now,
    private readonly webhookId?: string,
  ) {
    this.spec = airtableObjectSpec(table);
    if (refField) this.findCreated = (inputs) => this.findByRef(inputs);
  }

  findCreated?: (inputs: readonly CreateInput[]) => Promise<(string | null)[]>;

  /** The server's Date on the first page of the latest listing (seconds precision). */
  private firstPageServerMs: number | undefined;

  private async *pages(options: ListOptions, filterByFormula?: string): AsyncIterable<AirtableRecordJson[]> {
    let offset: string | undefined;
    let first = true;
    const pageSize = Math.min(options.pageSize ?? AIRTABLE_PAGE_SIZE, AIRTABLE_PAGE_SIZE);
    do {
      options.signal?.throwIfAborted();
      const page = await this.client.listPage(
        this.spec.name,
        { pageSize, ...(offset ? { offset } : {}), ...(filterByFormula ? { filterByFormula } : {}) },
        options.signal,
      );
      offset = page.offset;
      if (first) this.firstPageServerMs = page.serverDateMs;
      first = false;
      if (page.records.length > 0 || !offset) yield page.records;
    } while (offset);
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    for await (const records of this.pages(options))
      if (records.length) yield { records: records.map(toRemote) };
  }

  async *listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    if (!this.webhookId) {
      yield* this.changedRecords(cursor, options);
      return;
    }
    const [time, payloadText] = cursor === null ? [null, undefined] : splitCursor(cursor);
    const payloadCursor = payloadText === undefined ? 1 : Number(payloadText);
    if (!Number.isSafeInteger(payloadCursor) || payloadCursor < 1)
      throw new ConnectorError('validation', `bad Airtable cursor "${cursor}"`);
    let held: ChangePage | undefined;
    for await (const page of this.changedRecords(time, options)) {
      if (held) yield { ...held, cursor: `${held.cursor}|${payloadCursor}` };
      held = page;
    }
    const last = held ?? { records: [], cursor: time ?? new Date(0).toISOString() };
    const read = await readWebhookChanges(this.client, this.webhookId, payloadCursor, options.signal);
    const destroyed = read.events
      .filter((e) => e.kind === 'delete' && e.object === this.spec.name)
      .map((e) => e.recordId);
    let records = last.records;
    // A first read lists everything live: nothing to delete yet, only the payload cursor to take.
    if (time !== null && destroyed.length > 0) {
      const alive = new Set((await this.readByIds([...new Set(destroyed)], options)).map((r) => r.id));
      const gone = [...new Set(destroyed)].filter((id) => !alive.has(id));
      records = [...records, ...gone.map((id) => ({ id, deleted: true as const }))];
    }
    yield { records, cursor: `${last.cursor}|${read.cursor}` };
  }

  private async *changedRecords(cursor: string | null, options: ListOptions): AsyncIterable<ChangePage> {
    if (cursor !== null && Number.isNaN(Date.parse(cursor)))
      throw new ConnectorError('validation', `bad Airtable cursor "${cursor}"`);
    const localStart = this.now();
    this.firstPageServerMs = undefined;
    const formula = cursor === null ? undefined : `IS_AFTER(LAST_MODIFIED_TIME(),${formulaString(cursor)})`;
    // Pages before the last keep the old cursor: a crash mid-listing re-reads from the same point.
    let pending: AirtableRecordJson[] | undefined;
    for await (const records of this.pages(options, formula)) {
      if (pending) yield { records: pending.map(toRemote), cursor: cursor ?? new Date(0).toISOString() };
      pending = records;
    }
    // The earlier of our clock and Airtable's (its Date header) at the start, minus the overlap: a skewed local
    // clock cannot skip changes, it only re-reads a few.
    const start = Math.min(localStart, this.firstPageServerMs ?? localStart);
    yield {
      records: (pending ?? []).map(toRemote),
      cursor: new Date(start - AIRTABLE_CHANGE_OVERLAP_MS).toISOString(),
    };
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    const wanted = ids.filter((id) => /^rec[A-Za-z0-9]+$/.test(id));
    for (const chunk of chunks(wanted, READ_CHUNK)) {
      const formula = `OR(${chunk.map((id) => `RECORD_ID()=${formulaString(id)}`).join(',')})`;
      for await (const records of this.pages(options, formula)) out.push(...records.map(toRemote));
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    const fieldsOf = (input: CreateInput) =>
      this.refField ? { ...input.data, [this.refField]: input.ref } : input.data;
    return this.batched(inputs, async (batch) => {
      const body = await this.client.call('POST', this.client.tablePath(this.spec.name), 'create records', {
        body: { records: batch.map((input) => ({ fields: fieldsOf(input) })) },
      });
      return recordsOf(body, 'create records').map((r) => ({ ok: true, id: r.id, record: toRemote(r) }));
    });
  }

  update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    return this.batched(inputs, async (batch) => {
      const body = await this.client.call('PATCH', this.client.tablePath(this.spec.name), 'update records', {
        body: { records: batch.map((input) => ({ id: input.id, fields: input.data })) },
      });
      return recordsOf(body, 'update records').map((r) => ({ ok: true, id: r.id, record: toRemote(r) }));
    });
  }

  delete(ids: readonly string[]): Promise<WriteResult[]> {
    return this.batched(
      ids,
      async (batch) => {
        await this.client.call('DELETE', this.client.tablePath(this.spec.name), 'delete records', {
          query: batch.map((id) => ['records[]', id]),
        });
        return batch.map((id) => ({ ok: true, id }));
      },
      (id, error) => (error.kind === 'not_found' ? { ok: true, id } : { ok: false, error }),
    );
  }

  /** Sends batches of ≤ 10; a batch refused for one record's sake is replayed record by record. */
  private batched<T>(
    inputs: readonly T[],
    send: (batch: T[]) => Promise<WriteResult[]>,
    refused?: (input: T, error: ConnectorError) => WriteResult,
  ): Promise<WriteResult[]> {
    return writeInChunks(inputs, {
      size: AIRTABLE_MAX_BATCH,
      send,
      recordLevel,
      ...(refused ? { refused } : {}),
    });
  }

  private async findByRef(inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const found = new Map<string, string>();
    for (const chunk of chunks(inputs, READ_CHUNK)) {
      const formula = `OR(${chunk.map((i) => `{${this.refField}}=${formulaString(i.ref)}`).join(',')})`;
      for await (const records of this.pages({}, formula))
        for (const r of records) {
          const ref = r.fields[this.refField!];
          if (typeof ref === 'string') found.set(ref, r.id);
        }
    }
    return inputs.map((i) => found.get(i.ref) ?? null);
  }
}

/** `<time>|<payload cursor>`, or a bare time (a cursor stored before the connection named its webhook). */
function splitCursor(cursor: string): [string, string | undefined] {
  const bar = cursor.lastIndexOf('|');
  return bar < 0 ? [cursor, undefined] : [cursor.slice(0, bar), cursor.slice(bar + 1)];
}
