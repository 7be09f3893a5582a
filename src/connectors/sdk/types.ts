/**
 * @module The data a connector describes and exchanges: object schemas, records, pages, write results and the
 * declarations (rate limit, auth, webhooks) the runtime reads. Plain data, no behaviour, so a connector for a
 * new platform is mostly a description plus a handful of HTTP calls.
 */
import type { ConflictPolicy } from '../../engine/definition.js';
import type { ConnectorError } from './errors.js';

export type FieldType = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'json' | 'reference';

export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  /** Computed by the platform (ids, timestamps, counters): never written. */
  readOnly?: boolean;
  /** Allowed values, for enums such as a post status. */
  values?: readonly string[];
  /**
   * The conflict policy the platform's semantics call for (a post's terminal status wins, its notes merge), used
   * when the sync names none for the field. `when` steps name this object's own fields; the engine translates
   * them to the sync's canonical names and drops the recommendation when a named field is not mapped.
   */
  conflict?: ConflictPolicy;
}

/** A field that points at a record of another object of the same connector (e.g. a campaign's advertiser). */
export interface ReferenceSpec {
  field: string;
  object: string;
}

export interface ObjectSpec {
  /** The object's name on the platform, e.g. `advertisers`, `posts`, a Notion database id. */
  name: string;
  fields: Record<string, FieldSpec>;
  /** What `RemoteRecord.id` is on the platform (documentation; ids are always strings in the contract). */
  primaryKey: string;
  /** Fields that identify a record for people and for matching (e.g. `email`, `slug`). */
  naturalKeys?: readonly string[];
  references?: readonly ReferenceSpec[];
  /** Field holding the platform's last-modified time, when it has one (newest_wins reads it). */
  updatedAtField?: string;
  /**
   * `id`: listAll yields records in ascending id order (JS string comparison). Full scans then detect deletes by
   * merge-joining the listing with the stored links in constant memory. `none`: no order is promised.
   */
  listOrder: 'id' | 'none';
  /** Largest batch create/update/delete accept in one call. */
  maxBatch: number;
  /** How to archive a record instead of deleting it (delete policy `archive`), when the platform can. */
  archive?: { field: string; value: unknown };
}

/** One record as the platform returns it. */
export interface RemoteRecord {
  id: string;
  data: Record<string, unknown>;
  /** ISO-8601, from the object's updatedAtField. */
  updatedAt?: string;
}

/** A change read from a cursor: the record as it is now, or a tombstone. */
export type ChangedRecord = RemoteRecord | { id: string; deleted: true };

export interface RecordPage {
  records: RemoteRecord[];
}

export interface ChangePage {
  records: ChangedRecord[];
  /**
   * Opaque position after this page. Stored only once everything on the page is committed, so a crash re-reads
   * the page (the engine makes re-reads harmless).
   */
  cursor: string;
}

export interface CreateInput {
  /**
   * Idempotency reference chosen by the engine (the link id), recorded before the call. Connectors that can store
   * it on the remote record (an external-id field, a client-assigned id) make `findCreated` exact.
   */
  ref: string;
  data: Record<string, unknown>;
}

export interface UpdateInput {
  id: string;
  /** A deep patch: nested objects merge, every other value (arrays included) replaces; null clears. */
  data: Record<string, unknown>;
}

/** The outcome of one record inside a batch: writes can fail per record while the batch succeeds. */
export type WriteResult =
  { ok: true; id: string; record?: RemoteRecord } | { ok: false; error: ConnectorError };

export interface RateLimit {
  /** Requests allowed per interval. */
  requests: number;
  intervalMs: number;
  /**
   * Requests that may go at once after an idle period (token bucket size); defaults to 1, evenly spaced (see
   * `bucketForWindow` in runtime/rate-limiter.ts for why not `requests`).
   */
  burst?: number;
}

export type AuthSpec =
  | { kind: 'none' }
  | { kind: 'api_key' }
  | {
      kind: 'oauth2';
      /** Refreshes an expired access token; the runtime stores the result sealed. */
      refresh(tokens: OAuthTokens): Promise<OAuthTokens>;
    };

export interface OAuthTokens {
  accessToken: string;
  refreshToken?: string;
  /** ISO-8601. */
  expiresAt?: string;
}

/** A change announced by a webhook, fed to the same path as a cursor read. */
export interface ChangeEvent {
  /** The platform's event id: stored and deduplicated by the runtime. */
  eventId: string;
  object: string;
  recordId: string;
  kind: 'upsert' | 'delete';
  /** The record, when the platform sends it whole; otherwise the engine reads it by id. */
  record?: RemoteRecord;
}

export interface WebhookSupport {
  /** Constant-time signature check over the raw body; false means reject with 401. */
  verify(rawBody: string, headers: Record<string, string | undefined>, secret: string): boolean;
  parse(rawBody: string, headers: Record<string, string | undefined>): ChangeEvent[];
}
