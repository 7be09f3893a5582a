/**
 * @module The sync-engine API some users migrate from (`POST /sync/start`), translated into DataSync's terms and
 * back, with no I/O: the request's vocabulary (sync_type, source_platform, target_entity, conflict_resolution,
 * schedule nicknames) → a sync definition, a stable sync name and collection key, a cron schedule; a finished run
 * → the response that API gave. The route (api/routes/sync-start.ts) does the lookups, the writes and the wait.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ObjectSpec } from '../connectors/sdk/types.js';
import type { SyncDefinitionInput } from '../engine/definition.js';
import { DataSyncError } from '../lib/errors.js';
import { SCHEDULE_FORMS, scheduleToCron } from '../lib/schedule.js';
import type { RunCounts } from '../store/repositories/runs.js';
import type { RunStatus } from '../store/schema.js';

export const SYNC_TYPES = ['pull', 'push', 'bidirectional'] as const;
export const CONFLICT_RESOLUTIONS = ['prefer_local', 'prefer_remote', 'manual_review'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];
export type ConflictResolution = (typeof CONFLICT_RESOLUTIONS)[number];

/** What the old API applied when the caller named no strategy; also the engine's own default (local_wins). */
export const DEFAULT_CONFLICT_RESOLUTION: ConflictResolution = 'prefer_local';

const DIRECTIONS = { pull: 'pull', push: 'push', bidirectional: 'two-way' } as const;
const POLICIES = {
  prefer_local: 'local_wins',
  prefer_remote: 'remote_wins',
  manual_review: 'manual',
} as const;

export { scheduleToCron };

export const SyncStartRequestSchema = z
  .strictObject({
    project_id: z.string().trim().min(1).max(100),
    sync_type: z.enum(SYNC_TYPES),
    source_platform: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .meta({ description: "a connection of the organization, by its name or its connector's (e.g. synup)" }),
    target_entity: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .meta({ description: "the connector's object, e.g. posts" }),
    schedule: z
      .string()
      .max(200)
      .refine((s) => scheduleToCron(s) !== undefined, {
        message: `must be ${SCHEDULE_FORMS}`,
      })
      .optional(),
    conflict_resolution: z.enum(CONFLICT_RESOLUTIONS).optional(),
  })
  .meta({ id: 'SyncStartRequest' });
export type SyncStartRequest = z.output<typeof SyncStartRequestSchema>;

export const SyncStartResponseSchema = z
  .strictObject({
    status: z.enum(['completed', 'failed', 'partial']),
    synced_items: z.number().int().nonnegative().meta({ description: 'records created, updated or deleted' }),
    conflicts_detected: z.number().int().nonnegative(),
    conflict_resolution: z.enum(CONFLICT_RESOLUTIONS),
    last_sync: z.string().meta({ description: 'when the run ended (ISO-8601)' }),
    sync_id: z.string().meta({ description: 'DataSync: the sync this request registered or found' }),
    run_id: z.string().meta({ description: 'DataSync: the run, for GET /api/v1/runs/{id}/logs' }),
    error: z.string().nullable().meta({ description: 'DataSync: why the run failed, if it did' }),
  })
  .meta({ id: 'SyncStartResponse' });
export type SyncStartResponse = z.output<typeof SyncStartResponseSchema>;

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 8);

/** The name a request's sync is found by on every call: the same three values always name the same sync. */
export function syncNameFor(req: Pick<SyncStartRequest, 'project_id' | 'source_platform' | 'target_entity'>) {
  return `sync-start: ${req.project_id} / ${req.source_platform} / ${req.target_entity}`;
}

const COLLECTION_KEY = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * The local collection's key: `<project>_<entity>` when that already is a valid key, else a cleaned-up form
 * with a digest of the original, so two projects that differ only in case or punctuation never share one.
 */
export function collectionKeyFor(req: Pick<SyncStartRequest, 'project_id' | 'target_entity'>): string {
  const raw = `${req.project_id}_${req.target_entity}`;
  if (COLLECTION_KEY.test(raw)) return raw;
  const cleaned = raw.toLowerCase().replace(/[^a-z0-9_-]+/g, '_');
  const start = /^[a-z]/.test(cleaned) ? cleaned : `p${cleaned}`;
  return `${start.slice(0, 55)}_${digest(raw)}`;
}

function pairNameFor(entity: string): string {
  const cleaned = entity.replace(/[^a-zA-Z0-9_-]+/g, '_').slice(0, 64);
  return cleaned.length > 0 ? cleaned : 'objects';
}

/** The old API's name for a DataSync policy, when it has one. */
export function resolutionFor(policy: string): ConflictResolution | undefined {
  return (Object.keys(POLICIES) as ConflictResolution[]).find((r) => POLICIES[r] === policy);
}

