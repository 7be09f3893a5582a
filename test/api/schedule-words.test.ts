/**
 * The seeds' vocabulary in sync definitions, on both dialects: schedules in words (`every_15_minutes`, `hourly`,
 * `daily`, `weekly`) beside cron expressions, stored and answered as written, with the next run computed from
 * them; the conflict policy names `prefer_local`, `prefer_remote`, `manual_review` accepted and kept as written.
 * Plus the pure pieces: each word's cron expression and each name's winner.
 */
import { describe, expect, it } from 'vitest';
import { pickWinner } from '../../src/engine/policies.js';
import { scheduleToCron } from '../../src/lib/schedule.js';
import { describeApi } from '../helpers/api.js';
import { syncDefinition } from './route-cases.js';

describe('schedules in words', () => {
  it('stand for cron expressions; intervals must divide an hour or a day', () => {
    expect(scheduleToCron('every_15_minutes')).toBe('*/15 * * * *');
    expect(scheduleToCron('every_1_minute')).toBe('* * * * *');
    expect(scheduleToCron('every_120_minutes')).toBe('0 */2 * * *');
    expect(scheduleToCron('hourly')).toBe('0 * * * *');
    expect(scheduleToCron('daily')).toBe('0 0 * * *');
    expect(scheduleToCron('weekly')).toBe('0 0 * * 0');
    expect(scheduleToCron('*/5 * * * *')).toBe('*/5 * * * *');
    expect(scheduleToCron('every_7_minutes')).toBeUndefined();
    expect(scheduleToCron('every tuesday')).toBeUndefined();
  });

  it('the seed policy names decide like the policies they stand for', () => {
    const input = { a: 'x', b: 'y', aUpdatedAt: undefined, bUpdatedAt: undefined };
    expect(pickWinner({ ...input, policy: { policy: 'prefer_local' } })).toBe('a');
    expect(pickWinner({ ...input, policy: { policy: 'prefer_remote' } })).toBe('b');
    expect(pickWinner({ ...input, policy: { policy: 'manual_review' } })).toBe('manual');
  });
});

describeApi('sync schedules and policy names as the seeds write them', (get) => {
  it('stores and answers every_15_minutes and prefer_remote as written, with the next run on the quarter hour', async () => {
    const w = get();
    const definition = {
      ...syncDefinition(),
      conflicts: { default: { policy: 'prefer_remote' }, fields: { email: { policy: 'manual_review' } } },
    };
    const created = await w.inject({
      method: 'POST',
      url: '/api/v1/syncs',
      key: w.a.keys.admin,
      payload: { name: 'every quarter', definition, schedule: 'every_15_minutes' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const sync = created.json() as { id: string; schedule: string; definition: typeof definition };
    expect(sync.schedule).toBe('every_15_minutes');
    expect(sync.definition.conflicts).toMatchObject(definition.conflicts);
    const read = await w.inject({ method: 'GET', url: `/api/v1/syncs/${sync.id}`, key: w.a.keys.viewer });
    const body = read.json() as { schedule: string; health: { nextRunAt: string | null } };
    expect(body.schedule).toBe('every_15_minutes');
    const next = new Date(body.health.nextRunAt!);
    expect(next.getUTCMinutes() % 15).toBe(0);
    expect(next.getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000);

    const weekly = await w.inject({
      method: 'PATCH',
      url: `/api/v1/syncs/${sync.id}`,
      key: w.a.keys.admin,
      payload: { schedule: 'weekly' },
    });
    expect(weekly.statusCode, weekly.body).toBe(200);
    expect((weekly.json() as { schedule: string }).schedule).toBe('weekly');

    const drifting = await w.inject({
      method: 'PATCH',
      url: `/api/v1/syncs/${sync.id}`,
      key: w.a.keys.admin,
      payload: { schedule: 'every_7_minutes' },
    });
    expect(drifting.statusCode).toBe(422);
    expect(JSON.stringify(drifting.json())).toMatch(/schedule/);
    expect(JSON.stringify(drifting.json())).toMatch(/every_N_minutes/);
  });
});
