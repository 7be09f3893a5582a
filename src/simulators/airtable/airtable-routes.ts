/**
 * @module Airtable Web API routes (airtable.com/developers/web/api/*): list records (GET and POST
 * …/listRecords), get, create, update (PATCH merge / PUT replace, performUpsert), delete, webhooks, base schema.
 *
 * Listing follows the documented contract: `pageSize` 1–100 (default 100), `offset` from the previous page,
 * `maxRecords`, `filterByFormula`, `sort[i][field|direction]`, `fields[]`, `returnFieldsByFieldId`; no `offset`
 * on the last page. Each listing is a server-side iterator over a snapshot of matching record ids, so every
 * record is returned exactly once even while others are written between pages (records deleted meanwhile are
 * skipped). Choices where the docs are silent: an over-limit pageSize is a 422 INVALID_REQUEST_UNKNOWN; a
 * foreign or stale offset is a 422 LIST_RECORDS_ITERATOR_NOT_AVAILABLE; views are not modelled (any `view` is
 * 422 VIEW_NAME_NOT_FOUND); cellFormat=string is not modelled (422).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import { airtableError, invalidRequest } from './airtable-errors.js';
import { FormulaError, evaluate, parseFormula, validateFormula } from './airtable-formula.js';
import { MAX_RECORDS_PER_WRITE, type AirtableRecords, type RecordWrite } from './airtable-records.js';
import {
  fieldByName,
  findTable,
  recordJson,
  type AirtableBase,
  type AirtableTable,
} from './airtable-state.js';
import { MAX_PAYLOADS_PER_PAGE, MAX_WEBHOOKS_PER_BASE, type AirtableWebhooks } from './airtable-webhooks.js';

export const MAX_PAGE_SIZE = 100;

interface ListParams {
  pageSize?: unknown;
  offset?: unknown;
  maxRecords?: unknown;
  filterByFormula?: unknown;
  sort?: { field: string; direction?: string }[];
  fields?: string[];
  view?: unknown;
  cellFormat?: unknown;
  returnFieldsByFieldId?: unknown;
}

interface Iterator {
  key: string;
  ids: string[];
}

export function registerAirtableRoutes(
  app: FastifyInstance,
  base: AirtableBase,
  records: AirtableRecords,
  webhooks: AirtableWebhooks,
): void {
  const iterators = new Map<string, Iterator>();
  let iteratorSeq = 0;

  const baseOf = (baseId: string) => {
    if (baseId !== base.id)
      throw new SimHttpError(
        airtableError(
          403,
          'INVALID_PERMISSIONS_OR_MODEL_NOT_FOUND',
          'Invalid permissions, or the requested model was not found. Check that both your user and your token have the required permissions, and that the model names and/or ids are correct.',
        ),
      );
    return base;
  };
  const tableOf = (baseId: string, tableIdOrName: string): AirtableTable => {
    const table = findTable(baseOf(baseId), tableIdOrName);
    if (!table)
      throw new SimHttpError(
        airtableError(
          404,
          'TABLE_NOT_FOUND',
          `Could not find table ${tableIdOrName} in application ${baseId}`,
        ),
      );
    return table;
  };

  function list(table: AirtableTable, p: ListParams) {
    const pageSize = p.pageSize === undefined ? MAX_PAGE_SIZE : Number(p.pageSize);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
      throw new SimHttpError(
        invalidRequest(`Invalid pageSize: ${String(p.pageSize)} (must be 1 to ${MAX_PAGE_SIZE})`),
      );
    if (p.view !== undefined)
      throw new SimHttpError(
        airtableError(422, 'VIEW_NAME_NOT_FOUND', `Could not find view ${String(p.view)}`),
      );
    if (p.cellFormat !== undefined && p.cellFormat !== 'json')
      throw new SimHttpError(invalidRequest('Only cellFormat=json is supported by this simulator'));
    const byFieldId = p.returnFieldsByFieldId === true || p.returnFieldsByFieldId === 'true';
    for (const name of p.fields ?? [])
      if (!fieldByName(table, name))
        throw new SimHttpError(airtableError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${name}"`));
    const key = JSON.stringify([table.id, p.filterByFormula, p.sort, p.maxRecords]);

    let iterator: Iterator;
    let position = 0;
    let iteratorId: string;
    if (p.offset !== undefined) {
      const match = /^itr(\d+)\.([0-9a-z]+)\/(rec\w+)$/.exec(String(p.offset));
      const found = match ? iterators.get(match[1]!) : undefined;
      position = match ? parseInt(match[2]!, 36) : -1;
      if (!match || !found || found.key !== key || found.ids[position] !== match[3])
        throw new SimHttpError(
          airtableError(
            422,
            'LIST_RECORDS_ITERATOR_NOT_AVAILABLE',
            'The offset is not valid for this listing',
          ),
        );
      iterator = found;
      iteratorId = match[1]!;
    } else {
      iterator = { key, ids: snapshot(table, p) };
      iteratorId = String(++iteratorSeq);
      iterators.set(iteratorId, iterator);
    }
    const page: ReturnType<typeof recordJson>[] = [];
    let i = position;
    for (; i < iterator.ids.length && page.length < pageSize; i++) {
      const record = table.records.get(iterator.ids[i]!);
      if (record) page.push(recordJson(table, record, byFieldId, p.fields));
    }
    if (i >= iterator.ids.length) {
      iterators.delete(iteratorId);
      return { records: page };
    }
    return { records: page, offset: `itr${iteratorId}.${i.toString(36)}/${iterator.ids[i]}` };
  }

  function snapshot(table: AirtableTable, p: ListParams): string[] {
    let rows = table.records.entries();
    if (p.filterByFormula !== undefined && p.filterByFormula !== '') {
      let formula;
      try {
        formula = parseFormula(String(p.filterByFormula));
        validateFormula(formula, (name) => fieldByName(table, name) !== undefined);
      } catch (error) {
        if (!(error instanceof FormulaError)) throw error;
        throw new SimHttpError(
          airtableError(
            422,
            'INVALID_FILTER_BY_FORMULA',
            `The formula for filtering records is invalid: ${error.message}`,
          ),
        );
      }
      rows = rows.filter(({ value: r }) =>
        Boolean(
          evaluate(formula, {
            id: r.id,
            createdMs: r.createdMs,
            lastModifiedMs: r.lastModifiedMs,
            field: (name) => r.cells[fieldByName(table, name)!.id],
          }),
        ),
      );
    }
    if (p.sort?.length) {
      const keys = p.sort.map((s) => {
        const field = fieldByName(table, s.field);
        if (!field)
          throw new SimHttpError(
            airtableError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${s.field}"`),
          );
        if (s.direction !== undefined && s.direction !== 'asc' && s.direction !== 'desc')
          throw new SimHttpError(invalidRequest(`Invalid sort direction: ${s.direction}`));
        return { id: field.id, dir: s.direction === 'desc' ? -1 : 1 };
      });
      rows = [...rows].sort((a, b) => {
        for (const k of keys) {
          const x = a.value.cells[k.id];
          const y = b.value.cells[k.id];
          if (x === y) continue;
          if (x === undefined) return 1;
          if (y === undefined) return -1;
          return ((x as string | number) < (y as string | number) ? -1 : 1) * k.dir;
        }
        return a.seq - b.seq;
      });
    }
    let ids = rows.map((r) => r.value.id);
    if (p.maxRecords !== undefined) {
      const max = Number(p.maxRecords);
      if (!Number.isInteger(max) || max < 1) throw new SimHttpError(invalidRequest('Invalid maxRecords'));
      ids = ids.slice(0, max);
    }
    return ids;
  }

  const queryParams = (request: FastifyRequest): ListParams => {
    const q = new URL(request.url, 'http://sim').searchParams;
    const sort: ListParams['sort'] = [];
    for (let i = 0; q.has(`sort[${i}][field]`); i++)
      sort.push({
        field: q.get(`sort[${i}][field]`)!,
        direction: q.get(`sort[${i}][direction]`) ?? undefined,
      });
    const fields = q.getAll('fields[]').concat(q.getAll('fields'));
    const opt = (name: string) => q.get(name) ?? undefined;
    return {
      pageSize: opt('pageSize'),
      offset: opt('offset'),
      maxRecords: opt('maxRecords'),
      filterByFormula: opt('filterByFormula'),
      view: opt('view'),
      cellFormat: opt('cellFormat'),
      returnFieldsByFieldId: opt('returnFieldsByFieldId'),
      sort: sort.length ? sort : undefined,
      fields: fields.length ? fields : undefined,
    };
  };

  type TableParams = { baseId: string; table: string };
  type RecordParams = TableParams & { recordId: string };

  app.get<{ Params: TableParams }>('/v0/:baseId/:table', async (request) =>
    list(tableOf(request.params.baseId, request.params.table), queryParams(request)),
  );
  app.post<{ Params: TableParams }>('/v0/:baseId/:table/listRecords', async (request) =>
    list(tableOf(request.params.baseId, request.params.table), (request.body ?? {}) as ListParams),
  );
  app.get<{ Params: RecordParams }>('/v0/:baseId/:table/:recordId', async (request) => {
    const table = tableOf(request.params.baseId, request.params.table);
    const record = table.records.get(request.params.recordId);
    if (!record) throw new SimHttpError({ status: 404, body: { error: 'NOT_FOUND' } });
    const q = new URL(request.url, 'http://sim').searchParams;
    return recordJson(table, record, q.get('returnFieldsByFieldId') === 'true');
  });

  const body = (request: FastifyRequest) => (request.body ?? {}) as Record<string, unknown>;
  const writesOf = (b: Record<string, unknown>, verb: string): RecordWrite[] => {
    if (!Array.isArray(b.records)) throw new SimHttpError(invalidRequest('"records" must be an array'));
    records.checkBatch(b.records.length, verb);
    return b.records.map((r) => {
      const o = (r ?? {}) as Record<string, unknown>;
      return { id: typeof o.id === 'string' ? o.id : undefined, fields: o.fields };
    });
  };

  app.post<{ Params: TableParams }>('/v0/:baseId/:table', async (request) => {
    const table = tableOf(request.params.baseId, request.params.table);
    const b = body(request);
    const typecast = b.typecast === true;
    const byFieldId = b.returnFieldsByFieldId === true;
    if (b.records === undefined && b.fields !== undefined) {
      const [record] = records.create(table, [{ fields: b.fields }], typecast, 'publicApi');
      return recordJson(table, record!, byFieldId);
    }
    const created = records.create(table, writesOf(b, 'create'), typecast, 'publicApi');
    return { records: created.map((r) => recordJson(table, r, byFieldId)) };
  });

  for (const method of ['PATCH', 'PUT'] as const) {
    app.route<{ Params: TableParams }>({
      method,
      url: '/v0/:baseId/:table',
      handler: async (request) => {
        const table = tableOf(request.params.baseId, request.params.table);
        const b = body(request);
        const upsert = b.performUpsert as { fieldsToMergeOn?: unknown } | undefined;
        let mergeOn: string[] | undefined;
        if (upsert !== undefined) {
          const f = upsert?.fieldsToMergeOn;
          if (!Array.isArray(f) || f.length < 1 || f.length > 3 || !f.every((x) => typeof x === 'string'))
            throw new SimHttpError(invalidRequest('performUpsert.fieldsToMergeOn must list 1 to 3 fields'));
          mergeOn = f as string[];
        }
        const result = records.update(
          table,
          writesOf(b, 'update'),
          { replace: method === 'PUT', typecast: b.typecast === true, mergeOn },
          'publicApi',
        );
        const json = {
          records: result.records.map((r) => recordJson(table, r, b.returnFieldsByFieldId === true)),
        };
        return mergeOn
          ? { ...json, createdRecords: result.createdRecords, updatedRecords: result.updatedRecords }
          : json;
      },
    });
    app.route<{ Params: RecordParams }>({
      method,
      url: '/v0/:baseId/:table/:recordId',
      handler: async (request) => {
        const table = tableOf(request.params.baseId, request.params.table);
        const b = body(request);
        const result = records.update(
          table,
          [{ id: request.params.recordId, fields: b.fields }],
          { replace: method === 'PUT', typecast: b.typecast === true },
          'publicApi',
        );
        return recordJson(table, result.records[0]!, b.returnFieldsByFieldId === true);
      },
    });
  }

  app.delete<{ Params: TableParams }>('/v0/:baseId/:table', async (request) => {
    const table = tableOf(request.params.baseId, request.params.table);
    const q = new URL(request.url, 'http://sim').searchParams;
    const ids = q.getAll('records[]').concat(q.getAll('records'));
    records.checkBatch(ids.length, 'delete');
    return { records: records.destroy(table, ids, 'publicApi').map((id) => ({ id, deleted: true })) };
  });
  app.delete<{ Params: RecordParams }>('/v0/:baseId/:table/:recordId', async (request) => {
    const table = tableOf(request.params.baseId, request.params.table);
    const [id] = records.destroy(table, [request.params.recordId], 'publicApi');
    return { id, deleted: true };
  });

  app.get<{ Params: { baseId: string } }>('/v0/meta/bases/:baseId/tables', async (request) => ({
    tables: baseOf(request.params.baseId).tables.map((t) => ({
      id: t.id,
      name: t.name,
      primaryFieldId: t.fields[0]!.id,
      fields: t.fields.map(({ id, name, type, options }) => ({
        id,
        name,
        type,
        ...(options ? { options } : {}),
      })),
    })),
  }));

  // Webhooks
  type HookParams = { baseId: string; webhookId: string };
  const hookOf = (p: HookParams) => {
    baseOf(p.baseId);
    const hook = webhooks.hooks.get(p.webhookId);
    if (!hook) throw new SimHttpError({ status: 404, body: { error: 'NOT_FOUND' } });
    return hook;
  };
  app.post<{ Params: { baseId: string } }>('/v0/bases/:baseId/webhooks', async (request) => {
    baseOf(request.params.baseId);
    const b = body(request);
    const spec = b.specification as {
      options?: { filters?: { dataTypes?: unknown; recordChangeScope?: unknown } };
    };
    const dataTypes = spec?.options?.filters?.dataTypes;
    if (!Array.isArray(dataTypes) || dataTypes.length === 0 || !dataTypes.every((d) => typeof d === 'string'))
      throw new SimHttpError(
        invalidRequest('specification.options.filters.dataTypes must be a non-empty array'),
      );
    if (
      b.notificationUrl !== undefined &&
      b.notificationUrl !== null &&
      typeof b.notificationUrl !== 'string'
    )
      throw new SimHttpError(invalidRequest('notificationUrl must be a string'));
    if (webhooks.hooks.size >= MAX_WEBHOOKS_PER_BASE)
      throw new SimHttpError(
        airtableError(422, 'TOO_MANY_WEBHOOKS', `A base can have at most ${MAX_WEBHOOKS_PER_BASE} webhooks`),
      );
    const scope = spec.options!.filters!.recordChangeScope;
    const hook = webhooks.create((b.notificationUrl as string | undefined) ?? null, {
      options: {
        filters: {
          dataTypes: dataTypes as string[],
          ...(typeof scope === 'string' ? { recordChangeScope: findTable(base, scope)?.id ?? scope } : {}),
        },
      },
    });
    return {
      id: hook.id,
      macSecretBase64: hook.macSecretBase64,
      expirationTime: new Date(hook.expirationMs).toISOString(),
    };
  });
  app.get<{ Params: { baseId: string } }>('/v0/bases/:baseId/webhooks', async (request) => {
    baseOf(request.params.baseId);
    return { webhooks: [...webhooks.hooks.values()].map((h) => webhooks.json(h)) };
  });
  app.delete<{ Params: HookParams }>('/v0/bases/:baseId/webhooks/:webhookId', async (request) => {
    webhooks.hooks.delete(hookOf(request.params).id);
    return {};
  });
  app.post<{ Params: HookParams }>('/v0/bases/:baseId/webhooks/:webhookId/refresh', async (request) => {
    const hook = hookOf(request.params);
    if (!webhooks.isActive(hook))
      throw new SimHttpError(
        airtableError(422, 'CANNOT_REFRESH_DISABLED_WEBHOOK', 'The webhook has expired'),
      );
    webhooks.extend(hook);
    return { expirationTime: new Date(hook.expirationMs).toISOString() };
  });
  app.get<{ Params: HookParams }>('/v0/bases/:baseId/webhooks/:webhookId/payloads', async (request) => {
    const hook = hookOf(request.params);
    const q = new URL(request.url, 'http://sim').searchParams;
    const cursor = q.has('cursor') ? Number(q.get('cursor')) : 1;
    const limit = q.has('limit') ? Number(q.get('limit')) : MAX_PAYLOADS_PER_PAGE;
    if (!Number.isInteger(cursor) || cursor < 1) throw new SimHttpError(invalidRequest('Invalid cursor'));
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAYLOADS_PER_PAGE)
      throw new SimHttpError(
        invalidRequest(`Invalid limit: at most ${MAX_PAYLOADS_PER_PAGE} payloads per request`),
      );
    webhooks.extend(hook);
    const payloads = hook.payloads.slice(cursor - 1, cursor - 1 + limit);
    const next = cursor + payloads.length;
    return { payloads, cursor: next, mightHaveMore: next <= hook.payloads.length };
  });
}

export { MAX_RECORDS_PER_WRITE };
