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
  created_at: string;
  updated_at: string;
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

export interface Database {
  organizations: OrganizationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  connections: ConnectionsTable;
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
  sync_state: SyncStateTable;
}
