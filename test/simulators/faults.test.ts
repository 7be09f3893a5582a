import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  startHubSpotSimulator,
  type HubSpotSimulator,
} from '../../src/simulators/hubspot/hubspot-simulator.js';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import { RateLimiter } from '../../src/simulators/kit/rate-limiter.js';

let sim: HubSpotSimulator;
let auth: Record<string, string>;
const contacts = () => `${sim.url}/crm/v3/objects/contacts`;
const arm = (fault: object) =>
  fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    body: JSON.stringify(fault),
    headers: { 'content-type': 'application/json' },
  });

beforeEach(async () => {
  sim = await startHubSpotSimulator({ clock: createManualClock(), rateLimit: false, searchRateLimit: false });
  auth = { Authorization: `Bearer ${sim.credentials.token}` };
});
afterEach(() => sim.close());

describe('fault injection (side channel and handle)', () => {
  it('answers the next N requests with the platform-shaped 5xx, then recovers', async () => {
    expect((await arm({ kind: 'status', status: 502, count: 2 })).status).toBe(201);
    for (let i = 0; i < 2; i++) {
      const r = await fetch(contacts(), { headers: auth });
      expect(r.status).toBe(502);
      expect(await r.json()).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR' });
    }
    expect((await fetch(contacts(), { headers: auth })).status).toBe(200);
  });

  it('runs a 429 storm with the platform 429 body, limited to matching paths', async () => {
    sim.faults.add({ kind: 'rate_limit', count: 3, match: { pathIncludes: '/contacts' } });
    expect((await fetch(`${sim.url}/crm/v3/objects/deals`, { headers: auth })).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const r = await fetch(contacts(), { headers: auth });
      expect(r.status).toBe(429);
      expect(await r.json()).toMatchObject({ errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
    }
    expect((await fetch(contacts(), { headers: auth })).status).toBe(200);
  });

  it('serves a malformed page body that does not parse', async () => {
    await arm({ kind: 'malformed' });
    const r = await fetch(contacts(), { headers: auth });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('hangs until the client gives up, and resets connections', async () => {
    await arm([{ kind: 'hang' }, { kind: 'reset' }]);
    await expect(fetch(contacts(), { headers: auth, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    await expect(fetch(contacts(), { headers: auth })).rejects.toThrow();
    expect((await fetch(contacts(), { headers: auth })).status).toBe(200);
  });

  it('refuses a bad fault description and records requests for assertions', async () => {
    const bad = await arm({ kind: 'explode' });
    expect(bad.status).toBe(400);
    await fetch(contacts(), { headers: auth });
    const log = (await (await fetch(`${sim.url}/__sim/requests`)).json()) as {
      requests: { path: string; status: number }[];
    };
    expect(log.requests.map((r) => [r.path, r.status])).toEqual([['/crm/v3/objects/contacts', 200]]);
  });
});

describe('RateLimiter', () => {
  it('allows `limit` per sliding window, reports the wait, and applies a lockout', () => {
    const clock = createManualClock(0);
    const limiter = new RateLimiter({ limit: 2, windowMs: 1000 }, clock);
    expect(limiter.take('k')).toEqual({ allowed: true, remaining: 1 });
    clock.advance(400);
    expect(limiter.take('k').allowed).toBe(true);
    expect(limiter.take('k')).toEqual({ allowed: false, retryAfterMs: 600 });
    clock.advance(600);
    expect(limiter.take('k').allowed).toBe(true);
    const locking = new RateLimiter({ limit: 1, windowMs: 1000, lockoutMs: 30_000 }, clock);
    locking.take('k');
    expect(locking.take('k')).toEqual({ allowed: false, retryAfterMs: 30_000 });
    clock.advance(29_999);
    expect(locking.take('k').allowed).toBe(false);
    clock.advance(1);
    expect(locking.take('k').allowed).toBe(true);
    expect(() => new RateLimiter({ limit: 0, windowMs: 1 }, clock)).toThrow(RangeError);
  });
});
