import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import {
  createBroadstreetSimulator,
  type BroadstreetSimulator,
} from '../../src/simulators/broadstreet/broadstreet-simulator.js';
import { BROADSTREET_TOKEN } from '../../src/simulators/broadstreet/broadstreet-seed.js';

let sim: BroadstreetSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const start = async (opts: Parameters<typeof createBroadstreetSimulator>[0] = {}) => {
  sim = await createBroadstreetSimulator({ rateLimit: false, ...opts });
  return sim;
};

/** Calls the simulator the way a client does: token in the query, form or JSON body. */
async function call(
  s: BroadstreetSimulator,
  method: string,
  path: string,
  body?: Record<string, unknown>,
  form = false,
): Promise<{ status: number; json: unknown; headers: Headers }> {
  const sep = path.includes('?') ? '&' : '?';
  const response = await fetch(`${s.url}${path}${sep}access_token=${BROADSTREET_TOKEN}`, {
    method,
    headers: body ? { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' } : {},
    body: body
      ? form
        ? new URLSearchParams(
            Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]),
          ).toString()
        : JSON.stringify(body)
      : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

describe('Broadstreet simulator', () => {
  it('refuses a missing or wrong access_token with 403 and the error body', async () => {
    const s = await start();
    for (const url of [`${s.url}/api/0/networks`, `${s.url}/api/0/networks?access_token=nope`]) {
      const response = await fetch(url);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: 'Auth denied: invalid or missing access_token' });
    }
  });

  it('lists the seeded account through v0 nested and v1 flat routes, every entity exactly once', async () => {
    const s = await start({ seedRecords: 400 });
    const counts = s.account.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(400);
    const seen = { network: 0, advertiser: 0, zone: 0, advertisement: 0, campaign: 0, placement: 0 };
    const networks = (await call(s, 'GET', '/api/0/networks')).json as { networks: { id: number }[] };
    for (const n of networks.networks) {
      seen.network++;
      const zones = (await call(s, 'GET', `/api/0/networks/${n.id}/zones`)).json as { zones: unknown[] };
      seen.zone += zones.zones.length;
      const advs = (await call(s, 'GET', `/api/1/advertisers?network_id=${n.id}`)).json as {
        advertisers: { id: number; network_id: number }[];
      };
      for (const a of advs.advertisers) {
        expect(a.network_id).toBe(n.id);
        seen.advertiser++;
        const ads = (await call(s, 'GET', `/api/0/networks/${n.id}/advertisers/${a.id}/advertisements`))
          .json as { advertisements: unknown[] };
        seen.advertisement += ads.advertisements.length;
        const camps = (await call(s, 'GET', `/api/1/campaigns?advertiser_id=${a.id}`)).json as {
          campaigns: { id: number }[];
        };
        for (const c of camps.campaigns) {
          seen.campaign++;
          const placements = (await call(s, 'GET', `/api/1/placements?campaign_id=${c.id}`))
            .json as unknown[];
          expect(Array.isArray(placements)).toBe(true);
          seen.placement += placements.length;
        }
      }
    }
    expect(seen).toEqual(counts);
  });

  it('creates a tree with form bodies (v0) and JSON (v1), answering wrapped objects with integer ids', async () => {
    const s = await start({ seedRecords: 0 });
    const net = await call(s, 'POST', '/api/0/networks', { name: 'Local News' }, true);
    expect(net.status).toBe(201);
    const n = (net.json as { network: { id: number; name: string } }).network;
    expect(n).toMatchObject({ name: 'Local News' });
    expect(Number.isInteger(n.id)).toBe(true);
    const adv = await call(s, 'POST', `/api/0/networks/${n.id}/advertisers`, { name: ' Acme ' }, true);
    const a = (adv.json as { advertiser: { id: number; name: string; network_id: number } }).advertiser;
    expect(a).toMatchObject({ name: 'Acme', network_id: n.id });
    const ad = await call(s, 'POST', `/api/0/networks/${n.id}/advertisers/${a.id}/advertisements`, {
      name: 'Banner',
      type: 'static',
    });
    expect(ad.status).toBe(201);
    const zone = await call(s, 'POST', `/api/1/zones?network_id=${n.id}`, { name: 'Header' });
    const camp = await call(s, 'POST', `/api/1/campaigns?advertiser_id=${a.id}`, { name: 'Spring' });
    const ids = {
      campaign_id: (camp.json as { campaign: { id: number } }).campaign.id,
      advertisement_id: (ad.json as { advertisement: { id: number } }).advertisement.id,
      zone_id: (zone.json as { zone: { id: number } }).zone.id,
    };
    const placement = await call(s, 'POST', '/api/1/placements', { ...ids, restrictions: 'mobile' });
    expect(placement.status).toBe(201);
    expect(placement.json).toEqual({
      advertisement_id: ids.advertisement_id,
      zone_id: ids.zone_id,
      restrictions: 'mobile',
    });
    expect((await call(s, 'GET', `/api/1/placements?campaign_id=${ids.campaign_id}`)).json).toHaveLength(1);
    const del = await call(
      s,
      'DELETE',
      `/api/1/placements?campaign_id=${ids.campaign_id}&advertisement_id=${ids.advertisement_id}&zone_id=${ids.zone_id}`,
    );
    expect(del.status).toBe(204);
    expect((await call(s, 'GET', `/api/1/placements?campaign_id=${ids.campaign_id}`)).json).toEqual([]);
  });

  it('enforces references: a child of a missing parent is refused', async () => {
    const s = await start({ seedRecords: 0 });
    expect((await call(s, 'POST', '/api/0/networks/999999/advertisers', { name: 'X' })).status).toBe(404);
    expect((await call(s, 'POST', '/api/1/campaigns?advertiser_id=424242', { name: 'X' })).status).toBe(404);
    const n = s.account.createNetwork({ name: 'N' });
    const other = s.account.createNetwork({ name: 'Other' });
    const a = s.account.createAdvertiser(n.id, { name: 'A' });
    const b = s.account.createAdvertiser(n.id, { name: 'B' });
    const adOfB = s.account.createAdvertisement(b.id, { name: 'Ad', type: 'html' });
    const adOfA = s.account.createAdvertisement(a.id, { name: 'Ad', type: 'html' });
    const c = s.account.createCampaign(a.id, { name: 'C' });
    const z = s.account.createZone(n.id, { name: 'Z' });
    const foreignZone = s.account.createZone(other.id, { name: 'Z' });
    const missing = await call(s, 'POST', '/api/1/placements', {
      campaign_id: c.id,
      advertisement_id: 777777,
      zone_id: z.id,
    });
    expect(missing.status).toBe(422);
    expect(missing.json).toEqual({
      error: 'Validation failed: advertisement_id does not exist',
      errors: { advertisement_id: ['does not exist'] },
    });
    const wrongOwner = await call(s, 'POST', '/api/1/placements', {
      campaign_id: c.id,
      advertisement_id: adOfB.id,
      zone_id: z.id,
    });
    expect(wrongOwner.status).toBe(422);
    const wrongNetwork = await call(s, 'POST', '/api/1/placements', {
      campaign_id: c.id,
      advertisement_id: adOfA.id,
      zone_id: foreignZone.id,
    });
    expect(wrongNetwork.status).toBe(422);
    // A nested path must match: advertiser A is not under network "Other".
    expect((await call(s, 'GET', `/api/0/networks/${other.id}/advertisers/${a.id}`)).status).toBe(404);
    // Deleting an advertiser takes its campaigns, ads and placements with it.
    s.account.createPlacement({ campaign_id: c.id, advertisement_id: adOfA.id, zone_id: z.id });
    expect((await call(s, 'DELETE', `/api/1/advertisers/${a.id}`)).status).toBe(204);
    expect(s.account.counts()).toMatchObject({ campaign: 0, placement: 0, advertisement: 1 });
  });

  it('enforces unique names within a parent (case-insensitive) and allows the same name elsewhere', async () => {
    const s = await start({ seedRecords: 0 });
    const n = s.account.createNetwork({ name: 'N' });
    const n2 = s.account.createNetwork({ name: 'N2' });
    expect((await call(s, 'POST', `/api/0/networks/${n.id}/advertisers`, { name: 'Acme' })).status).toBe(201);
    const clash = await call(s, 'POST', `/api/0/networks/${n.id}/advertisers`, { name: 'ACME' });
    expect(clash.status).toBe(422);
    expect(clash.json).toEqual({
      error: 'Validation failed: name has already been taken',
      errors: { name: ['has already been taken'] },
    });
    expect((await call(s, 'POST', `/api/0/networks/${n.id}/advertisers`, { name: 'Acme (1)' })).status).toBe(
      201,
    );
    expect((await call(s, 'POST', `/api/0/networks/${n2.id}/advertisers`, { name: 'Acme' })).status).toBe(
      201,
    );
    const blank = await call(s, 'POST', `/api/0/networks/${n.id}/advertisers`, { name: '   ' });
    expect(blank.json).toEqual({
      error: "Validation failed: name can't be blank",
      errors: { name: ["can't be blank"] },
    });
    const dupPlacementSetup = s.account.createAdvertiser(n2.id, { name: 'P' });
    const ad = s.account.createAdvertisement(dupPlacementSetup.id, { name: 'Ad', type: 'static' });
    const c = s.account.createCampaign(dupPlacementSetup.id, { name: 'C' });
    const z = s.account.createZone(n2.id, { name: 'Z' });
    const triple = { campaign_id: c.id, advertisement_id: ad.id, zone_id: z.id };
    expect((await call(s, 'POST', '/api/1/placements', triple)).status).toBe(201);
    expect((await call(s, 'POST', '/api/1/placements', triple)).status).toBe(422);
  });

  it('rate-limits per token with a 429, Retry-After and the window measured on the simulator clock', async () => {
    const clock = createManualClock();
    const s = await start({ clock, rateLimit: { limit: 3, windowMs: 1000 }, seedRecords: 5 });
    for (let i = 0; i < 3; i++) expect((await call(s, 'GET', '/api/0/networks')).status).toBe(200);
    const limited = await call(s, 'GET', '/api/0/networks');
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ error: 'Rate limit exceeded' });
    expect(limited.headers.get('retry-after')).toBe('1');
    clock.advance(1000);
    expect((await call(s, 'GET', '/api/0/networks')).status).toBe(200);
  });

  it('answers armed faults in its own error shape (kit fault injection)', async () => {
    const s = await start({ seedRecords: 5 });
    s.faults.add({ kind: 'status', status: 503, match: { pathIncludes: '/networks' } });
    s.faults.add({ kind: 'rate_limit', retryAfterMs: 5000 });
    const failed = await call(s, 'GET', '/api/0/networks');
    expect(failed.status).toBe(503);
    expect(failed.json).toEqual({ error: 'simulated failure (503)' });
    const limited = await call(s, 'GET', '/api/0/networks');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('5');
    expect((await call(s, 'GET', '/api/0/networks')).status).toBe(200);
    expect(s.log.find('GET', '/api/0/networks').map((r) => r.fault ?? 'none')).toEqual([
      'status',
      'rate_limit',
      'none',
    ]);
  });

  it('seeds ~10,000 entities across all six types with valid references', async () => {
    const s = await start({ seedRecords: 10_000 });
    const counts = s.account.counts();
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(10_000);
    for (const value of Object.values(counts)) expect(value).toBeGreaterThan(0);
    for (const p of s.account.placements.values()) {
      const c = s.account.campaigns.get(p.campaign_id)!;
      expect(s.account.advertisements.get(p.advertisement_id)!.advertiser_id).toBe(c.advertiser_id);
    }
  });
});
