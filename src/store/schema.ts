/**
 * @module The database as Kysely sees it. Conventions, the same on both dialects:
 * - ids are prefixed ULIDs (text), timestamps ISO-8601 UTC text, flags integers 0/1;
 * - JSON columns are `jsonb` on Postgres and `text` on SQLite; repositories encode and decode them
 *   (see json.ts), so callers always see plain objects.
 */
import type { ColumnType, Generated } from 'kysely';

/** A JSON column: written as a string, read back as text (SQLite) or parsed (Postgres). */
export type JsonColumn = ColumnType<unknown, string, string>;

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

export interface OrganizationsTable {
  id: string;
  name: string;
  slug: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: string;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: Role;
  created_at: string;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  name: string;
  /** The first characters of the key, shown in lists so a person can tell keys apart. */
  prefix: string;
  /** SHA-256 of the whole key: keys are long random strings, so a fast hash is enough and lookups stay O(1). */
  key_hash: string;
  role: Role;
  created_by: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: string;
  org_id: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  ip: string | null;
  details: JsonColumn;
  created_at: string;
}

export interface ConnectionsTable {
  id: string;
  org_id: string;
  name: string;
  connector: string;
  /** AES-256-GCM sealed JSON (see lib/crypto/secret-box.ts); never returned by the API. */
  credentials_enc: string | null;
  settings: JsonColumn;
  health: 'unknown' | 'healthy' | 'unhealthy' | 'paused';
  health_message: string | null;
  checked_at: string | null;
  managed_by: string | null;
  /** When the platform sent its webhook verification token (kept in the sealed credentials). */
  hook_token_received_at: string | null;
  /** When an admin was shown that token: it is shown once. */
  hook_token_revealed_at: string | null;
  created_at: string;
  updated_at: string;
}

/** One row sealed with the secret key: a start with another key is refused (app/secret-key-check.ts). */
export interface SecretCanaryTable {
  id: string;
  sealed: string;
  created_at: string;
}

