/**
 * @module Notion API routes used by a sync (developers.notion.com/reference/*): query a database
 * (2022-06-28) or a data source (2025-09-03), retrieve a database/data source, create/retrieve/update a page
 * (delete = `archived: true` or `in_trash: true`), and `users/me`. There are no batch endpoints in Notion.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import { notionError, validationError } from './notion-errors.js';
import type { NotionPages } from './notion-pages.js';
import { runQuery } from './notion-query.js';
import { NOTION_BOT_ID } from './notion-seed.js';
import {
  databaseJson,
  normalizeId,
  pageJson,
  parseProperties,
  type NotionDatabase,
  type NotionVersion,
} from './notion-state.js';

const BOT = { id: NOTION_BOT_ID, type: 'bot' as const };

export function registerNotionRoutes(
  app: FastifyInstance,
  db: NotionDatabase,
  pages: NotionPages,
  versionOf: (request: FastifyRequest) => NotionVersion,
): void {
  const body = (request: FastifyRequest) => {
    const b = request.body ?? {};
    if (typeof b !== 'object' || Array.isArray(b))
      throw new SimHttpError(validationError('body failed validation: body should be an object.'));
    return b as Record<string, unknown>;
  };
  const dbOf = (id: string, kind: 'database' | 'data source') => {
    const wanted = normalizeId(id);
    if (kind === 'database' ? wanted !== db.id : wanted !== db.dataSourceId)
      throw new SimHttpError(
        notionError(
          404,
          'object_not_found',
          `Could not find ${kind} with ID: ${wanted}. Make sure the relevant pages and databases are shared with your integration.`,
        ),
      );
    return db;
  };
  const query = (request: FastifyRequest) => {
    const result = runQuery(db, body(request));
    return {
      object: 'list',
      results: result.results.map((p) => pageJson(db, p, versionOf(request))),
      next_cursor: result.next_cursor,
      has_more: result.has_more,
      type: 'page_or_database',
      page_or_database: {},
    };
  };

  app.post<{ Params: { id: string } }>('/v1/databases/:id/query', async (request) => {
    dbOf(request.params.id, 'database');
    return query(request);
  });
  app.post<{ Params: { id: string } }>('/v1/data_sources/:id/query', async (request) => {
    dbOf(request.params.id, 'data source');
    return query(request);
  });
  app.get<{ Params: { id: string } }>('/v1/databases/:id', async (request) =>
    databaseJson(dbOf(request.params.id, 'database')),
  );
  app.get<{ Params: { id: string } }>('/v1/data_sources/:id', async (request) => ({
    ...databaseJson(dbOf(request.params.id, 'data source')),
    object: 'data_source',
    id: db.dataSourceId,
    parent: { type: 'database_id', database_id: db.id },
  }));

  app.post('/v1/pages', async (request) => {
    const b = body(request);
    const parent = b.parent as { database_id?: unknown; data_source_id?: unknown } | undefined;
    if (!parent || (typeof parent.database_id !== 'string' && typeof parent.data_source_id !== 'string'))
      throw new SimHttpError(
        validationError('body failed validation: body.parent should be defined, instead was `undefined`.'),
      );
    if (typeof parent.database_id === 'string') dbOf(parent.database_id, 'database');
    else dbOf(parent.data_source_id as string, 'data source');
    const props = parseProperties(db, b.properties ?? {});
    return pageJson(db, pages.create(props, BOT), versionOf(request));
  });
  app.get<{ Params: { id: string } }>('/v1/pages/:id', async (request) =>
    pageJson(db, pages.get(normalizeId(request.params.id)), versionOf(request)),
  );
  app.patch<{ Params: { id: string } }>('/v1/pages/:id', async (request) => {
    const b = body(request);
    const id = normalizeId(request.params.id);
    pages.get(id);
    for (const key of ['archived', 'in_trash'] as const)
      if (b[key] !== undefined && typeof b[key] !== 'boolean')
        throw new SimHttpError(validationError(`body failed validation: body.${key} should be a boolean.`));
    const archived = (b.in_trash ?? b.archived) as boolean | undefined;
    const props = b.properties === undefined ? undefined : parseProperties(db, b.properties);
    return pageJson(db, pages.update(id, { props, archived }, BOT), versionOf(request));
  });
  app.get('/v1/users/me', async () => ({
    object: 'user',
    id: NOTION_BOT_ID,
    name: 'DataSync simulator',
    avatar_url: null,
    type: 'bot',
    bot: { owner: { type: 'workspace', workspace: true }, workspace_name: 'DataSync simulator' },
  }));
}
