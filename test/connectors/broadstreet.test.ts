/**
 * The Broadstreet connector and the ad server's import/export, against the Broadstreet simulator over HTTP, on
 * both dialects: a ~10,000-entity import, an export of a local tree with server references, a name clash, a
 * failing advertiser whose children wait, and a crash in the middle of an export followed by a second export.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdServer, type AdServerSetup, type AdServerType } from '../../src/adserver/adserver-setup.js';
import { countTypes, entityView } from '../../src/adserver/adserver-service.js';
import { broadstreetConnectorFactory } from '../../src/connectors/broadstreet/broadstreet-connector.js';
import { ConnectorRegistry, builtInConnectors } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import {
  createBroadstreetSimulator,
  type BroadstreetSimulator,
} from '../../src/simulators/broadstreet/broadstreet-simulator.js';
import { AdServerEntityRepository } from '../../src/store/repositories/adserver-entities.js';
import { describeEachDialect, type MigratedStore } from '../helpers/dialects.js';

let n = 0;

interface World {
  orgId: string;
  setup: AdServerSetup;
  sim: BroadstreetSimulator;
}

async function world(m: MigratedStore, sim: BroadstreetSimulator): Promise<World> {
  const org = await m.repos.organizations.create({ name: 'ads', slug: `ads-${Date.now()}-${n++}` });
  const connection = await m.repos.connections.create(org.id, {
    name: 'Broadstreet',
    connector: 'broadstreet',
    settings: { baseUrl: sim.url, requestsPerSecond: 1000 },
    credentials: { accessToken: sim.credentials.accessToken! },
  });
  return { orgId: org.id, setup: await ensureAdServer(m.store.db, org.id, connection), sim };
}

function run(
  m: MigratedStore,
  w: World,
  direction: 'push' | 'pull',
  extra: { pairs?: AdServerType[]; connectors?: ConnectorRegistry } = {},
) {
  return runSync({
    db: m.store.db,
    connectors: extra.connectors ?? builtInConnectors(),
    connections: m.repos.connections,
    orgId: w.orgId,
    syncId: w.setup.sync.id,
    direction,
    parallelLevels: true,
    ...(extra.pairs ? { pairs: extra.pairs } : {}),
  });
}

async function local(m: MigratedStore, w: World, type: AdServerType, data: Record<string, unknown>) {
  return m.repos.records.create(w.orgId, w.setup.collections[type], { data });
}

async function views(m: MigratedStore, w: World, type: AdServerType) {
  const rows = await new AdServerEntityRepository(m.store.db).page(
    w.orgId,
    w.setup.collections[type],
    w.setup.sync.id,
    type,
    null,
    1000,
  );
  return rows.map((r) => entityView(type, r));
}

/** Walks the local references of a server object back to server ids through the local copies' links. */
async function serverIdOf(m: MigratedStore, w: World, type: AdServerType, localId: string) {
  const v = (await views(m, w, type)).find((e) => e.id === localId);
  return v?.serverId ?? null;
}

