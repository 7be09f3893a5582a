/**
 * @module Post operations and the lifecycle rules (see synup-state.ts), shared by the HTTP routes and the
 * platform-side controls (the scheduler publishing due posts, a network rejecting one, a person adding a note).
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { synupError } from './synup-errors.js';
import {
  encodeId,
  parseContent,
  parseMedia,
  parseTime,
  type PostStatus,
  type SynupAccount,
  type SynupPost,
} from './synup-state.js';
import type { SynupWebhooks } from './synup-webhooks.js';

export class SynupPosts {
  constructor(
    private readonly account: SynupAccount,
    private readonly clock: SimClock,
    private readonly webhooks: SynupWebhooks,
  ) {}

  private now() {
    return new Date(this.clock.now()).toISOString();
  }

  get(id: unknown): SynupPost {
    const post = typeof id === 'string' ? this.account.posts.get(id) : undefined;
    if (!post) throw new SimHttpError(synupError(404, 'NOT_FOUND', `Post ${String(id)} not found`));
    return post;
  }

  private save(post: SynupPost): SynupPost {
    this.account.posts.replace(post.id, post);
    return post;
  }

  create(input: Record<string, unknown>): SynupPost {
    if (!this.account.locations.some((l) => l.id === input.locationId))
      throw new SimHttpError(
        synupError(400, 'VALIDATION_ERROR', 'locationId does not name a location of this account'),
      );
    const now = this.now();
    const post: SynupPost = {
      id: encodeId('Post', this.account.next.post++),
      locationId: input.locationId as string,
      content: parseContent(input.content),
      status: 'draft',
      scheduledAt: input.scheduledAt === undefined ? null : parseTime(input.scheduledAt, 'scheduledAt'),
      publishedAt: null,
      failureReason: null,
      media: input.media === undefined ? [] : parseMedia(input.media),
      notes: [],
      createdAt: now,
      updatedAt: now,
    };
    this.account.posts.insert(post);
    this.webhooks.emit('post.created', post);
    return post;
  }

  /**
   * `POST /posts/update`. `asStaff` models an edit made in Synup's own dashboard by its support staff, which the
   * public API's rule (a published post is final) does not bind: the case a sync must not let overwrite local
   * content.
   */
  update(input: Record<string, unknown>, asStaff = false): SynupPost {
    const post = this.get(input.id);
    const edits = ['content', 'media', 'scheduledAt'].filter((k) => input[k] !== undefined);
    if (edits.length && post.status === 'published' && !asStaff)
      throw new SimHttpError(synupError(422, 'INVALID_STATE', 'A published post cannot be edited'));
    const next: SynupPost = {
      ...post,
      ...(input.content !== undefined ? { content: parseContent(input.content) } : {}),
      ...(input.media !== undefined ? { media: parseMedia(input.media) } : {}),
      ...(input.scheduledAt !== undefined
        ? { scheduledAt: parseTime(input.scheduledAt, 'scheduledAt') }
        : {}),
      updatedAt: this.now(),
    };
    this.save(next);
    this.webhooks.emit('post.updated', next);
    return next;
  }

  private transition(post: SynupPost, status: PostStatus, patch: Partial<SynupPost> = {}): SynupPost {
    const next = this.save({ ...post, ...patch, status, updatedAt: this.now() });
    this.webhooks.emit('post.status_changed', next, { previousStatus: post.status });
    return next;
  }

  /** draft or failed → queued; the scheduled time defaults to now. */
  publish(input: Record<string, unknown>): SynupPost {
    const post = this.get(input.id);
    if (post.status !== 'draft' && post.status !== 'failed')
      throw new SimHttpError(synupError(422, 'INVALID_STATE', `A ${post.status} post cannot be published`));
    const scheduledAt =
      input.scheduledAt !== undefined
        ? parseTime(input.scheduledAt, 'scheduledAt')
        : (post.scheduledAt ?? this.now());
    return this.transition(post, 'queued', { scheduledAt, failureReason: null });
  }

  addNote(input: Record<string, unknown>, author = 'api'): SynupPost {
    const post = this.get(input.postId);
    if (typeof input.body !== 'string' || input.body.trim() === '')
      throw new SimHttpError(synupError(400, 'VALIDATION_ERROR', 'body must be a non-empty string'));
    const note = {
      id: encodeId('Note', this.account.next.note++),
      body: input.body,
      author,
      createdAt: this.now(),
    };
    const next = this.save({ ...post, notes: [...post.notes, note], updatedAt: this.now() });
    this.webhooks.emit('post.note_added', next, { note });
    return next;
  }

  delete(input: Record<string, unknown>): SynupPost {
    const post = this.get(input.id);
    this.account.posts.delete(post.id);
    this.webhooks.emit('post.deleted', post);
    return post;
  }

  /** The platform's scheduler: publishes every queued post whose time has come. */
  publishDue(): SynupPost[] {
    const now = this.clock.now();
    return this.account.posts
      .values()
      .filter((p) => p.status === 'queued' && p.scheduledAt !== null && Date.parse(p.scheduledAt) <= now)
      .map((p) => this.transition(p, 'published', { publishedAt: this.now() }));
  }

  /** The network rejected a queued post. */
  fail(id: string, reason: string): SynupPost {
    const post = this.get(id);
    if (post.status !== 'queued') throw new Error(`only a queued post can fail (post is ${post.status})`);
    return this.transition(post, 'failed', { failureReason: reason });
  }
}
