/**
 * @module HubSpot CRM v3 object routes (developers.hubspot.com/docs/api/crm/{contacts,companies,deals},
 * crm/search): list (`limit` ≤ 100, default 10; `after` cursor; `properties`; `archived`), read, create, update,
 * archive, batch read/create/update/archive/upsert (100 inputs per call), search.
 *
 * Choices where the docs are silent: `limit` above 100 is a 400 VALIDATION_ERROR (not clamped); an oversized
 * batch is a 400 VALIDATION_ERROR worded like HubSpot's property-history batch error; batch read/update with
 * unknown ids answers 207 with `errors`/`numErrors` for those ids; `after` cursors are opaque (base64 of the
 * next id, as in the docs' example `NTI1Cg%3D%3D`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import { hubspotError, validation } from './hubspot-errors.js';
import type { HubSpotObjects } from './hubspot-objects.js';
import { search } from './hubspot-search.js';
import { objectJson, type Crm, type CrmObject, type ObjectType } from './hubspot-state.js';

export const LIST_MAX_LIMIT = 100;
export const BATCH_MAX_INPUTS = 100;

type TypeParams = { type: string };
type ObjectParams = TypeParams & { id: string };

export function registerHubSpotRoutes(
  app: FastifyInstance,
  crm: Crm,
  objects: HubSpotObjects,
  baseUrl: () => string,
) {
  const typeOf = (name: string): ObjectType => {
    const type = crm.types[name];
    if (!type) throw new SimHttpError(validation(`Unable to infer object type from: ${name}`));
    return type;
  };
  const notFound = () => new SimHttpError(hubspotError(404, 'OBJECT_NOT_FOUND', 'resource not found'));
  const query = (request: FastifyRequest) => new URL(request.url, 'http://sim').searchParams;
  const propsParam = (q: URLSearchParams) => {
    const values = q
      .getAll('properties')
      .flatMap((v) => v.split(','))
      .filter(Boolean);
    return values.length ? values : undefined;
  };
  const body = (request: FastifyRequest) => {
    const b = request.body;
    if (typeof b !== 'object' || b === null || Array.isArray(b))
      throw new SimHttpError(validation('Invalid input JSON: expected an object'));
    return b as Record<string, unknown>;
  };
  const inputs = (request: FastifyRequest): Record<string, unknown>[] => {
    const list = body(request).inputs;
    if (!Array.isArray(list))
      throw new SimHttpError(validation('Invalid input JSON: inputs must be an array'));
    if (list.length > BATCH_MAX_INPUTS)
      throw new SimHttpError(
        validation(
          `The maximum number of inputs supported in a batch request is ${BATCH_MAX_INPUTS}. Please reduce the number of items and try again`,
        ),
      );
    return list.map((i) => (typeof i === 'object' && i !== null ? (i as Record<string, unknown>) : {}));
  };
  const timing = (started: string) => ({ startedAt: started, completedAt: new Date().toISOString() });

  app.get<{ Params: TypeParams }>('/crm/v3/objects/:type', async (request) => {
    const type = typeOf(request.params.type);
    const q = query(request);
    const limit = q.has('limit') ? Number(q.get('limit')) : 10;
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_MAX_LIMIT)
      throw new SimHttpError(validation(`limit must be between 1 and ${LIST_MAX_LIMIT}`));
    let after = 0;
    if (q.has('after')) {
      const raw = q.get('after')!;
      const decoded = /^\d+$/.test(raw) ? raw : Buffer.from(raw, 'base64').toString('utf8').trim();
      after = Number(decoded);
      if (!/^\d+$/.test(decoded)) throw new SimHttpError(validation(`Invalid after cursor: ${raw}`));
    }
    const archived = q.get('archived') === 'true';
    const rows = type.store
      .values()
      .filter((o) => o.archived === archived && Number(o.id) >= after)
      .sort((a, b) => Number(a.id) - Number(b.id));
    const page = rows.slice(0, limit);
    const properties = propsParam(q);
    const result: Record<string, unknown> = { results: page.map((o) => objectJson(type, o, properties)) };
    if (rows.length > limit) {
      const cursor = Buffer.from(`${rows[limit]!.id}\n`).toString('base64');
      const link = new URL(`${baseUrl()}/crm/v3/objects/${type.name}`);
      link.searchParams.set('after', cursor);
      link.searchParams.set('limit', String(limit));
      result.paging = { next: { after: cursor, link: link.toString() } };
    }
    return result;
  });

  app.get<{ Params: ObjectParams }>('/crm/v3/objects/:type/:id', async (request) => {
    const type = typeOf(request.params.type);
    const q = query(request);
    const o = objects.find(type, request.params.id, q.get('idProperty') ?? undefined);
    if (!o || o.archived !== (q.get('archived') === 'true')) throw notFound();
    return objectJson(type, o, propsParam(q));
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type', async (request, reply) => {
    const type = typeOf(request.params.type);
    const [created] = objects.create(type, [body(request).properties ?? {}], 'API');
    return reply.status(201).send(objectJson(type, created!, Object.keys(created!.properties)));
  });

  app.patch<{ Params: ObjectParams }>('/crm/v3/objects/:type/:id', async (request) => {
    const type = typeOf(request.params.type);
    const o = objects.find(type, request.params.id, query(request).get('idProperty') ?? undefined);
    if (!o || o.archived) throw notFound();
    const [updated] = objects.update(
      type,
      [{ object: o, properties: body(request).properties ?? {} }],
      'API',
    );
    return objectJson(type, updated!, Object.keys(updated!.properties));
  });

  app.delete<{ Params: ObjectParams }>('/crm/v3/objects/:type/:id', async (request, reply) => {
    const type = typeOf(request.params.type);
    const o = type.store.get(request.params.id);
    if (o && !o.archived) objects.archive(type, [o], 'API');
    return reply.status(204).send();
  });

  const missing = (type: ObjectType, ids: string[], verb: string) =>
    ids.length
      ? {
          numErrors: 1,
          errors: [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message: `Could not ${verb} some ${type.singular.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
              context: { ids },
            },
          ],
        }
      : {};

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/batch/read', async (request, reply) => {
    const started = new Date().toISOString();
    const type = typeOf(request.params.type);
    const b = body(request);
    const list = inputs(request);
    const idProperty = typeof b.idProperty === 'string' ? b.idProperty : undefined;
    const properties = Array.isArray(b.properties) ? (b.properties as string[]) : undefined;
    const found: CrmObject[] = [];
    const absent: string[] = [];
    for (const i of list) {
      const o = objects.find(type, String(i.id), idProperty);
      if (o && !o.archived) found.push(o);
      else absent.push(String(i.id));
    }
    return reply.status(absent.length ? 207 : 200).send({
      status: 'COMPLETE',
      results: found.map((o) => objectJson(type, o, properties)),
      ...missing(type, absent, 'get'),
      ...timing(started),
    });
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/batch/create', async (request, reply) => {
    const started = new Date().toISOString();
    const type = typeOf(request.params.type);
    const created = objects.create(
      type,
      inputs(request).map((i) => i.properties ?? {}),
      'API',
    );
    return reply.status(201).send({
      status: 'COMPLETE',
      results: created.map((o) => objectJson(type, o, Object.keys(o.properties))),
      ...timing(started),
    });
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/batch/update', async (request, reply) => {
    const started = new Date().toISOString();
    const type = typeOf(request.params.type);
    const idProperty =
      typeof body(request).idProperty === 'string' ? (body(request).idProperty as string) : undefined;
    const changes: { object: CrmObject; properties: unknown }[] = [];
    const absent: string[] = [];
    for (const i of inputs(request)) {
      const o = objects.find(type, String(i.id), idProperty);
      if (o && !o.archived) changes.push({ object: o, properties: i.properties ?? {} });
      else absent.push(String(i.id));
    }
    const updated = objects.update(type, changes, 'API');
    return reply.status(absent.length ? 207 : 200).send({
      status: 'COMPLETE',
      results: updated.map((o) => objectJson(type, o, Object.keys(o.properties))),
      ...missing(type, absent, 'update'),
      ...timing(started),
    });
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/batch/archive', async (request, reply) => {
    const type = typeOf(request.params.type);
    const list = inputs(request)
      .map((i) => type.store.get(String(i.id)))
      .filter((o): o is CrmObject => o !== undefined && !o.archived);
    objects.archive(type, list, 'API');
    return reply.status(204).send();
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/batch/upsert', async (request) => {
    const started = new Date().toISOString();
    const type = typeOf(request.params.type);
    const results: Record<string, unknown>[] = [];
    const list = inputs(request);
    for (const i of list) {
      if (typeof i.idProperty !== 'string' || typeof i.id !== 'string')
        throw new SimHttpError(validation('Each upsert input needs idProperty and id'));
      if (!(type.name === 'contacts' && i.idProperty === 'email'))
        throw new SimHttpError(validation(`${i.idProperty} is not a unique property of ${type.name}`));
    }
    for (const i of list) {
      const existing = objects.find(type, i.id as string, i.idProperty as string);
      const props = { ...((i.properties as object) ?? {}), [i.idProperty as string]: i.id };
      const [o] =
        existing && !existing.archived
          ? objects.update(type, [{ object: existing, properties: props }], 'API')
          : objects.create(type, [props], 'API');
      results.push({
        ...objectJson(type, o!, Object.keys(o!.properties)),
        new: !existing || existing.archived,
      });
    }
    return { status: 'COMPLETE', results, ...timing(started) };
  });

  app.post<{ Params: TypeParams }>('/crm/v3/objects/:type/search', async (request) =>
    search(typeOf(request.params.type), body(request)),
  );
}