describeEachDialect('broadstreet import of a 10,000-entity account', (get) => {
  let sim: BroadstreetSimulator;
  beforeAll(async () => {
    sim = await createBroadstreetSimulator({ seedRecords: 10_000, rateLimit: false });
  });
  afterAll(() => sim.close());

  it('imports every entity of all six types with local references, and a second import adds nothing', async () => {
    const m = get();
    const w = await world(m, sim);
    const draft = await local(m, w, 'networks', { name: 'My local draft network' });
    const first = await run(m, w, 'pull');
    expect(first.outcome, JSON.stringify(first.error ?? first.errors[0])).toBe('success');
    const server = sim.account.counts();
    const total = Object.values(server).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(9_900);
    expect(first.counts.created).toBe(total);
    const counts = await countTypes(m.store.db, w.orgId, w.setup);
    expect(counts.networks.fromServer).toBe(server.network);
    expect(counts.advertisers.fromServer).toBe(server.advertiser);
    expect(counts.zones.fromServer).toBe(server.zone);
    expect(counts.advertisements.fromServer).toBe(server.advertisement);
    expect(counts.campaigns.fromServer).toBe(server.campaign);
    expect(counts.placements.fromServer).toBe(server.placement);
    // The local draft is untouched and still local.
    expect(counts.networks.local).toBe(1);
    expect((await m.repos.records.get(w.orgId, w.setup.collections.networks, draft.id))?.data.name).toBe(
      'My local draft network',
    );

    // A placement's local references lead back to the same server objects.
    const placement = (await views(m, w, 'placements'))[0]!;
    const [campaignId, adId, zoneId] = placement.serverId!.split(':');
    expect(await serverIdOf(m, w, 'campaigns', String(placement.data.campaign_id))).toBe(campaignId);
    expect(await serverIdOf(m, w, 'advertisements', String(placement.data.advertisement_id))).toBe(adId);
    expect(await serverIdOf(m, w, 'zones', String(placement.data.zone_id))).toBe(zoneId);

    // An edit on the server comes in as an update (upsert), nothing is created twice.
    const [firstAdvertiser] = sim.account.advertisers.values();
    sim.account.updateAdvertiser(firstAdvertiser!.id, { name: 'Renamed on the server' });
    const second = await run(m, w, 'pull');
    expect(second.outcome).toBe('success');
    expect(second.counts.created).toBe(0);
    expect(second.counts.updated).toBe(1);
    expect(second.counts.deleted).toBe(0);
    const names = (await views(m, w, 'advertisers')).map((v) => v.name);
    expect(names).toContain('Renamed on the server');
  }, 600_000);
});

