/**
 * @module Posts of a social account behind the ObjectClient contract, read-only: the platforms' display APIs
 * publish nothing, so writes fail per record with `validation`. Listing walks the account's pages newest first.
 */
import type { ListOptions, ObjectClient } from './sdk/connector.js';
import { ConnectorError } from './sdk/errors.js';
import type { ObjectSpec, RecordPage, RemoteRecord, WriteResult } from './sdk/types.js';
import { SOCIAL_POST_FIELDS, type SocialClient, type SocialPost } from './social-post.js';

export const SOCIAL_POSTS_SPEC: ObjectSpec = {
  name: 'posts',
  fields: SOCIAL_POST_FIELDS,
  primaryKey: 'id',
  listOrder: 'none',
  maxBatch: 20,
  updatedAtField: 'publishedAt',
};

export function postToRemote(p: SocialPost): RemoteRecord {
  const { externalId, ...data } = p;
  return { id: externalId, data, updatedAt: p.publishedAt };
}

export class SocialPostsObject implements ObjectClient {
  readonly spec = SOCIAL_POSTS_SPEC;

  constructor(
    private readonly client: SocialClient,
    private readonly platform: string,
  ) {}

  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    let cursor: string | null = null;
    do {
      options.signal?.throwIfAborted();
      const page = await this.client.postsPage(cursor, options.signal);
      if (page.posts.length) yield { records: page.posts.map(postToRemote) };
      cursor = page.next;
    } while (cursor);
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    return (await this.client.readPosts(ids, options.signal)).map(postToRemote);
  }

  private refuse(count: number): WriteResult[] {
    return Array.from({ length: count }, () => ({
      ok: false as const,
      error: new ConnectorError('validation', `${this.platform} posts are read-only`),
    }));
  }

  async create(inputs: readonly unknown[]): Promise<WriteResult[]> {
    return this.refuse(inputs.length);
  }

  async update(inputs: readonly { id: string }[]): Promise<WriteResult[]> {
    return this.refuse(inputs.length);
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    return this.refuse(ids.length);
  }
}
