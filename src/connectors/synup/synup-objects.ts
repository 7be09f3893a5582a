/**
 * @module Synup posts behind the ObjectClient contract (the modelled resource of docs/simulators/synup-posts.md).
 * Records are posts: `{locationId, content, status, scheduledAt, publishedAt, failureReason, media, notes,
 * updatedAt}`.
 * - Listing: `GET /posts?first=100&after=<endCursor>` (creation order).
 * - Changes: `updatedSince=<ISO>` (inclusive). Listings come in creation order, not by update time, so the
 *   cursor (the newest `updatedAt` seen) only moves on the last page; re-reads of the same instant are harmless.
 *   Deleted posts leave the listing: the connection's stored `post.deleted` webhook events become tombstones
 *   on the last page (confirmed by reading the post back).
 * - Writes: no batch endpoints; one record at a time. `status: queued` (or `published` on a draft) publishes;
 *   other status changes belong to Synup and are refused per record. `notes` merge: items not on the post yet
 *   (by id, or by body for new ones) are added with `add-note`. `settings.locationId` is the default location
 *   of new posts.
 */
import type { ListOptions, ObjectClient } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { writeInChunks } from '../sdk/write-outcome.js';
import type {
  ChangePage,
  CreateInput,
  ObjectSpec,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WriteResult,
} from '../sdk/types.js';
import { withTombstones, type DeletedSince } from '../sdk/tombstones.js';
import { connectionOf, type SynupClient } from './synup-client.js';

export const SYNUP_PAGE_SIZE = 100;
export const SYNUP_MAX_BATCH = 10;
export const POST_STATUSES = ['draft', 'queued', 'published', 'failed'] as const;

export interface SynupPostJson {
  id: string;
  locationId: string;
  content: string;
  status: string;
  scheduledAt: string | null;
  publishedAt: string | null;
  failureReason: string | null;
  media: { url: string; type: string }[];
  notes: { id: string; body: string; author?: string; createdAt?: string }[];
  createdAt: string;
  updatedAt: string;
}

export const SYNUP_POSTS_SPEC: ObjectSpec = {
  name: 'posts',
  fields: {
    locationId: { type: 'string', required: true },
    // The post policy set: content is ours once the post is out (before that, the newest edit wins), the
    // terminal status wins, Synup may move the time of a post it has queued, and notes from both sides are kept.
    content: {
      type: 'string',
      required: true,
      conflict: {
        policy: 'when',
        field: 'status',
        side: 'either',
        in: ['published', 'failed'],
        then: { policy: 'local_only' },
        else: { policy: 'newest_wins' },
      },
    },
    status: {
      type: 'string',
      values: POST_STATUSES,
      conflict: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] },
    },
    scheduledAt: {
      type: 'datetime',
      conflict: {
        policy: 'when',
        field: 'status',
        side: 'a',
        in: ['queued'],
        then: { policy: 'remote_wins' },
        else: { policy: 'newest_wins' },
      },
    },
    publishedAt: { type: 'datetime', readOnly: true },
    failureReason: { type: 'string', readOnly: true },
    media: { type: 'json' },
    // Merged by body, the way writes dedupe notes: a note written here has no Synup id until Synup assigns one.
    notes: { type: 'json', conflict: { policy: 'merge', key: 'body' } },
    updatedAt: { type: 'datetime', readOnly: true },
  },
  primaryKey: 'id',
  listOrder: 'none',
  maxBatch: SYNUP_MAX_BATCH,
  updatedAtField: 'updatedAt',
};

export function postToRemote(p: SynupPostJson): RemoteRecord {
  const { id, createdAt: _createdAt, ...data } = p;
  return { id, data, updatedAt: p.updatedAt };
}

function postOf(body: Record<string, unknown>, what: string): SynupPostJson {
  const post = body.post as SynupPostJson | undefined;
  if (!post || typeof post.id !== 'string')
    throw new ConnectorError('server', `Synup ${what}: malformed post`);
  return post;
}

export class SynupPosts implements ObjectClient {
  readonly spec = SYNUP_POSTS_SPEC;

  constructor(
    private readonly client: SynupClient,
    private readonly defaultLocationId: string | undefined,
    /** Deletes reported by stored `post.deleted` events: the listing drops deleted posts without a trace. */
    private readonly deletedSince?: DeletedSince,
  ) {}

