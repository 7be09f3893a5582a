/**
 * The sync-engine API translation (POST /sync/start), pure: request → schedule, names, definition; a found sync →
 * the changes a repeated request makes; a finished run → the old API's response.
 */
import { describe, expect, it } from 'vitest';
import {
  changesFor,
  collectionKeyFor,
  fieldMappingsFor,
  resolutionFor,
  responseFor,
  scheduleToCron,
  SyncStartRequestSchema,
  syncDefinitionFor,
  syncNameFor,
  type SyncStartRequest,
} from '../../src/compat/sync-engine-api.js';
import type { ObjectSpec } from '../../src/connectors/sdk/types.js';
import { parseSyncDefinition } from '../../src/engine/definition.js';
import { emptyCounts } from '../../src/store/repositories/runs.js';

const spec: ObjectSpec = {
  name: 'posts',
  fields: {
    content: { type: 'string', required: true },
    status: { type: 'string' },
    slug: { type: 'string' },
    publishedAt: { type: 'datetime', readOnly: true },
  },
  primaryKey: 'id',
  naturalKeys: ['slug', 'missing'],
  listOrder: 'none',
  maxBatch: 1,
};

const request = (over: Partial<SyncStartRequest> = {}): SyncStartRequest => ({
  project_id: 'acme',
  sync_type: 'pull',
  source_platform: 'synup',
  target_entity: 'posts',
  ...over,
});

describe('scheduleToCron', () => {
  it.each([
    ['every_15_minutes', '*/15 * * * *'],
    ['every_1_minute', '* * * * *'],
    ['every_5_minutes', '*/5 * * * *'],
    ['every_60_minutes', '0 * * * *'],
    ['every_120_minutes', '0 */2 * * *'],
    ['hourly', '0 * * * *'],
    ['daily', '0 0 * * *'],
    ['30 2 * * 1', '30 2 * * 1'],
    ['@hourly', '@hourly'],
  ])('%s → %s', (input, cron) => expect(scheduleToCron(input)).toBe(cron));

  it.each(['every_7_minutes', 'every_0_minutes', 'every_90_minutes', 'weekly-ish', '61 * * * *', ''])(
    'refuses %j',
    (input) => expect(scheduleToCron(input)).toBeUndefined(),
  );
});

describe('the request schema', () => {
  it('accepts the documented body and refuses bad values and unknown fields', () => {
    expect(SyncStartRequestSchema.safeParse({ ...request(), schedule: 'hourly' }).success).toBe(true);
    expect(SyncStartRequestSchema.safeParse({ ...request(), sync_type: 'sideways' }).success).toBe(false);
    expect(SyncStartRequestSchema.safeParse({ ...request(), schedule: 'sometimes' }).success).toBe(false);
    expect(SyncStartRequestSchema.safeParse({ ...request(), conflict_resolution: 'coin' }).success).toBe(
      false,
    );
    expect(SyncStartRequestSchema.safeParse({ ...request(), extra: 1 }).success).toBe(false);
    expect(SyncStartRequestSchema.safeParse({ sync_type: 'pull' }).success).toBe(false);
  });
});

describe('names', () => {
  it('derives the same sync name from the same three values, and different ones otherwise', () => {
    expect(syncNameFor(request())).toBe(syncNameFor(request({ sync_type: 'push' })));
    expect(syncNameFor(request())).not.toBe(syncNameFor(request({ project_id: 'other' })));
  });

  it('keeps a valid collection key as is and cleans others up with a digest that keeps them apart', () => {
    expect(collectionKeyFor(request())).toBe('acme_posts');
    const a = collectionKeyFor(request({ project_id: 'Acme Co' }));
    const b = collectionKeyFor(request({ project_id: 'acme co' }));
    expect(a).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
    expect(b).toMatch(/^[a-z][a-z0-9_-]{0,63}$/);
    expect(a).not.toBe(b);
    expect(collectionKeyFor(request({ project_id: '42' }))).toMatch(/^p42_posts_[0-9a-f]{8}$/);
    expect(collectionKeyFor(request({ project_id: 'x'.repeat(100) })).length).toBeLessThanOrEqual(64);
  });
});

