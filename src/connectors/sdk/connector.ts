/**
 * @module The connector contract. A connector is code for one platform: it describes its objects and gives the
 * engine a small set of operations per object. Everything a platform may not have is optional and declared, so
 * the engine picks the cheapest correct path (cursor when `listChanged` exists, a checksum scan otherwise).
 *
 * Expected failures are values: a batch write returns one `WriteResult` per input, in input order. A thrown
 * `ConnectorError` means the whole call failed (network, auth, rate limit) and the engine stops the batch.
 */
import type {
  AuthSpec,
  ChangePage,
  CreateInput,
  ObjectSpec,
  RateLimit,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WebhookSupport,
  WriteResult,
} from './types.js';

export interface ListOptions {
  signal?: AbortSignal;
  /** A hint; connectors may return smaller or larger pages. */
  pageSize?: number;
}

/** The operations on one object of one connection. */
export interface ObjectClient {
  readonly spec: ObjectSpec;
  /** Every live record, page by page (streamed: never the whole set in memory). */
  listAll(options?: ListOptions): AsyncIterable<RecordPage>;
  /**
   * Changes after `cursor` (null: from the beginning, i.e. everything live), tombstones included. Absent when the
   * platform has no change feed.
   */
  listChanged?(cursor: string | null, options?: ListOptions): AsyncIterable<ChangePage>;
  /** Missing ids are simply absent from the result (deleted or never existed). */
  readByIds(ids: readonly string[], options?: ListOptions): Promise<RemoteRecord[]>;
  create(inputs: readonly CreateInput[]): Promise<WriteResult[]>;
  update(inputs: readonly UpdateInput[]): Promise<WriteResult[]>;
  /** Deleting a record that is already gone succeeds (`ok: true`). */
  delete(ids: readonly string[]): Promise<WriteResult[]>;
  /**
   * Crash recovery for creates: which of these intended creates exist on the platform (by the stored `ref`, or by
   * natural key)? Returns the remote id per input, or null. Without it, an interrupted create is reported for a
   * person to check instead of being sent twice.
   */
  findCreated?(inputs: readonly CreateInput[]): Promise<(string | null)[]>;
}

/** One connection's live connector. */
export interface Connector {
  readonly name: string;
  readonly rateLimit?: RateLimit;
  readonly auth: AuthSpec;
  readonly webhooks?: WebhookSupport;
  /** Object names this connection exposes. */
  objects(): Promise<ObjectSpec[]>;
  /** Throws ConnectorError `not_found` for an unknown object. */
  object(name: string): Promise<ObjectClient>;
}
