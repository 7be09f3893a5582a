/**
 * @module The sync definition: what a sync pairs, in which direction, and by which rules. Validated with zod
 * (strict: an unknown key is an error, not ignored) and stored as JSON in `syncs.definition`.
 *
 * Vocabulary: side `a` is the local side (usually a collection), side `b` the platform. A definition pairs one or
 * more objects (`objects`); each pair maps fields to canonical names. Canonical values are in A's terms: a value
 * read from B goes through the inverse value map and the `toA` transforms; a value written to B goes through the
 * value map and the `toB` transforms.
 */
import { z } from 'zod';
import { DataSyncError } from '../lib/errors.js';

export const transformSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('trim') }).strict(),
  z.object({ op: z.literal('lowercase') }).strict(),
  z.object({ op: z.literal('uppercase') }).strict(),
  z.object({ op: z.literal('truncate'), length: z.number().int().positive() }).strict(),
  z.object({ op: z.literal('date'), format: z.enum(['iso', 'date', 'epoch_ms', 'epoch_s']) }).strict(),
  z.object({ op: z.literal('default'), value: z.unknown() }).strict(),
  /** Computed: `{first} {last}` from the canonical record's fields. */
  z.object({ op: z.literal('template'), template: z.string().min(1) }).strict(),
]);
export type Transform = z.infer<typeof transformSchema>;

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/**
 * Who wins a field. Most policies only matter when both sides changed the field since the base; two are stronger:
 * `local_only` / `remote_only` make one side the source of truth, so a change made on the other side alone is
 * refused (logged; with `restore`, the other side is set back). `when` picks a policy from the record's state (e.g. content is
 * `local_only` once a post is published, `newest_wins` before), `merge` merges lists three-way (notes).
 */
export type ConflictPolicy =
  | {
      policy:
        | 'local_wins'
        | 'remote_wins'
        | 'newest_wins'
        | 'manual'
        // The sync-engine API's names for the first two and `manual` (seed 002), kept as written.
        | 'prefer_local'
        | 'prefer_remote'
        | 'manual_review';
    }
  | { policy: 'local_only' | 'remote_only'; restore?: boolean | undefined }
  | { policy: 'state_order'; order: (string | string[])[] }
  | { policy: 'merge'; key?: string | undefined }
  | {
      policy: 'when';
      field: string;
      side: 'a' | 'b' | 'either';
      in: (string | number | boolean | null)[];
      then: ConflictPolicy;
      else: ConflictPolicy;
    };

export const policySchema: z.ZodType<ConflictPolicy, unknown> = z.lazy(() =>
  z.union([
    z
      .object({
        policy: z.enum([
          'local_wins',
          'remote_wins',
          'newest_wins',
          'manual',
          'prefer_local',
          'prefer_remote',
          'manual_review',
        ]),
      })
      .strict(),
    z
      .object({
        policy: z.enum(['local_only', 'remote_only']),
        /**
         * Also write the kept value back over the refused change. Off by default: some platforms cannot take it
         * (Synup refuses edits to a published post), and the refusal alone already keeps the truth.
         */
        restore: z.boolean().optional(),
      })
      .strict(),
    z
      .object({
        policy: z.literal('state_order'),
        /** Lowest first; a nested list is one rank (e.g. ['draft', 'queued', ['published', 'failed']]). */
        order: z.array(z.union([z.string(), z.array(z.string()).min(1)])).min(1),
      })
      .strict(),
    z
      .object({
        policy: z.literal('merge'),
        /** Lists of objects are matched by this property (e.g. notes by `id`); lists of scalars as sets. */
        key: z.string().min(1).optional(),
      })
      .strict(),
    z
      .object({
        policy: z.literal('when'),
        /** A canonical field of the same record, and which side's current value is looked at. */
        field: z.string().min(1),
        side: z.enum(['a', 'b', 'either']).default('a'),
        in: z.array(scalar).min(1),
        then: policySchema,
        else: policySchema,
      })
      .strict(),
  ]),
);

export const fieldSchema = z
  .object({
    /** Canonical name; defaults to the A path, else the B path. */
    name: z.string().min(1).optional(),
    /** Dot path on A (`meta.title`); absent for a field computed onto B. */
    a: z.string().min(1).optional(),
    /** Dot path on B; absent for a field computed onto A. */
    b: z.string().min(1).optional(),
    /** Which way this field flows; the sync's direction narrows it further. */
    direction: z.enum(['both', 'a_to_b', 'b_to_a']).default('both'),
    /** A value → B value (e.g. post status enums); read back through the inverse. Unmapped values pass. */
    values: z.record(z.string(), scalar).optional(),
    toB: z.array(transformSchema).default([]),
    toA: z.array(transformSchema).default([]),
    /** The field holds an id of the named pair's object: rewritten through that pair's links. */
    reference: z.string().min(1).optional(),
    /** Left out of checksums: a change to it alone is not a change. */
    volatile: z.boolean().default(false),
    conflict: policySchema.optional(),
  })
  .strict()
  .refine((f) => f.a !== undefined || f.b !== undefined, { message: 'a field needs an `a` or a `b` path' });
export type FieldMapping = z.infer<typeof fieldSchema>;

