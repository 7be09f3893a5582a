/**
 * @module One HubSpot CRM object type (contacts, companies, deals…) behind the ObjectClient contract. Records are
 * `{id, data: properties}`; values are strings as HubSpot stores them (numbers and booleans are sent as strings,
 * null clears a property with "").
 * - Listing: `GET /crm/v3/objects/{type}?limit=100&after=&properties=…&archived=false`.
 * - Changes: `POST …/search` filtered `GTE` on `lastmodifieddate` (contacts) or `hs_lastmodifieddate` (others),
 *   sorted ascending, `limit` 200 and `after` offsets. Search stops at 10,000 results per query, so a long read
 *   restarts from the newest time seen and drops ids it already returned. Archived records leave search: the
 *   `archived=true` listing (with `archivedAt`) gives the tombstones, on the last page.
 * - `settings.refProperty`: a (custom) text property that stores the engine's create reference (exact
 *   `findCreated`).
 * - Writes: `batch/create|update|archive` with up to 100 inputs. A 207 lists failed ids per record; a batch
 *   refused as a whole for a record's sake (400 validation, 409 conflict) is replayed one record at a time.
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
import { withTombstones } from '../sdk/tombstones.js';

/** Archive times are HubSpot's clock like the cursor; a minute covers its search index lag. */
const HUBSPOT_ARCHIVE_OVERLAP_MS = 60_000;
import {
  batchErrorsOf,
  nextAfter,
  resultsOf,
  type HubSpotClient,
  type HubSpotObjectJson,
} from './hubspot-client.js';

export const HUBSPOT_MAX_BATCH = 100;
export const HUBSPOT_PAGE_SIZE = 100;
/** Search pages hold up to 200 objects (the CRM search reference's `limit`); its own 5/s bucket makes size count. */
export const HUBSPOT_SEARCH_LIMIT = 200;
/** Values per `IN` filter in one search: kept at a page's worth of list results. */
const HUBSPOT_IN_VALUES = 100;
export const HUBSPOT_SEARCH_MAX_RESULTS = 10_000;

/** Properties read and written by default per standard object (overridable with settings.properties). */
export const DEFAULT_PROPERTIES: Record<string, string[]> = {
  contacts: ['email', 'firstname', 'lastname', 'phone', 'company', 'lifecyclestage'],
  companies: ['name', 'domain', 'city', 'industry', 'phone'],
  deals: ['dealname', 'amount', 'dealstage', 'pipeline', 'closedate'],
};

export function modifiedPropertyOf(type: string): string {
  return type === 'contacts' ? 'lastmodifieddate' : 'hs_lastmodifieddate';
}