describe('syncDefinitionFor', () => {
  const target = { connectionId: 'con_1', collectionKey: 'acme_posts', spec };

  it('maps sync_type and conflict_resolution onto direction and policy, into a definition the engine accepts', () => {
    const cases = [
      ['pull', 'prefer_remote', 'pull', 'remote_wins'],
      ['push', 'prefer_local', 'push', 'local_wins'],
      ['bidirectional', 'manual_review', 'two-way', 'manual'],
    ] as const;
    for (const [syncType, resolution, direction, policy] of cases) {
      const def = parseSyncDefinition(
        syncDefinitionFor(request({ sync_type: syncType, conflict_resolution: resolution }), target),
      );
      expect(def.direction).toBe(direction);
      expect(def.conflicts.default.policy).toBe(policy);
      expect(def.a).toEqual({ connector: 'collection', settings: {} });
      expect(def.b).toEqual({ connectionId: 'con_1', settings: {} });
      expect(def.objects[0]).toMatchObject({
        name: 'posts',
        a: 'acme_posts',
        b: 'posts',
        matchKeys: ['slug'],
      });
    }
  });

  it('defaults to prefer_local', () => {
    expect(syncDefinitionFor(request(), target).conflicts).toEqual({
      default: { policy: 'local_wins' },
      fields: {},
    });
  });

  it('maps every field by name; read-only ones are left out of a push and only flow inward on two-way', () => {
    expect(fieldMappingsFor(spec, 'pull').map((f) => f.a)).toEqual([
      'content',
      'status',
      'slug',
      'publishedAt',
    ]);
    expect(fieldMappingsFor(spec, 'push').map((f) => f.a)).toEqual(['content', 'status', 'slug']);
    expect(fieldMappingsFor(spec, 'bidirectional').find((f) => f.a === 'publishedAt')).toEqual({
      a: 'publishedAt',
      b: 'publishedAt',
      direction: 'b_to_a',
    });
  });

  it('refuses a push of an object with nothing writable', () => {
    const readOnly: ObjectSpec = { ...spec, fields: { id: { type: 'string', readOnly: true } } };
    expect(() => syncDefinitionFor(request({ sync_type: 'push' }), { ...target, spec: readOnly })).toThrow(
      /no field a push sync can write/,
    );
  });
});

describe('changesFor', () => {
  const target = { connectionId: 'con_1', collectionKey: 'acme_posts', spec };
  const existing = (req: SyncStartRequest, schedule: string | null = null) => ({
    definition: parseSyncDefinition(syncDefinitionFor(req, target)),
    schedule,
  });

  it('changes nothing when the request matches the sync', () => {
    expect(changesFor(request(), existing(request()), spec)).toBeUndefined();
    expect(
      changesFor(request({ schedule: 'every_15_minutes' }), existing(request(), '*/15 * * * *'), spec),
    ).toBeUndefined();
  });

  it('sets a new schedule and policy, and rebuilds fields only when the direction changes', () => {
    const tuned = existing(request());
    tuned.definition.objects[0]!.fields = fieldMappingsFor(spec, 'pull').filter(
      (f) => f.a !== 'status',
    ) as never;
    const policy = changesFor(
      request({ conflict_resolution: 'prefer_remote', schedule: 'daily' }),
      tuned,
      spec,
    );
    expect(policy?.schedule).toBe('0 0 * * *');
    const def = parseSyncDefinition(policy!.definition);
    expect(def.conflicts.default.policy).toBe('remote_wins');
    expect(def.objects[0]!.fields.map((f) => f.a)).toEqual(['content', 'slug', 'publishedAt']);
    const push = parseSyncDefinition(changesFor(request({ sync_type: 'push' }), tuned, spec)!.definition);
    expect(push.direction).toBe('push');
    expect(push.objects[0]!.fields.map((f) => f.a)).toEqual(['content', 'status', 'slug']);
  });
});

describe('responseFor', () => {
  const run = (status: 'success' | 'partial' | 'failed' | 'cancelled' | 'running') => ({
    id: 'run_1',
    syncId: 'syn_1',
    status,
    counts: { ...emptyCounts(), created: 3, updated: 2, deleted: 1, unchanged: 9, conflicts: 4 },
    error: status === 'failed' ? 'network: down' : null,
    finishedAt: '2026-01-01T00:00:00.000Z',
  });

  it('answers in the old API’s words', () => {
    expect(responseFor(run('success'), 'prefer_local')).toEqual({
      status: 'completed',
      synced_items: 6,
      conflicts_detected: 4,
      conflict_resolution: 'prefer_local',
      last_sync: '2026-01-01T00:00:00.000Z',
      sync_id: 'syn_1',
      run_id: 'run_1',
      error: null,
    });
    expect(responseFor(run('partial'), 'manual_review').status).toBe('partial');
    expect(responseFor(run('failed'), 'prefer_remote')).toMatchObject({
      status: 'failed',
      error: 'network: down',
    });
    expect(responseFor(run('cancelled'), 'prefer_remote').status).toBe('failed');
  });

  it('refuses a run that has not ended', () => {
    expect(() => responseFor(run('running'), 'prefer_local')).toThrow(/has not ended/);
  });

  it('names DataSync policies the old API knows', () => {
    expect(resolutionFor('manual')).toBe('manual_review');
    expect(resolutionFor('newest_wins')).toBeUndefined();
  });
});
