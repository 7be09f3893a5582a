/**
 * @module Routes of the modelled Synup posts API (docs/simulators/synup-posts.md), in the style of Synup's v4
 * API: reads are GETs returning GraphQL-style connections (`first` ≤ 100, default 20; `after` = an endCursor;
 * `{edges:[{cursor,node}], pageInfo:{hasNextPage, hasPreviousPage, startCursor, endCursor}, totalCount}`),
 * writes are `POST …/<verb>` with `{"input":{…}}`. `updatedSince` filters posts changed at or after a time.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import type { StoredRecord } from '../kit/sim-store.js';
import { synupError } from './synup-errors.js';
import type { SynupPosts } from './synup-posts.js';
import type { SynupAccount, SynupPost } from './synup-state.js';
import { SYNUP_EVENT_TYPES, type SynupEventType, type SynupWebhooks } from './synup-webhooks.js';

export const MAX_FIRST = 100;
export const DEFAULT_FIRST = 20;

const invalid = (message: string) => new SimHttpError(synupError(400, 'VALIDATION_ERROR', message));

function connection<T>(rows: StoredRecord<T>[], q: URLSearchParams) {
  const first = q.has('first') ? Number(q.get('first')) : DEFAULT_FIRST;
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST)
    throw invalid(`first must be an integer between 1 and ${MAX_FIRST}`);
  let afterSeq = 0;
  if (q.has('after')) {
    const m = /^cursor:(\d+)$/.exec(Buffer.from(q.get('after')!, 'base64').toString('utf8'));
    if (!m) throw invalid('after is not a valid cursor');
    afterSeq = Number(m[1]);
  }
  const rest = rows.filter((r) => r.seq > afterSeq);
  const page = rest.slice(0, first);
  const cursor = (r: StoredRecord<T>) => Buffer.from(`cursor:${r.seq}`).toString('base64');
  return {
    edges: page.map((r) => ({ cursor: cursor(r), node: r.value })),
    pageInfo: {
      hasNextPage: rest.length > first,
      hasPreviousPage: afterSeq > 0,
      startCursor: page[0] ? cursor(page[0]) : null,
      endCursor: page.length ? cursor(page[page.length - 1]!) : null,
    },
    totalCount: rows.length,
  };
}

export function registerSynupRoutes(
  app: FastifyInstance,
  account: SynupAccount,
  posts: SynupPosts,
  webhooks: SynupWebhooks,
): void {
  const query = (request: FastifyRequest) => new URL(request.url, 'http://sim').searchParams;
  const input = (request: FastifyRequest): Record<string, unknown> => {
    const i = (request.body as { input?: unknown } | undefined)?.input;
    if (typeof i !== 'object' || i === null || Array.isArray(i))
      throw invalid('the body must be {"input": {…}}');
    return i as Record<string, unknown>;
  };

  app.get('/api/v4/locations', async (request) => ({
    success: true,
    locations: connection(
      account.locations.map((value, i) => ({ seq: i + 1, value })),
      query(request),
    ),
  }));

  app.get('/api/v4/posts', async (request) => {
    const q = query(request);
    let rows: StoredRecord<SynupPost>[] = account.posts.entries();
    const since = q.get('updatedSince');
    if (since !== null) {
      const ms = Date.parse(since);
      if (Number.isNaN(ms)) throw invalid('updatedSince must be an ISO 8601 time');
      rows = rows.filter((r) => Date.parse(r.value.updatedAt) >= ms);
    }
    const location = q.get('locationId');
    if (location !== null) rows = rows.filter((r) => r.value.locationId === location);
    const status = q.get('status');
    if (status !== null) rows = rows.filter((r) => r.value.status === status);
    return { success: true, posts: connection(rows, q) };
  });
  app.get<{ Params: { id: string } }>('/api/v4/posts/:id', async (request) => ({
    success: true,
    post: posts.get(decodeURIComponent(request.params.id)),
  }));
  app.post('/api/v4/posts/create', async (request) => ({
    success: true,
    post: posts.create(input(request)),
  }));
  app.post('/api/v4/posts/update', async (request) => ({
    success: true,
    post: posts.update(input(request)),
  }));
  app.post('/api/v4/posts/publish', async (request) => ({
    success: true,
    post: posts.publish(input(request)),
  }));
  app.post('/api/v4/posts/add-note', async (request) => ({
    success: true,
    post: posts.addNote(input(request)),
  }));
  app.post('/api/v4/posts/delete', async (request) => ({
    success: true,
    post: posts.delete(input(request)),
  }));

  app.get('/api/v4/webhooks', async () => ({
    success: true,
    webhooks: webhooks.hooks.map(({ id, url, events }) => ({ id, url, events })),
  }));
  app.post('/api/v4/webhooks/create', async (request) => {
    const i = input(request);
    if (typeof i.url !== 'string' || !/^https?:\/\//.test(i.url)) throw invalid('url must be an http(s) URL');
    const events = i.events ?? SYNUP_EVENT_TYPES;
    if (!Array.isArray(events) || !events.every((e) => SYNUP_EVENT_TYPES.includes(e as SynupEventType)))
      throw invalid(`events must be a list of ${SYNUP_EVENT_TYPES.join(', ')}`);
    const hook = webhooks.register(i.url, events as SynupEventType[]);
    return { success: true, webhook: hook };
  });
  app.post('/api/v4/webhooks/delete', async (request) => {
    const i = input(request);
    const index = webhooks.hooks.findIndex((h) => h.id === i.id);
    if (index < 0) throw new SimHttpError(synupError(404, 'NOT_FOUND', `Webhook ${String(i.id)} not found`));
    webhooks.hooks.splice(index, 1);
    return { success: true };
  });
}