export const filterSchema = z
  .object({
    side: z.enum(['a', 'b']),
    path: z.string().min(1),
    op: z.enum(['eq', 'neq', 'in', 'nin', 'exists', 'missing']),
    value: z.unknown().optional(),
  })
  .strict();
export type Filter = z.infer<typeof filterSchema>;

export const conflictsSchema = z
  .object({
    default: policySchema.default({ policy: 'local_wins' }),
    /** Per canonical field; a field's own `conflict` wins over this. */
    fields: z.record(z.string(), policySchema).default({}),
  })
  .strict();

export const deletesSchema = z
  .object({
    policy: z.enum(['propagate', 'ignore', 'archive']).default('propagate'),
    /**
     * Mass-delete guard: when more deletes than this are pending at the end of a run, none is applied and the run
     * fails asking for approval. `maxPercent` counts against the pair's linked records and applies from
     * `minCount` deletes on, so deleting 1 of 2 records does not trip it. null turns the guard off.
     */
    guard: z
      .object({
        maxCount: z.number().int().nonnegative().optional(),
        maxPercent: z.number().min(0).max(100).optional(),
        minCount: z.number().int().nonnegative().default(10),
      })
      .strict()
      .nullable()
      .default({ maxPercent: 25, minCount: 10 }),
  })
  .strict();
export type DeletePolicy = z.infer<typeof deletesSchema>;

export const pairSchema = z
  .object({
    /** Unique in the sync; links and checkpoints are kept per pair. */
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
    a: z.string().min(1),
    b: z.string().min(1),
    /** Canonical field names linking existing records on the first run. */
    matchKeys: z.array(z.string().min(1)).default([]),
    fields: z.array(fieldSchema).min(1),
    conflicts: conflictsSchema.optional(),
    deletes: deletesSchema.optional(),
    filters: z.array(filterSchema).default([]),
  })
  .strict();
export type PairDefinition = z.infer<typeof pairSchema>;

export const endpointSchema = z
  .object({
    /** A stored connection (credentials, settings). */
    connectionId: z.string().min(1).optional(),
    /** A connector that needs no connection (e.g. `collection`). */
    connector: z.string().min(1).optional(),
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((e) => (e.connectionId === undefined) !== (e.connector === undefined), {
    message: 'an endpoint names exactly one of connectionId or connector',
  });
export type EndpointDefinition = z.infer<typeof endpointSchema>;

export const syncDefinitionSchema = z
  .object({
    version: z.literal(1).default(1),
    a: endpointSchema,
    b: endpointSchema,
    direction: z.enum(['push', 'pull', 'two-way']),
    /** incremental: cursors where the object has a change feed, checksum scans elsewhere; full: always scan. */
    mode: z.enum(['incremental', 'full']).default('incremental'),
    objects: z.array(pairSchema).min(1),
    conflicts: conflictsSchema.default({ default: { policy: 'local_wins' }, fields: {} }),
    deletes: deletesSchema.default({ policy: 'propagate', guard: { maxPercent: 25, minCount: 10 } }),
    /** Other syncs (ids) the runtime runs first. */
    dependencies: z.array(z.string()).default([]),
    /** Records per write batch (capped by each object's maxBatch). */
    batchSize: z.number().int().min(1).max(5000).default(500),
    /** IANA time zone the cron schedule is read in (the scheduler's default is UTC). */
    timezone: z
      .string()
      .min(1)
      .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Paris"')
      .optional(),
  })
  .strict();

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
export type SyncDefinition = z.infer<typeof syncDefinitionSchema>;
export type SyncDefinitionInput = z.input<typeof syncDefinitionSchema>;
export type Direction = SyncDefinition['direction'];
export type Side = 'a' | 'b';

/** Parses and checks cross-references (names unique, references and match keys known, no cycles). */
export function parseSyncDefinition(input: unknown): SyncDefinition {
  const parsed = syncDefinitionSchema.safeParse(input);
  if (!parsed.success) {
    throw new DataSyncError('validation_failed', 'invalid sync definition', {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
    });
  }
  const def = parsed.data;
  const problems: string[] = [];
  const pairs = new Set<string>();
  for (const pair of def.objects) {
    if (pairs.has(pair.name)) problems.push(`objects: duplicate pair name "${pair.name}"`);
    pairs.add(pair.name);
  }
  for (const pair of def.objects) {
    const names = new Set<string>();
    for (const field of pair.fields) {
      const name = fieldName(field);
      if (names.has(name)) problems.push(`${pair.name}: duplicate field "${name}"`);
      names.add(name);
      if (field.reference !== undefined && !pairs.has(field.reference)) {
        problems.push(`${pair.name}.${name}: reference to unknown pair "${field.reference}"`);
      }
    }
    for (const key of pair.matchKeys) {
      if (!names.has(key)) problems.push(`${pair.name}: match key "${key}" is not a mapped field`);
    }
  }
  if (problems.length > 0) {
    throw new DataSyncError('validation_failed', `invalid sync definition: ${problems[0]}`, {
      details: { issues: problems.map((message) => ({ path: 'objects', message })) },
    });
  }
  return def;
}

export function fieldName(field: FieldMapping): string {
  return field.name ?? field.a ?? field.b!;
}
