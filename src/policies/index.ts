/** @module Named conflict policies, for sync definitions and config as code (`datasync/policies`). */
export {
  NAMED_POLICIES,
  POST_TERMINAL_STATES,
  SYNUP_POSTS_POLICY,
  type ConflictsInput,
} from './synup-posts.js';
