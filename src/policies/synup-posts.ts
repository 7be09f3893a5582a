/**
 * @module The Synup posts policy: who wins each field of a post synced between the app (side a, a collection)
 * and Synup (side b). One file, so a support action on Synup never overrides published content by surprise:
 *
 * - **status**: the side with a terminal state (`published`, `failed`) wins. Once the local post is terminal a
 *   Synup change to its status is refused; before that, a post only moves forward (draft → queued → terminal),
 *   whichever side saw the later step.
 * - **scheduledAt**: while the local post is `queued`, a time changed on Synup is accepted (Synup's scheduler is
 *   the one that will publish it); otherwise the newer change wins.
 * - **content**: local is the source of truth once the post is published or failed (on either side: a publish
 *   seen on Synup protects local content in the same run); before that, the last write wins, with the timestamp
 *   guard (a time more than 5 minutes in the future does not count).
 * - **notes**: the lists are merged three-way by note id (notes added on each side are all kept).
 * - anything else: the newer change wins.
 *
 * A refused change is kept out, the run log says per post which rule refused it ("local_only: status is
 * published on either side"), and it is kept in the record's conflict history. Use it as a sync definition's
 * `conflicts`: `import { SYNUP_POSTS_POLICY } from 'datasync/policies'`.
 */
import type { SyncDefinitionInput } from '../engine/definition.js';

export type ConflictsInput = NonNullable<SyncDefinitionInput['conflicts']>;

/** Terminal post states: once a post is here, nothing on the platform moves it. */
export const POST_TERMINAL_STATES = ['published', 'failed'] as const;

export const SYNUP_POSTS_POLICY = {
  default: { policy: 'newest_wins' },
  fields: {
    status: {
      policy: 'when',
      field: 'status',
      side: 'a',
      in: [...POST_TERMINAL_STATES],
      then: { policy: 'local_only' },
      else: { policy: 'state_order', order: ['draft', 'queued', [...POST_TERMINAL_STATES]] },
    },
    scheduledAt: {
      policy: 'when',
      field: 'status',
      side: 'a',
      in: ['queued'],
      then: { policy: 'remote_wins' },
      else: { policy: 'newest_wins' },
    },
    content: {
      policy: 'when',
      field: 'status',
      side: 'either',
      in: [...POST_TERMINAL_STATES],
      then: { policy: 'local_only' },
      else: { policy: 'newest_wins' },
    },
    notes: { policy: 'merge', key: 'id' },
  },
} as const satisfies ConflictsInput;

/** The policies by the name a definition or the docs give them. */
export const NAMED_POLICIES = { 'synup-posts': SYNUP_POSTS_POLICY } as const;
