/**
 * Sites failing for days are disabled with a visible reason, runs skip them, and a person re-enables them:
 * the pure policy, then real pushes over loopback HTTP to an endpoint that answers 503, the API and a run.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextEndpointHealth, DEFAULT_ENDPOINT_HEALTH } from '../../src/deliveries/endpoint-health.js';
import type { Site } from '../../src/store/repositories/sites.js';
import { pushSite } from '../../src/syndication/push-site.js';
import { selectTargets } from '../../src/syndication/syndication-run-handler.js';
import { describeApi } from '../helpers/api.js';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

describe('endpoint health policy', () => {
  const t0 = new Date('2026-01-01T00:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  const fail = { ok: false, error: 'HTTP 503' };

  it('disables only after failing both long enough and often enough in a row', () => {
    let streak = nextEndpointHealth({ failingSince: null, consecutiveFailures: 0 }, fail, t0);
    expect(streak).toMatchObject({
      failingSince: t0.toISOString(),
      consecutiveFailures: 1,
      disableReason: null,
    });
    // Many failures within hours: not disabled.
    for (let i = 1; i <= 20; i++) streak = nextEndpointHealth(streak, fail, at(i * HOUR));
    expect(streak.consecutiveFailures).toBe(21);
    expect(streak.disableReason).toBeNull();
    streak = nextEndpointHealth(streak, fail, at(3 * DAY));
    expect(streak.disableReason).toMatch(/22 deliveries in a row failed since 2026-01-01T00:00:00.000Z/);
    expect(streak.disableReason).toContain('HTTP 503');
  });

  it('does not disable on two failures days apart, and a success breaks the streak', () => {
    const two = nextEndpointHealth(
      nextEndpointHealth({ failingSince: null, consecutiveFailures: 0 }, fail, t0),
      fail,
      at(5 * DAY),
    );
    expect(two.consecutiveFailures).toBe(2);
    expect(two.disableReason).toBeNull();
    const reset = nextEndpointHealth(two, { ok: true }, at(5 * DAY + HOUR));
    expect(reset).toEqual({ failingSince: null, consecutiveFailures: 0, disableReason: null });
    expect(DEFAULT_ENDPOINT_HEALTH).toEqual({ disableAfterMs: 3 * DAY, minFailures: 3 });
  });
});

describe('syndication run targets', () => {
  const site = (id: string, disabledAt: string | null = null) =>
    ({ id, name: id, disabledAt, disabledReason: disabledAt ? 'disabled automatically: …' : null }) as Site;

  it('skips disabled sites, whether named or not, and keeps the asked order', () => {
    const all = [site('a'), site('b', '2026-01-01T00:00:00.000Z'), site('c')];
    expect(selectTargets(all, undefined)).toEqual({ targets: ['a', 'c'], disabled: [all[1]] });
    expect(selectTargets(all, ['c', 'b', 'zz'])).toEqual({ targets: ['c'], disabled: [all[1]] });
    expect(selectTargets(all, ['c', 'a']).targets).toEqual(['c', 'a']);
  });
});

describeApi('sites disabled for failing for days', (get) => {
  let endpoint: FastifyInstance;
  let url: string;
  let hits = 0;

  beforeAll(async () => {
    endpoint = Fastify();
    endpoint.post('/hook', async (_req, reply) => {
      hits++;
      return reply.status(503).send('down for maintenance');
    });
    url = `${await endpoint.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  });
  afterAll(() => endpoint.close());

  it('disables after three days of failed pushes, shows why, and re-enables on request', async () => {
    const w = get();
    const orgId = w.a.org.id;
    const { site } = await w.ctx.repos.sites.create(orgId, { name: 'Down', slug: `down-${Date.now()}`, url });
    const t0 = Date.now() - 4 * DAY;
    const push = (offsetMs: number) =>
      pushSite({
        repos: w.ctx.repos,
        orgId,
        siteId: site.id,
        publicUrl: 'http://127.0.0.1:1',
        deliver: { maxAttempts: 2, delayMs: () => 0 },
        now: () => new Date(t0 + offsetMs),
      });
    const first = await push(0);
    expect(first).toMatchObject({ status: 'failed', statusCode: 503, disabledReason: null });
    expect((await push(DAY)).disabledReason).toBeNull();
    const third = await push(3 * DAY + HOUR);
    expect(third.disabledReason).toMatch(/3 deliveries in a row failed since/);
    expect(hits).toBe(6);

    const shown = await w.inject({ method: 'GET', url: `/api/v1/sites/${site.id}`, key: w.a.keys.viewer });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      consecutiveFailures: 3,
      failingSince: new Date(t0).toISOString(),
      disabledAt: new Date(t0 + 3 * DAY + HOUR).toISOString(),
      disabledReason: third.disabledReason,
    });

    const enabled = await w.inject({
      method: 'POST',
      url: `/api/v1/sites/${site.id}/enable`,
      key: w.a.keys.admin,
    });
    expect(enabled.statusCode).toBe(200);
    expect(enabled.json()).toMatchObject({
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      failingSince: null,
    });
    const audit = await w.inject({ method: 'GET', url: '/api/v1/audit-log', key: w.a.keys.admin });
    const entry = (
      audit.json() as { data: { action: string; resourceId: string; details: unknown }[] }
    ).data.find((e) => e.action === 'site.enabled' && e.resourceId === site.id);
    expect(entry?.details).toMatchObject({ wasDisabled: true });
  });
});