export interface CollectionsTable {
  id: string;
  org_id: string;
  key: string;
  name: string;
  schema: JsonColumn;
  managed_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CountersTable {
  name: string;
  value: number;
}

export interface RecordsTable {
  id: string;
  org_id: string;
  collection_id: string;
  status: 'draft' | 'published' | 'archived';
  data: JsonColumn;
  checksum: string;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** Monotonic per database: the change cursor the `collection` connector reads from. */
  change_seq: number;
}

export interface SyncsTable {
  id: string;
  org_id: string;
  name: string;
  definition: JsonColumn;
  status: 'active' | 'paused';
  schedule: string | null;
  managed_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface LinksTable {
  id: string;
  org_id: string;
  sync_id: string;
  a_id: string | null;
  b_id: string | null;
  /** The canonical record both sides last agreed on: the base of the three-way merge. */
  base: JsonColumn;
  a_checksum: string | null;
  b_checksum: string | null;
  last_pushed_at: string | null;
  last_pulled_at: string | null;
  status: string;
  error: string | null;
  updated_at: string;
  /** The object pair of the sync definition this link belongs to (migration 0004). */
  object: string;
}

/** Per sync: cursors and first-run flags per object pair, committed with the links of each batch. */
export interface SyncStateTable {
  sync_id: string;
  org_id: string;
  state: JsonColumn;
  updated_at: string;
}

export type RunStatus = 'queued' | 'running' | 'success' | 'partial' | 'failed' | 'cancelled';

export interface RunsTable {
  id: string;
  org_id: string;
  sync_id: string | null;
  parent_run_id: string | null;
  kind: string;
  target: string | null;
  trigger: 'manual' | 'cron' | 'webhook' | 'event' | 'api';
  status: RunStatus;
  dry_run: number;
  counts: JsonColumn;
  checkpoint: JsonColumn;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** What the handler needs to run (or resume) it: sync id, record ids, options. */
  params: JsonColumn | null;
  /** How many times a worker has started this run (retries and resumes after a crash). */
  attempt: ColumnType<number, number | undefined, number>;
  lock_key: string | null;
  job_id: string | null;
  /** The `partial` run this one continues. */
  continuation_of: string | null;
  /** Consecutive continuations that ended without advancing the checkpoint. */
  no_progress: ColumnType<number, number | undefined, number>;
  stalled: ColumnType<number, number | undefined, number>;
  /** Deliveries that found the run still `running` (its worker died mid-run): all told, and since the last checkpoint. */
  crashes: ColumnType<number, number | undefined, number>;
  crash_streak: ColumnType<number, number | undefined, number>;
  cancel_requested: ColumnType<number, number | undefined, number>;
  heartbeat_at: string | null;
  /** The one token refresh an auth failure gets has been spent. */
  auth_refreshed: ColumnType<number, number | undefined, number>;
}

export interface RunLogsTable {
  id: Generated<number>;
  run_id: string;
  org_id: string;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  record_id: string | null;
  target_id: string | null;
  payload: JsonColumn | null;
  created_at: string;
}

export interface ConflictsTable {
  id: string;
  org_id: string;
  sync_id: string;
  link_id: string;
  run_id: string | null;
  status: 'open' | 'resolved';
  /** Per field: { base, local, remote }. */
  fields: JsonColumn;
  resolution: JsonColumn | null;
  resolved_by: string | null;
  created_at: string;
  resolved_at: string | null;
}

export interface DeliveriesTable {
  id: string;
  org_id: string;
  run_id: string | null;
  target_id: string | null;
  url: string;
  payload: JsonColumn;
  status: 'pending' | 'success' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
  /** The exact bytes a delivery sent, so a replay sends the same body (migration 0010). */
  body: string | null;
}

export interface WebhookEventsTable {
  id: string;
  org_id: string;
  connection_id: string;
  /** The platform's own event id: unique per connection, so a replayed event is stored once. */
  external_id: string;
  headers: JsonColumn;
  body: string;
  status: 'received' | 'processed' | 'failed' | 'ignored';
  error: string | null;
  received_at: string;
  processed_at: string | null;
}

export interface SitesTable {
  id: string;
  org_id: string;
  connection_id: string;
  name: string;
  slug: string;
  url: string;
  last_checksum: string | null;
  last_status: 'success' | 'failed' | null;
  last_error: string | null;
  last_synced_at: string | null;
  created_at: string;
  updated_at: string;
  /** Migration 0008: the current failure streak and the automatic disable (deliveries/endpoint-health.ts). */
  failing_since: string | null;
  consecutive_failures: number;
  disabled_at: string | null;
  disabled_reason: string | null;
}

export interface MappingsTable {
  org_id: string;
  item_id: string;
  site_id: string;
  mode: 'full' | 'override' | 'block';
  overrides: JsonColumn | null;
  updated_at: string;
}

export interface SiteSnapshotsTable {
  site_id: string;
  org_id: string;
  delivery_id: string;
  payload: JsonColumn;
  item_count: number;
  received_at: string;
}

export interface DeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  org_id: string;
  status_code: number | null;
  latency_ms: number;
  response_excerpt: string | null;
  error: string | null;
  created_at: string;
}

/** A signed-in browser: the cookie holds the token, the table only its SHA-256. */
export interface SessionsTable {
  id: string;
  token_hash: string;
  user_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
  expires_at: string;
}

export interface RuntimeJobsTable {
  id: string;
  type: string;
  payload: JsonColumn;
  priority: number;
  run_at: string;
  dedupe_key: string | null;
  lock_key: string | null;
  status: 'queued' | 'running';
  attempts: number;
  /** Deliveries that ended with their holder gone (migration 0013); not attempts. */
  crashes: ColumnType<number, number | undefined, number>;
  max_attempts: number;
  timeout_ms: number | null;
  last_error: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  created_at: string;
}

export interface RuntimeLocksTable {
  key: string;
  owner: string;
  job_id: string | null;
  expires_at: string;
}

export interface RuntimeDeadLettersTable {
  id: string;
  job_id: string;
  type: string;
  payload: JsonColumn;
  attempts: number;
  error: string;
  created_at: string;
}

export interface RuntimeRateBucketsTable {
  key: string;
  tokens: number;
  capacity: number;
  per_second: number;
  updated_ms: number;
  blocked_until_ms: number;
  slowed_until_ms: number;
}

export interface RuntimeSchedulesTable {
  key: string;
  last_tick_at: string;
}

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  connections: ConnectionsTable;
  secret_canary: SecretCanaryTable;
  collections: CollectionsTable;
  counters: CountersTable;
  records: RecordsTable;
  syncs: SyncsTable;
  links: LinksTable;
  runs: RunsTable;
  run_logs: RunLogsTable;
  conflicts: ConflictsTable;
  deliveries: DeliveriesTable;
  webhook_events: WebhookEventsTable;
  sites: SitesTable;
  mappings: MappingsTable;
  site_snapshots: SiteSnapshotsTable;
  delivery_attempts: DeliveryAttemptsTable;
  sessions: SessionsTable;
  runtime_jobs: RuntimeJobsTable;
  runtime_locks: RuntimeLocksTable;
  runtime_dead_letters: RuntimeDeadLettersTable;
  runtime_rate_buckets: RuntimeRateBucketsTable;
  runtime_schedules: RuntimeSchedulesTable;
  sync_state: SyncStateTable;
  record_revisions: RecordRevisionsTable;
  saved_views: SavedViewsTable;
  notifications: NotificationsTable;
  social_accounts: SocialAccountsTable;
  social_posts: SocialPostsTable;
  social_sync_logs: SocialSyncLogsTable;
  social_settings: SocialSettingsTable;
}

