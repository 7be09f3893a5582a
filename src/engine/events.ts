/**
 * @module What a run reports while it runs (typed events, for logs, SSE and metrics) and when it ends (the result).
 */
import type { ErrorCode } from '../lib/errors.js';
import type { ConflictField, FieldDiff, Refusal } from './decide.js';
import type { Side } from './definition.js';

export interface SyncCounts {
  /** Records read from either side (tombstones included). */
  found: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  conflicts: number;
  errors: number;
  /** Filtered, deferred (parent missing), ambiguous, detached. */
  skipped: number;
  /** Reads that were our own earlier writes coming back (counted in `unchanged` too). */
  echoes: number;
}

export interface SideTraffic {
  read: number;
  written: number;
}

export function emptyCounts(): SyncCounts {
  return {
    found: 0,
    created: 0,
    updated: 0,
    deleted: 0,
    unchanged: 0,
    conflicts: 0,
    errors: 0,
    skipped: 0,
    echoes: 0,
  };
}

export type RecordOutcome =
  'created' | 'updated' | 'deleted' | 'archived' | 'conflict' | 'skipped' | 'failed';

/** One record's outcome (unchanged records are counted, not announced). */
export interface RecordEvent {
  type: 'record';
  pair: string;
  /** The side whose change caused this. */
  source: Side;
  sourceId: string | null;
  outcome: RecordOutcome;
  /** Where the write went (or would go, in a dry run). */
  target?: Side;
  targetId?: string | null;
  diffs?: FieldDiff[];
  fields?: ConflictField[];
  reason?: string;
  error?: { kind: string; message: string };
}

export type SyncEvent =
  | { type: 'pair_started'; pair: string; level: number; mode: 'cursor' | 'scan' | 'mixed' }
  /** A page read from one side of a pair (progress: records seen so far). */
  | { type: 'page_read'; pair: string; side: Side; records: number }
  | { type: 'pair_finished'; pair: string }
  | RecordEvent
  | {
      type: 'batch_committed';
      pair: string;
      side: Side;
      records: number;
      cursor: string | null;
      counts: SyncCounts;
    }
  | { type: 'recovered'; pair: string; linkId: string; outcome: 'found' | 'retry' | 'unverified' }
  | { type: 'delete_guard'; pair: string; pending: number; linked: number; approved: boolean }
  /** A side's change that the field's policy did not accept (e.g. a platform editing content after publish). */
  | {
      type: 'refused';
      pair: string;
      sourceId: string | null;
      /** The record whose change was refused (on the refused side). */
      targetId: string | null;
      /** The record whose value stands (the other side), so its history shows the refusal too. */
      keptId: string | null;
      refusals: Refusal[];
    }
  | { type: 'warning'; pair: string; message: string };

export type RunOutcome = 'success' | 'partial' | 'failed' | 'cancelled';

/** One line of a dry run's plan. */
export interface PlanEntry {
  pair: string;
  action: 'create' | 'update' | 'delete' | 'archive' | 'conflict' | 'skip' | 'link' | 'refuse';
  side: Side;
  sourceId: string | null;
  targetId: string | null;
  diffs?: FieldDiff[];
  data?: Record<string, unknown>;
  fields?: ConflictField[];
  refusals?: Refusal[];
  reason?: string;
}

export interface SyncResult {
  syncId: string;
  runId: string | null;
  dryRun: boolean;
  outcome: RunOutcome;
  counts: SyncCounts;
  traffic: { a: SideTraffic; b: SideTraffic };
  /** The first record failures (all of them are in the events). */
  errors: RecordEvent[];
  /** Dry run: the plan (first `planLimit` entries; `planTruncated` says if more were left out). */
  plan: PlanEntry[];
  planTruncated: boolean;
  /** Why the run failed or was cut short. */
  error?: {
    code: ErrorCode;
    message: string;
    /** The connector error kind, when a platform call failed (the runtime retries by it). */
    kind?: string;
    retryAfterMs?: number;
    details?: Record<string, unknown>;
  };
  durationMs: number;
}