describeEachDialect('broadstreet export', (get) => {
  let sim: BroadstreetSimulator;
  beforeAll(async () => {
    sim = await createBroadstreetSimulator({ seedRecords: 0, rateLimit: false });
  });
  afterAll(() => sim.close());

  /** network → advertiser → campaign → placement, with a zone and an advertisement, all local. */
  async function tree(m: MigratedStore, w: World, tag: string, advertiserName = `Advertiser ${tag}`) {
    const network = await local(m, w, 'networks', { name: `  Network ${tag}  `, notes: '' });
    const advertiser = await local(m, w, 'advertisers', { name: advertiserName, network_id: network.id });
    const zone = await local(m, w, 'zones', {
      name: `Zone ${tag}`,
      network_id: network.id,
      alias: `z-${tag}`,
    });
    const ad = await local(m, w, 'advertisements', {
      name: `Ad ${tag}`,
      type: 'static',
      advertiser_id: advertiser.id,
    });
    const campaign = await local(m, w, 'campaigns', {
      name: `Campaign ${tag}`,
      advertiser_id: advertiser.id,
      start_date: '2026-01-01',
      weight: 2,
    });
    const placement = await local(m, w, 'placements', {
      campaign_id: campaign.id,
      advertisement_id: ad.id,
      zone_id: zone.id,
    });
    return { network, advertiser, zone, ad, campaign, placement };
  }

  it('creates a local tree parents first with server references and marks it synced', async () => {
    const m = get();
    const w = await world(m, sim);
    const t = await tree(m, w, 'tree');
    const result = await run(m, w, 'push');
    expect(result.outcome, JSON.stringify(result.errors)).toBe('success');
    expect(result.counts.created).toBe(6);

    const id = async (type: AdServerType, localId: string) => (await serverIdOf(m, w, type, localId))!;
    const network = sim.account.networks.get(await id('networks', t.network.id))!;
    expect(network).toMatchObject({ name: 'Network tree', notes: null });
    const advertiser = sim.account.advertisers.get(await id('advertisers', t.advertiser.id))!;
    expect(advertiser.network_id).toBe(network.id);
    const zone = sim.account.zones.get(await id('zones', t.zone.id))!;
    expect(zone.network_id).toBe(network.id);
    const ad = sim.account.advertisements.get(await id('advertisements', t.ad.id))!;
    expect(ad.advertiser_id).toBe(advertiser.id);
    const campaign = sim.account.campaigns.get(await id('campaigns', t.campaign.id))!;
    expect(campaign).toMatchObject({ advertiser_id: advertiser.id, weight: 2, start_date: '2026-01-01' });
    const placements = sim.account.listPlacements(campaign.id);
    expect(placements).toEqual([expect.objectContaining({ advertisement_id: ad.id, zone_id: zone.id })]);

    for (const type of ['networks', 'advertisers', 'campaigns', 'placements'] as const) {
      const states = (await views(m, w, type)).map((v) => v.state);
      expect(states).toEqual(['synced']);
    }
    // Nothing left to do: a second export writes nothing.
    const again = await run(m, w, 'push');
    expect(again.counts.created + again.counts.updated).toBe(0);
  });

  it('resolves a name taken under the same parent as "Name (1)" and reports it', async () => {
    const m = get();
    const w = await world(m, sim);
    const network = sim.account.createNetwork({ name: `Clash network ${n}` });
    sim.account.createAdvertiser(network.id, { name: 'Acme' });
    expect((await run(m, w, 'pull', { pairs: ['networks'] })).outcome).toBe('success');
    const localNetwork = (await views(m, w, 'networks')).find((v) => v.serverId === network.id)!;
    const mine = await local(m, w, 'advertisers', { name: 'Acme', network_id: localNetwork.id });
    const result = await run(m, w, 'push', { pairs: ['networks', 'advertisers'] });
    expect(result.outcome).toBe('success');
    const names = sim.account
      .listAdvertisers(network.id)
      .map((a) => a.name)
      .sort();
    expect(names).toEqual(['Acme', 'Acme (1)']);
    const view = (await views(m, w, 'advertisers')).find((v) => v.id === mine.id)!;
    expect(view).toMatchObject({ state: 'synced', name: 'Acme', serverName: 'Acme (1)' });
  });

  it('leaves the campaigns and placements of a failing advertiser local with the reason', async () => {
    const m = get();
    const w = await world(m, sim);
    const t = await tree(m, w, 'failing', 'x'.repeat(300));
    const result = await run(m, w, 'push');
    expect(result.outcome).toBe('partial');
    const advertiser = (await views(m, w, 'advertisers'))[0]!;
    expect(advertiser).toMatchObject({ state: 'failed', category: 'validation', serverId: null });
    expect(advertiser.reason).toMatch(/too long/);
    for (const type of ['campaigns', 'placements', 'advertisements'] as const) {
      const [child] = await views(m, w, type);
      expect(child).toMatchObject({ state: 'waiting', serverId: null });
      expect(child!.reason).toMatch(/not linked/);
    }
    // The independent branch went out: network and zone are on the server.
    expect((await views(m, w, 'zones'))[0]!.state).toBe('synced');

    // Fix the advertiser and retry: the waiting children follow.
    await m.repos.records.update(w.orgId, w.setup.collections.advertisers, t.advertiser.id, {
      data: { ...t.advertiser.data, name: 'Fixed advertiser' },
    });
    const retry = await run(m, w, 'push');
    expect(retry.outcome, JSON.stringify(retry.errors)).toBe('success');
    for (const type of ['advertisers', 'campaigns', 'placements'] as const)
      expect((await views(m, w, type))[0]!.state).toBe('synced');
  });

  it('creates nothing twice when an export crashes midway and runs again', async () => {
    const m = get();
    const w = await world(m, sim);
    const networkCount = sim.account.networks.size;
    await tree(m, w, 'crash-a');
    await tree(m, w, 'crash-b');
    // The process "dies" right after the third create landed on the server, before its link was committed.
    let creates = 0;
    const crashing = new ConnectorRegistry().register(collectionFactory()).register({
      ...broadstreetConnectorFactory,
      async create(context) {
        const connector = await broadstreetConnectorFactory.create(context);
        return {
          ...connector,
          async object(name) {
            const client = await connector.object(name);
            return {
              spec: client.spec,
              listAll: (o) => client.listAll(o),
              readByIds: (ids, o) => client.readByIds(ids, o),
              update: (i) => client.update(i),
              delete: (i) => client.delete(i),
              findCreated: (i) => client.findCreated!(i),
              async create(inputs) {
                const results = await client.create(inputs);
                creates += inputs.length;
                if (creates >= 3) throw new Error('process killed');
                return results;
              },
            };
          },
        };
      },
    });
    const crashed = await run(m, w, 'push', { connectors: crashing });
    expect(crashed.outcome).toBe('failed');
    expect(sim.account.networks.size).toBeGreaterThan(networkCount);
    const counts = await countTypes(m.store.db, w.orgId, w.setup);
    expect(counts.networks.exporting + counts.zones.exporting + counts.advertisers.exporting).toBeGreaterThan(
      0,
    );

    const second = await run(m, w, 'push');
    expect(second.outcome, JSON.stringify(second.errors)).toBe('success');
    expect(sim.account.networks.size).toBe(networkCount + 2);
    for (const tag of ['crash-a', 'crash-b']) {
      expect(sim.account.networks.values().filter((x) => x.name === `Network ${tag}`)).toHaveLength(1);
      expect(sim.account.advertisers.values().filter((x) => x.name === `Advertiser ${tag}`)).toHaveLength(1);
      expect(sim.account.zones.values().filter((x) => x.name === `Zone ${tag}`)).toHaveLength(1);
      expect(sim.account.campaigns.values().filter((x) => x.name === `Campaign ${tag}`)).toHaveLength(1);
    }
    for (const type of [
      'networks',
      'advertisers',
      'zones',
      'advertisements',
      'campaigns',
      'placements',
    ] as const)
      expect((await views(m, w, type)).every((v) => v.state === 'synced')).toBe(true);
  });
});

