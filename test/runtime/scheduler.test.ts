/**
 * Cron triggers: due ticks (timezone aware), missed ticks after downtime collapse into one run, and several
 * schedulers ticking at once enqueue each tick once.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dueTick, Scheduler } from '../../src/runtime/scheduler.js';
import { describeEachQueue } from '../helpers/queues.js';

describe('dueTick', () => {
  it('returns the latest tick since the last one, or nothing', () => {
    const last = new Date('2025-01-01T10:00:00Z');
    expect(dueTick('*/15 * * * *', undefined, last, new Date('2025-01-01T10:14:59Z'))).toBeUndefined();
    expect(dueTick('*/15 * * * *', undefined, last, new Date('2025-01-01T10:15:00Z'))?.toISOString()).toBe(
      '2025-01-01T10:15:00.000Z',
    );
    // Three days down: one tick, the latest.
    expect(dueTick('*/15 * * * *', undefined, last, new Date('2025-01-04T09:07:00Z'))?.toISOString()).toBe(
      '2025-01-04T09:00:00.000Z',
    );
  });

  it('reads the schedule in its timezone', () => {
    // 09:00 in New York (EST, UTC-5) is 14:00 UTC.
    const tick = dueTick(
      '0 9 * * *',
      'America/New_York',
      new Date('2025-01-01T00:00:00Z'),
      new Date('2025-01-01T20:00:00Z'),
    );
    expect(tick?.toISOString()).toBe('2025-01-01T14:00:00.000Z');
  });
});

describeEachQueue('scheduler', (open) => {
  it('enqueues a due tick once across schedulers, and one run for many missed ticks', async () => {
    const f = await open();
    const org = await f.repos.organizations.create({
      name: 'S',
      slug: `s-${randomBytes(3).toString('hex')}`,
    });
    const now = new Date('2025-03-01T12:00:30Z');
    await f.store.db
      .insertInto('syncs')
      .values({
        id: 'syn_cron',
        org_id: org.id,
        name: 'every minute',
        definition: JSON.stringify({ timezone: 'UTC' }),
        status: 'active',
        schedule: '* * * * *',
        managed_by: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .execute();
    let clock = now;
    const schedulers = [1, 2, 3].map(() => new Scheduler(f.store, f.queue, { now: () => clock }));
    // First sight of a schedule: it starts now, nothing is due.
    expect((await Promise.all(schedulers.map((s) => s.tick()))).flat()).toEqual([]);
    // Two hours of downtime: 120 missed ticks, three schedulers racing: one run.
    clock = new Date('2025-03-01T14:00:45Z');
    expect((await Promise.all(schedulers.map((s) => s.tick()))).flat()).toEqual(['sync:syn_cron']);
    const runs = (await f.repos.runs.list(org.id, { syncId: 'syn_cron' })).data;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'cron', status: 'queued', kind: 'sync.run' });
    expect(await f.queue.pending()).toBe(1);
    const row = await f.store.db.selectFrom('runtime_schedules').selectAll().executeTakeFirstOrThrow();
    expect(row.last_tick_at).toBe('2025-03-01T14:00:00.000Z');
  });

  it('reads a schedule in words through its cron expression, and ticks on it', async () => {
    const f = await open();
    const org = await f.repos.organizations.create({
      name: 'W',
      slug: `w-${randomBytes(3).toString('hex')}`,
    });
    const now = new Date('2025-03-01T12:01:00Z');
    await f.store.db
      .insertInto('syncs')
      .values({
        id: 'syn_words',
        org_id: org.id,
        name: 'every quarter',
        definition: JSON.stringify({}),
        status: 'active',
        schedule: 'every_15_minutes',
        managed_by: null,
        created_at: now.toISOString(),
        updated_at: now.toISOString(),
      })
      .execute();
    let clock = now;
    const scheduler = new Scheduler(f.store, f.queue, { now: () => clock });
    const entries = await scheduler.syncSchedules();
    expect(entries.map((e) => [e.key, e.cron])).toEqual([['sync:syn_words', '*/15 * * * *']]);
    expect(await scheduler.tick()).toEqual([]);
    clock = new Date('2025-03-01T12:14:59Z');
    expect(await scheduler.tick()).toEqual([]);
    clock = new Date('2025-03-01T12:15:01Z');
    expect(await scheduler.tick()).toEqual(['sync:syn_words']);
  });
});