/** One version of a content item as it was written (migration 0010). */
export interface RecordRevisionsTable {
  record_id: string;
  version: number;
  org_id: string;
  collection_id: string;
  status: 'draft' | 'published' | 'archived';
  data: JsonColumn;
  action: 'created' | 'updated' | 'restored' | 'deleted';
  restored_from: number | null;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  actor_label: string | null;
  created_at: string;
}

export interface SavedViewsTable {
  id: string;
  org_id: string;
  owner_type: 'user' | 'api_key';
  owner_id: string;
  page: string;
  name: string;
  filters: JsonColumn;
  created_at: string;
}

export type NotificationStatus = 'open' | 'acknowledged' | 'resolved';

export interface NotificationsTable {
  id: string;
  org_id: string;
  kind: string;
  resource_type: string;
  resource_id: string;
  title: string;
  message: string;
  status: NotificationStatus;
  occurrences: number;
  details: JsonColumn;
  created_at: string;
  updated_at: string;
}

export type SocialPlatform = 'instagram' | 'tiktok';
export type SocialTrigger = 'cron' | 'webhook' | 'manual';
export type SocialSyncStatus = 'success' | 'partial' | 'error';

export interface SocialAccountsTable {
  id: string;
  org_id: string;
  connection_id: string;
  platform: SocialPlatform;
  platform_user_id: string;
  username: string;
  tokens_enc: string;
  token_expires_at: string | null;
  auto_sync: number;
  is_active: number;
  problem: string | null;
  newest_post_at: string | null;
  checkpoint: JsonColumn | null;
  last_sync_at: string | null;
  last_auto_sync_at: string | null;
  last_sync_status: SocialSyncStatus | null;
  last_sync_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface SocialPostsTable {
  id: string;
  org_id: string;
  account_id: string;
  external_id: string;
  caption: string;
  media_type: string | null;
  permalink: string | null;
  published_at: string;
  likes: number;
  comments: number;
  views: number | null;
  shares: number | null;
  fetched_at: string;
}

export interface SocialSyncLogsTable {
  id: string;
  org_id: string;
  account_id: string;
  platform: SocialPlatform;
  trigger: SocialTrigger;
  status: SocialSyncStatus;
  posts_found: number;
  posts_synced: number;
  error_message: string | null;
  duration_ms: number;
  started_at: string;
  finished_at: string;
}

export interface SocialSettingsTable {
  org_id: string;
  poll_minutes: number;
  updated_at: string;
}