export function directionFor(syncType: SyncType) {
  return DIRECTIONS[syncType];
}

export function policyFor(resolution: ConflictResolution) {
  return POLICIES[resolution];
}

/**
 * Every field of the object's schema, same name on both sides. Read-only fields are never written to the
 * platform: left out of a push, and flowing only inward on a two-way sync.
 */
export function fieldMappingsFor(spec: ObjectSpec, syncType: SyncType) {
  const fields = [];
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.readOnly && syncType === 'push') continue;
    fields.push({
      a: name,
      b: name,
      ...(field.readOnly && syncType === 'bidirectional' ? { direction: 'b_to_a' as const } : {}),
    });
  }
  return fields;
}

/** The definition a first request registers: the collection as side a, the connection's object as side b. */
export function syncDefinitionFor(
  req: SyncStartRequest,
  target: { connectionId: string; collectionKey: string; spec: ObjectSpec },
): SyncDefinitionInput {
  const fields = fieldMappingsFor(target.spec, req.sync_type);
  if (fields.length === 0) {
    throw new DataSyncError(
      'validation_failed',
      `object "${req.target_entity}" has no field a ${req.sync_type} sync can write`,
      { details: { target_entity: req.target_entity, sync_type: req.sync_type } },
    );
  }
  const mapped = new Set(fields.map((f) => f.a));
  return {
    a: { connector: 'collection' },
    b: { connectionId: target.connectionId },
    direction: directionFor(req.sync_type),
    objects: [
      {
        name: pairNameFor(req.target_entity),
        a: target.collectionKey,
        b: req.target_entity,
        // Records already on both sides pair up by the platform's natural keys instead of being duplicated.
        matchKeys: (target.spec.naturalKeys ?? []).filter((k) => mapped.has(k)),
        fields,
      },
    ],
    conflicts: {
      default: { policy: policyFor(req.conflict_resolution ?? DEFAULT_CONFLICT_RESOLUTION) },
      fields: {},
    },
  };
}

/**
 * What a repeated request changes on the sync it found: direction, default conflict policy and (when given)
 * schedule, as asked. Field mappings someone tuned by hand stay; they are rebuilt only when the direction
 * changes, since which fields may be written depends on it. Undefined when the sync already matches.
 */
export function changesFor(
  req: SyncStartRequest,
  existing: {
    definition: { direction: string; conflicts: { default: { policy: string } }; objects: unknown[] };
    schedule: string | null;
  },
  spec: ObjectSpec,
): { definition?: Record<string, unknown>; schedule?: string } | undefined {
  const out: { definition?: Record<string, unknown>; schedule?: string } = {};
  const direction = directionFor(req.sync_type);
  const policy = policyFor(req.conflict_resolution ?? DEFAULT_CONFLICT_RESOLUTION);
  const def = existing.definition;
  if (def.direction !== direction || def.conflicts.default.policy !== policy) {
    const objects =
      def.direction === direction
        ? def.objects
        : def.objects.map((pair) => ({
            ...(pair as Record<string, unknown>),
            fields: fieldMappingsFor(spec, req.sync_type),
          }));
    out.definition = {
      ...def,
      direction,
      objects,
      conflicts: { ...def.conflicts, default: { policy } },
    };
  }
  const cron = req.schedule === undefined ? undefined : scheduleToCron(req.schedule);
  if (cron !== undefined && cron !== existing.schedule) out.schedule = cron;
  return Object.keys(out).length > 0 ? out : undefined;
}

const RESPONSE_STATUS: Record<RunStatus, SyncStartResponse['status'] | undefined> = {
  queued: undefined,
  running: undefined,
  success: 'completed',
  partial: 'partial',
  failed: 'failed',
  cancelled: 'failed',
};

/** A finished run in the old API's words. */
export function responseFor(
  run: {
    id: string;
    syncId: string | null;
    status: RunStatus;
    counts: RunCounts;
    error: string | null;
    finishedAt: string | null;
  },
  resolution: ConflictResolution,
  now: () => string = () => new Date().toISOString(),
): SyncStartResponse {
  const status = RESPONSE_STATUS[run.status];
  if (!status) throw new Error(`run ${run.id} has not ended (${run.status})`);
  return {
    status,
    synced_items: run.counts.created + run.counts.updated + run.counts.deleted,
    conflicts_detected: run.counts.conflicts,
    conflict_resolution: resolution,
    last_sync: run.finishedAt ?? now(),
    sync_id: run.syncId ?? '',
    run_id: run.id,
    error: run.error,
  };
}
