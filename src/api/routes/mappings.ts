/**
 * @module `/api/v1/mappings`: the item × site matrix of content syndication. A cell is full, override (with only
 * the overridden fields, validated against the item's content type) or block; a missing cell means "not sent".
 * A PUT of several cells is all or nothing; mode `none` clears a cell (back to "not sent").
 */
import { z } from 'zod';
import { contentTypeSchema, validateOverrides } from '../../content/content-type.js';
import { DataSyncError } from '../../lib/errors.js';
import { defineRoute, ok, type ApiRoute } from '../define-route.js';
import { idSchema, JsonObjectSchema } from '../schemas/common.js';

const ModeSchema = z.enum(['full', 'override', 'block']);

const CellSchema = z
  .strictObject({
    siteId: z.string(),
    itemId: z.string(),
    mode: ModeSchema,
    overrides: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'MappingCell' });

const CellInput = z
  .strictObject({
    siteId: idSchema('site'),
    itemId: idSchema('rec'),
    mode: z.enum(['full', 'override', 'block', 'none']).meta({ description: '`none` clears the cell' }),
    overrides: JsonObjectSchema.nullable().optional(),
  })
  .refine((c) => c.mode === 'override' || c.overrides == null, {
    message: 'only an override cell has overrides',
    path: ['overrides'],
  });

export const mappingRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/mappings',
    operationId: 'listMappings',
    summary: 'The mapping matrix: every set cell (a missing cell means the item is not sent to that site)',
    tag: 'mappings',
    access: 'syncs:read',
    query: z.strictObject({ siteId: idSchema('site').optional() }),
    responses: { 200: z.strictObject({ data: z.array(CellSchema) }) },
    async handler({ query, auth, repos }) {
      const cells = await repos.mappings.list(auth.orgId, query.siteId ? { siteId: query.siteId } : {});
      return ok({ data: cells.map((c) => ({ ...c, overrides: c.overrides ?? null })) });
    },
  }),
  defineRoute({
    method: 'PUT',
    path: '/api/v1/mappings',
    operationId: 'putMappings',
    summary: 'Set (or, with mode `none`, clear) one cell or a list of cells, all or nothing',
    tag: 'mappings',
    access: 'syncs:mappings',
    body: z.union([CellInput, z.array(CellInput).min(1).max(10_000)]).meta({ id: 'PutMappingsRequest' }),
    responses: {
      200: z.strictObject({
        data: z.array(CellSchema).meta({ description: 'the cells set' }),
        removed: z.number().int().meta({ description: 'cells cleared (mode `none`) that existed' }),
      }),
    },
    async handler({ body, auth, transaction }) {
      const cells = Array.isArray(body) ? body : [body];
      const saved = await transaction(async (repos, audit) => {
        const sites = new Set((await repos.sites.list(auth.orgId)).map((s) => s.id));
        const items = new Map(
          (await repos.records.getByIds(auth.orgId, [...new Set(cells.map((c) => c.itemId))])).map((r) => [
            r.id,
            r,
          ]),
        );
        const schemas = new Map<string, z.infer<typeof contentTypeSchema> | null>();
        const problems: Record<string, unknown> = {};
        for (const [i, cell] of cells.entries()) {
          const item = items.get(cell.itemId);
          if (!sites.has(cell.siteId) || !item) {
            throw new DataSyncError('not_found', `${!item ? 'item' : 'site'} of cell ${i} not found`);
          }
          if (cell.mode !== 'override') continue;
          if (!schemas.has(item.collectionId)) {
            const collection = await repos.collections.get(auth.orgId, item.collectionId);
            const parsed = contentTypeSchema.safeParse(collection?.schema);
            schemas.set(item.collectionId, parsed.success ? parsed.data : null);
          }
          const schema = schemas.get(item.collectionId);
          if (!schema) continue; // a collection without a content type accepts any overrides
          const verdict = validateOverrides(schema, item.data, cell.overrides ?? {});
          if (!verdict.ok) problems[String(i)] = verdict.errors;
        }
        if (Object.keys(problems).length > 0) {
          throw new DataSyncError('validation_failed', 'overrides do not fit the item’s content type', {
            details: { cells: problems },
          });
        }
        const set = cells.flatMap((c) => (c.mode === 'none' ? [] : [{ ...c, mode: c.mode }]));
        await repos.mappings.put(auth.orgId, set);
        let removed = 0;
        for (const c of cells) {
          if (c.mode === 'none') removed += await repos.mappings.remove(auth.orgId, c.siteId, c.itemId);
        }
        await audit({
          action: 'mappings.updated',
          resourceType: 'mapping',
          details: { cells: set.length, removed },
        });
        return {
          data: set.map((c) => ({
            siteId: c.siteId,
            itemId: c.itemId,
            mode: c.mode,
            overrides: c.mode === 'override' ? (c.overrides ?? {}) : null,
          })),
          removed,
        };
      });
      return ok(saved);
    },
  }),
];