  private async *pages(options: ListOptions, since?: string): AsyncIterable<SynupPostJson[]> {
    let after: string | null = null;
    const first = Math.max(1, Math.min(options.pageSize ?? SYNUP_PAGE_SIZE, SYNUP_PAGE_SIZE));
    do {
      options.signal?.throwIfAborted();
      const query: [string, string][] = [['first', String(first)]];
      if (after) query.push(['after', after]);
      if (since) query.push(['updatedSince', since]);
      const body = await this.client.call('GET', '/posts', 'list posts', {
        query,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const connection = connectionOf<SynupPostJson>(body, 'posts');
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      yield connection.edges.map((e) => e.node);
    } while (after);
  }

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    for await (const posts of this.pages(options))
      if (posts.length) yield { records: posts.map(postToRemote) };
  }

  listChanged(cursor: string | null, options: ListOptions = {}): AsyncIterable<ChangePage> {
    const deleted = this.deletedSince;
    return withTombstones(
      this.changedPosts(cursor, options),
      cursor,
      deleted && ((since) => deleted('posts', since, options.signal)),
      (ids) => this.readByIds(ids, options),
    );
  }

  private async *changedPosts(cursor: string | null, options: ListOptions): AsyncIterable<ChangePage> {
    if (cursor !== null && Number.isNaN(Date.parse(cursor)))
      throw new ConnectorError('validation', `bad Synup cursor "${cursor}"`);
    const start = cursor ?? new Date(0).toISOString();
    let newest = start;
    let pending: SynupPostJson[] | undefined;
    for await (const posts of this.pages(options, cursor ?? undefined)) {
      if (pending) yield { records: pending.map(postToRemote), cursor: start };
      for (const p of posts) if (Date.parse(p.updatedAt) > Date.parse(newest)) newest = p.updatedAt;
      pending = posts;
    }
    yield { records: (pending ?? []).map(postToRemote), cursor: newest };
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    for (const id of ids) {
      const post = await this.get(id, options.signal);
      if (post) out.push(postToRemote(post));
    }
    return out;
  }

  private async get(id: string, signal?: AbortSignal): Promise<SynupPostJson | undefined> {
    try {
      return postOf(
        await this.client.call(
          'GET',
          `/posts/${encodeURIComponent(id)}`,
          'get post',
          signal ? { signal } : {},
        ),
        'get post',
      );
    } catch (error) {
      if (error instanceof ConnectorError && (error.kind === 'not_found' || error.status === 400))
        return undefined;
      throw error;
    }
  }

  create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, async ({ data }) => {
      const locationId = data.locationId ?? this.defaultLocationId;
      const input: Record<string, unknown> = { locationId, content: data.content };
      if (data.scheduledAt !== undefined) input.scheduledAt = data.scheduledAt;
      if (data.media !== undefined && data.media !== null) input.media = data.media;
      if (
        data.status !== undefined &&
        data.status !== null &&
        !['draft', 'queued', 'published'].includes(String(data.status))
      )
        throw new ConnectorError('validation', `Synup: a new post cannot be ${String(data.status)}`);
      let post = postOf(
        await this.client.call('POST', '/posts/create', 'create post', { input }),
        'create post',
      );
      post = await this.applyStatusAndNotes(post, data);
      return { ok: true, id: post.id, record: postToRemote(post) };
    });
  }

  update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, async ({ id, data }) => {
      let post = await this.get(id);
      if (!post) throw new ConnectorError('not_found', `Synup post ${id} not found`);
      const input: Record<string, unknown> = {};
      for (const key of ['content', 'scheduledAt', 'media'] as const)
        if (data[key] !== undefined && JSON.stringify(data[key]) !== JSON.stringify(post[key]))
          input[key] = data[key];
      if (data.locationId !== undefined && data.locationId !== post.locationId)
        throw new ConnectorError('validation', 'Synup: a post cannot move to another location');
      if (Object.keys(input).length)
        post = postOf(
          await this.client.call('POST', '/posts/update', 'update post', { input: { id, ...input } }),
          'update post',
        );
      post = await this.applyStatusAndNotes(post, data);
      return { ok: true, id: post.id, record: postToRemote(post) };
    });
  }

  private async applyStatusAndNotes(
    post: SynupPostJson,
    data: Record<string, unknown>,
  ): Promise<SynupPostJson> {
    const status = data.status;
    if (status !== undefined && status !== null && status !== post.status) {
      const publish = status === 'queued' || (status === 'published' && post.status !== 'queued');
      if (!publish)
        throw new ConnectorError(
          'validation',
          `Synup: status ${post.status} → ${String(status)} is Synup's to make`,
        );
      const input: Record<string, unknown> = { id: post.id };
      if (typeof data.scheduledAt === 'string') input.scheduledAt = data.scheduledAt;
      post = postOf(
        await this.client.call('POST', '/posts/publish', 'publish post', { input }),
        'publish post',
      );
    }
    if (Array.isArray(data.notes)) {
      const ids = new Set(post.notes.map((n) => n.id));
      const bodies = new Set(post.notes.map((n) => n.body));
      for (const raw of data.notes as { id?: unknown; body?: unknown }[]) {
        if (typeof raw?.body !== 'string') continue;
        if ((typeof raw.id === 'string' && ids.has(raw.id)) || bodies.has(raw.body)) continue;
        post = postOf(
          await this.client.call('POST', '/posts/add-note', 'add note', {
            input: { postId: post.id, body: raw.body },
          }),
          'add note',
        );
        bodies.add(raw.body);
      }
    }
    return post;
  }

  delete(ids: readonly string[]): Promise<WriteResult[]> {
    return this.each(ids, async (id) => {
      try {
        await this.client.call('POST', '/posts/delete', 'delete post', { input: { id } });
      } catch (error) {
        if (!(error instanceof ConnectorError && (error.kind === 'not_found' || error.status === 400)))
          throw error;
      }
      return { ok: true, id };
    });
  }

  /** One call per record, through writeInChunks (record-level refusals become results; see there). */
  private each<T>(inputs: readonly T[], one: (input: T) => Promise<WriteResult>): Promise<WriteResult[]> {
    return writeInChunks(inputs, { size: 1, send: async ([input]) => [await one(input!)] });
  }
}
