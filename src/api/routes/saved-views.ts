/**
 * @module `/api/v1/saved-views`: named filter sets of a list screen (the runs list's URL query), private to the
 * person or API key that saved them. Saving under an existing name replaces it.
 */
import { z } from 'zod';
import { DataSyncError } from '../../lib/errors.js';
import type { SavedView } from '../../store/repositories/saved-views.js';
import { defineRoute, noContent, ok, type ApiRoute } from '../define-route.js';
import { idSchema, TimestampSchema } from '../schemas/common.js';

const PageName = z.enum(['runs']);

const SavedViewSchema = z
  .strictObject({
    id: z.string(),
    page: PageName,
    name: z.string(),
    filters: z.record(z.string(), z.string()),
    createdAt: TimestampSchema,
  })
  .meta({ id: 'SavedView' });

function view(v: SavedView): z.output<typeof SavedViewSchema> {
  return { ...v, page: v.page as z.output<typeof PageName> };
}

export const savedViewRoutes: ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/api/v1/saved-views',
    operationId: 'listSavedViews',
    summary: "The caller's saved views of a list screen, by name",
    tag: 'saved-views',
    access: 'runs:read',
    query: z.strictObject({ page: PageName.default('runs') }),
    responses: { 200: z.strictObject({ data: z.array(SavedViewSchema) }) },
    async handler({ query, auth, repos }) {
      const views = await repos.savedViews.list(auth.orgId, auth.actor, query.page);
      return ok({ data: views.map(view) });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/saved-views',
    operationId: 'saveView',
    summary: 'Save a named view (replaces the filters of a view with the same name)',
    tag: 'saved-views',
    access: 'runs:read',
    body: z.strictObject({
      page: PageName,
      name: z.string().trim().min(1).max(80),
      filters: z
        .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/), z.string().max(200))
        .refine((f) => Object.keys(f).length <= 20, 'at most 20 filters'),
    }),
    responses: { 200: SavedViewSchema },
    async handler({ body, auth, repos }) {
      return ok(view(await repos.savedViews.save(auth.orgId, auth.actor, body)));
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/saved-views/:id',
    operationId: 'deleteSavedView',
    summary: 'Delete one of your saved views',
    tag: 'saved-views',
    access: 'runs:read',
    params: z.strictObject({ id: idSchema('svw') }),
    responses: { 204: null },
    async handler({ params, auth, repos }) {
      if (!(await repos.savedViews.delete(auth.orgId, auth.actor, params.id))) {
        throw new DataSyncError('not_found', 'saved view not found');
      }
      return noContent();
    },
  }),
];