export function hubspotObjectSpec(type: string, properties: readonly string[]): ObjectSpec {
  const fields: Record<string, FieldSpec> = Object.fromEntries(
    properties.map((p) => [p, { type: 'string' }]),
  );
  fields[modifiedPropertyOf(type)] = { type: 'datetime', readOnly: true };
  return {
    name: type,
    fields,
    primaryKey: 'hs_object_id',
    ...(type === 'contacts' ? { naturalKeys: ['email'] } : {}),
    listOrder: 'none',
    maxBatch: HUBSPOT_MAX_BATCH,
    updatedAtField: modifiedPropertyOf(type),
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toProperties(data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(data))
    out[name] =
      value === null || value === undefined
        ? ''
        : typeof value === 'object'
          ? JSON.stringify(value)
          : String(value);
  return out;
}

const recordLevel = (error: unknown): error is ConnectorError =>
  error instanceof ConnectorError && (error.kind === 'validation' || error.kind === 'conflict');

export class HubSpotObject implements ObjectClient {
  readonly spec: ObjectSpec;
  private readonly modified: string;

  constructor(
    private readonly client: HubSpotClient,
    private readonly type: string,
    private readonly properties: readonly string[],
    private readonly refProperty?: string,
  ) {
    this.spec = hubspotObjectSpec(type, properties);
    this.modified = modifiedPropertyOf(type);
    if (refProperty) this.findCreated = (inputs) => this.findByRef(refProperty, inputs);
  }

  findCreated?: (inputs: readonly CreateInput[]) => Promise<(string | null)[]>;

  /** Objects whose `refProperty` holds one of the create references (search `IN`, 100 values per query). */
  private async findByRef(refProperty: string, inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const found = new Map<string, string>();
    for (const chunk of chunks(inputs, HUBSPOT_IN_VALUES)) {
      let after: string | undefined = '0';
      while (after !== undefined) {
        const answer = await this.client.call('POST', this.path('/search'), 'search', {
          body: {
            filterGroups: [
              { filters: [{ propertyName: refProperty, operator: 'IN', values: chunk.map((i) => i.ref) }] },
            ],
            properties: [refProperty],
            limit: HUBSPOT_SEARCH_LIMIT,
            after,
          },
        });
        for (const o of resultsOf(answer, 'search')) {
          const ref = o.properties?.[refProperty];
          if (typeof ref === 'string') found.set(ref.toLowerCase(), o.id);
        }
        after = nextAfter(answer, 'search');
      }
    }
    return inputs.map((i) => found.get(i.ref.toLowerCase()) ?? null);
  }

  private withRef(input: CreateInput): Record<string, unknown> {
    return this.refProperty ? { ...input.data, [this.refProperty]: input.ref } : input.data;
  }

  private path(suffix = ''): string {
    return `/crm/v3/objects/${encodeURIComponent(this.type)}${suffix}`;
  }

  toRemote(o: HubSpotObjectJson): RemoteRecord {
    const data: Record<string, unknown> = {};
    for (const name of this.properties) data[name] = o.properties?.[name] ?? null;
    const updatedAt = o.properties?.[this.modified] ?? o.updatedAt;
    if (updatedAt) data[this.modified] = updatedAt;
    return { id: o.id, data, ...(updatedAt ? { updatedAt } : {}) };
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    let after: string | undefined;
    const limit = Math.max(1, Math.min(options.pageSize ?? HUBSPOT_PAGE_SIZE, HUBSPOT_PAGE_SIZE));
    do {
      options.signal?.throwIfAborted();
      const query: [string, string][] = [
        ['limit', String(limit)],
        ['properties', [...this.properties, this.modified].join(',')],
        ['archived', 'false'],
      ];
      if (after) query.push(['after', after]);
      const answer = await this.client.call('GET', this.path(), 'list objects', {
        query,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const results = resultsOf(answer, 'list objects');
      after = nextAfter(answer, 'list objects');
      if (results.length) yield { records: results.map((o) => this.toRemote(o)) };
    } while (after);
  }

  listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    return withTombstones(
      this.changedObjects(cursor, options),
      cursor,
      (since) => this.archivedSince(Number(since), options),
      (ids) => this.readByIds(ids, options),
    );
  }

  /**
   * Ids archived at or after `sinceMs` (minus the overlap): search never returns archived records, the
   * `archived=true` listing does, with `archivedAt`. The listing has no time filter, so it is read whole.
   */
  private async archivedSince(sinceMs: number, options: ListOptions): Promise<string[]> {
    const from = sinceMs - HUBSPOT_ARCHIVE_OVERLAP_MS;
    const ids: string[] = [];
    let after: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const query: [string, string][] = [
        ['limit', String(HUBSPOT_PAGE_SIZE)],
        ['properties', this.modified],
        ['archived', 'true'],
      ];
      if (after) query.push(['after', after]);
      const answer = await this.client.call('GET', this.path(), 'list archived objects', {
        query,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      for (const o of resultsOf(answer, 'list archived objects')) {
        const at = Date.parse(o.archivedAt ?? o.updatedAt ?? '');
        if (!Number.isFinite(at) || at >= from) ids.push(o.id);
      }
      after = nextAfter(answer, 'list archived objects');
    } while (after);
    return ids;
  }

  private async *changedObjects(cursor: string | null, options: ListOptions): AsyncIterable<ChangePage> {
    let since = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(since) || since < 0)
      throw new ConnectorError('validation', `bad HubSpot cursor "${cursor}"`);
    const limit = Math.max(1, Math.min(options.pageSize ?? HUBSPOT_SEARCH_LIMIT, HUBSPOT_SEARCH_LIMIT));
    const seen = new Set<string>();
    let newest = since;
    let yielded = false;
    for (;;) {
      let offset = 0;
      let restart = false;
      for (;;) {
        options.signal?.throwIfAborted();
        const answer = await this.client.call('POST', this.path('/search'), 'search', {
          body: {
            filterGroups: [
              { filters: [{ propertyName: this.modified, operator: 'GTE', value: String(since) }] },
            ],
            sorts: [{ propertyName: this.modified, direction: 'ASCENDING' }],
            properties: [...this.properties, this.modified],
            limit,
            after: String(offset),
          },
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const results = resultsOf(answer, 'search');
        const fresh = results.filter((o) => !seen.has(o.id));
        for (const o of fresh) {
          seen.add(o.id);
          const ms = Date.parse(o.properties?.[this.modified] ?? o.updatedAt ?? '');
          if (Number.isFinite(ms) && ms > newest) newest = ms;
        }
        // Sorted ascending: the newest time seen is a safe resume point (GTE re-reads it, dedupe drops it).
        yield { records: fresh.map((o) => this.toRemote(o)), cursor: String(newest) };
        yielded = true;
        const after = nextAfter(answer, 'search');
        if (after === undefined) break;
        offset = Number(after);
        if (offset + limit > HUBSPOT_SEARCH_MAX_RESULTS) {
          restart = true;
          break;
        }
      }
      if (!restart) break;
      if (newest === since)
        throw new ConnectorError(
          'server',
          `HubSpot search: over ${HUBSPOT_SEARCH_MAX_RESULTS} records share one modified time`,
        );
      since = newest;
    }
    if (!yielded) yield { records: [], cursor: String(newest) };
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    for (const chunk of chunks(
      ids.filter((id) => /^\d+$/.test(id)),
      HUBSPOT_MAX_BATCH,
    )) {
      const answer = await this.client.call('POST', this.path('/batch/read'), 'batch read', {
        body: { properties: [...this.properties, this.modified], inputs: chunk.map((id) => ({ id })) },
        ...(options.signal ? { signal: options.signal } : {}),
      });
      out.push(
        ...resultsOf(answer, 'batch read')
          .filter((o) => !o.archived)
          .map((o) => this.toRemote(o)),
      );
    }
    const order = new Map(ids.map((id, i) => [id, i]));
    return out.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  }

  create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    // A batch refused for one of its inputs is sent again one input at a time (a batch of one), so the rest land.
    return writeInChunks(inputs, {
      size: HUBSPOT_MAX_BATCH,
      recordLevel,
      send: async (batch) => {
        const answer = await this.client.call('POST', this.path('/batch/create'), 'batch create', {
          body: { inputs: batch.map((i) => ({ properties: toProperties(this.withRef(i)) })) },
        });
        const created = resultsOf(answer, 'batch create');
        if (created.length !== batch.length)
          throw new ConnectorError('server', 'HubSpot batch create: result count differs from input count', {
            status: answer.status,
          });
        // HubSpot does not promise result order for batch create; creates carry no id to match on, and the
        // documented behaviour is input order, which is what we rely on.
        return created.map((o): WriteResult => ({ ok: true, id: o.id, record: this.toRemote(o) }));
      },
    });
  }

  async update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    const results: WriteResult[] = [];
    for (const batch of chunks(inputs, HUBSPOT_MAX_BATCH)) {
      const byId = new Map<string, WriteResult>();
      const notNumeric = batch.filter((i) => !/^\d+$/.test(i.id));
      for (const i of notNumeric)
        byId.set(i.id, {
          ok: false,
          error: new ConnectorError('not_found', `HubSpot object ${i.id} not found`),
        });
      const send = batch.filter((i) => /^\d+$/.test(i.id));
      if (send.length) {
        try {
          const answer = await this.client.call('POST', this.path('/batch/update'), 'batch update', {
            body: { inputs: send.map((i) => ({ id: i.id, properties: toProperties(i.data) })) },
          });
          for (const o of resultsOf(answer, 'batch update'))
            byId.set(o.id, { ok: true, id: o.id, record: this.toRemote(o) });
          for (const e of batchErrorsOf(answer)) {
            const kind = e.category === 'OBJECT_NOT_FOUND' ? 'not_found' : 'validation';
            for (const id of e.context?.ids ?? [])
              byId.set(id, {
                ok: false,
                error: new ConnectorError(
                  kind,
                  `HubSpot batch update: ${e.message ?? e.category ?? 'failed'}`,
                  {
                    status: 207,
                    ...(e.category ? { platformCode: e.category } : {}),
                  },
                ),
              });
          }
        } catch (error) {
          if (!recordLevel(error)) throw error;
          for (const input of send) {
            try {
              const answer = await this.client.call('PATCH', this.path(`/${input.id}`), 'update object', {
                body: { properties: toProperties(input.data) },
              });
              const o = answer.body as HubSpotObjectJson;
              byId.set(input.id, { ok: true, id: o.id, record: this.toRemote(o) });
            } catch (inner) {
              if (!(inner instanceof ConnectorError) || inner.retryable || inner.kind === 'auth') throw inner;
              byId.set(input.id, { ok: false, error: inner });
            }
          }
        }
      }
      for (const input of batch)
        results.push(
          byId.get(input.id) ?? {
            ok: false,
            error: new ConnectorError('server', `HubSpot batch update: no result for ${input.id}`),
          },
        );
    }
    return results;
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    for (const batch of chunks(
      ids.filter((id) => /^\d+$/.test(id)),
      HUBSPOT_MAX_BATCH,
    ))
      await this.client.call('POST', this.path('/batch/archive'), 'batch archive', {
        body: { inputs: batch.map((id) => ({ id })) },
      });
    // Archiving an id that is already archived or unknown succeeds (204), which is the contract's meaning.
    return ids.map((id) => ({ ok: true, id }));
  }
}