function collectionFactory() {
  const registry = builtInConnectors();
  return {
    name: 'collection',
    create: (context: Parameters<ConnectorRegistry['create']>[1]) => registry.create('collection', context),
  };
}

describeEachDialect('broadstreet rate limit', (get) => {
  let sim: BroadstreetSimulator;
  beforeAll(async () => {
    sim = await createBroadstreetSimulator({ seedRecords: 60, rateLimit: { limit: 5, windowMs: 1000 } });
  });
  afterAll(() => sim.close());

  it('stays within the limit while importing, and waits out a 429 it is given', async () => {
    const m = get();
    const w = await world(m, sim);
    await m.repos.connections.update(w.orgId, w.setup.sync.definition.b.connectionId!, {
      settings: { baseUrl: sim.url, requestsPerSecond: 5 },
    });
    sim.log.clear();
    sim.faults.add({ kind: 'rate_limit', retryAfterMs: 1000, match: { pathIncludes: '/zones' } });
    const result = await run(m, w, 'pull');
    expect(result.outcome, JSON.stringify(result.error)).toBe('success');
    expect(result.counts.created).toBe(60);
    const log = sim.log.entries();
    // The armed 429 is the only one: the client's own pace never trips the limit.
    expect(log.filter((r) => r.status === 429)).toHaveLength(1);
    const times = log.map((r) => r.at).sort((a, b) => a - b);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(5);
  }, 120_000);
});

describe('broadstreet credential check', () => {
  it('accepts the token and refuses a wrong one without echoing it', async () => {
    const sim = await createBroadstreetSimulator({ seedRecords: 10, rateLimit: false });
    try {
      const check = (accessToken: string) =>
        broadstreetConnectorFactory.check!({
          orgId: 'org',
          settings: { baseUrl: sim.url },
          credentials: { accessToken },
          db: undefined as never,
        });
      expect(await check(sim.credentials.accessToken!)).toMatchObject({ ok: true });
      const refused = await check('wrong-token-123456');
      expect(refused.ok).toBe(false);
      expect(refused.message).toContain('credentials rejected');
      expect(refused.message).not.toContain('wrong-token-123456');
    } finally {
      await sim.close();
    }
  });
});
