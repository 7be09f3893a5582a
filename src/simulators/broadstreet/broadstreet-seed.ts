/**
 * @module A seeded Broadstreet account for imports, the same on every run: `total` entities spread over the six
 * types (about 1 network per 2,500 entities, then 15% advertisers, 10% zones, 25% advertisements, 20% campaigns,
 * 30% placements), with every reference valid (a placement's advertisement belongs to its campaign's advertiser,
 * its zone to that advertiser's network). The access token is fixed so tests and the demo can rely on it.
 */
import { BroadstreetAccount } from './broadstreet-state.js';

export const BROADSTREET_TOKEN = 'bs_simulator_datasync_0000000000000000';

export function seedBroadstreet(total: number, nowMs: number): BroadstreetAccount {
  const account = new BroadstreetAccount(() => nowMs);
  if (total <= 0) return account;
  const networks = Math.max(1, Math.floor(total / 2500));
  const rest = Math.max(0, total - networks);
  const count = (share: number, min: number) => Math.max(min, Math.floor(rest * share));
  const nAdvertisers = count(0.15, 1);
  const nZones = count(0.1, 1);
  const nAds = Math.max(nAdvertisers, count(0.25, 1));
  const nCampaigns = Math.max(nAdvertisers, count(0.2, 1));
  const nPlacements = Math.max(0, total - networks - nAdvertisers - nZones - nAds - nCampaigns);

  const nets = Array.from({ length: networks }, (_, i) =>
    account.createNetwork({ name: `Network ${i + 1}`, web_home_url: `https://site${i + 1}.example` }),
  );
  const advertisers = Array.from({ length: nAdvertisers }, (_, i) =>
    account.createAdvertiser(nets[i % networks]!.id, { name: `Advertiser ${i + 1}` }),
  );
  const zones = Array.from({ length: nZones }, (_, i) =>
    account.createZone(nets[i % networks]!.id, { name: `Zone ${i + 1}`, alias: `zone-${i + 1}` }),
  );
  const adsByAdvertiser = new Map<string, string[]>();
  for (let i = 0; i < nAds; i++) {
    const adv = advertisers[i % nAdvertisers]!;
    const ad = account.createAdvertisement(adv.id, {
      name: `Ad ${i + 1}`,
      type: i % 2 ? 'html' : 'static',
      destination: `https://advertiser.example/landing/${i + 1}`,
    });
    adsByAdvertiser.set(adv.id, [...(adsByAdvertiser.get(adv.id) ?? []), ad.id]);
  }
  const campaigns = Array.from({ length: nCampaigns }, (_, i) =>
    account.createCampaign(advertisers[i % nAdvertisers]!.id, {
      name: `Campaign ${i + 1}`,
      start_date: '2025-01-01',
      weight: 1,
    }),
  );
  const zonesByNetwork = new Map<string, string[]>();
  for (const z of zones)
    zonesByNetwork.set(z.network_id, [...(zonesByNetwork.get(z.network_id) ?? []), z.id]);

  // Walk campaigns round-robin, pairing each with its own advertiser's ads and its network's zones; skip a
  // campaign once its combinations run out so the count never loops forever on a tiny account.
  let made = 0;
  const cursor = new Map<string, number>();
  for (let round = 0; made < nPlacements && round < nPlacements * 2 + campaigns.length; round++) {
    const campaign = campaigns[round % campaigns.length]!;
    const ads = adsByAdvertiser.get(campaign.advertiser_id) ?? [];
    const netZones = zonesByNetwork.get(account.advertisers.get(campaign.advertiser_id)!.network_id) ?? [];
    const k = cursor.get(campaign.id) ?? 0;
    if (!ads.length || !netZones.length || k >= ads.length * netZones.length) continue;
    cursor.set(campaign.id, k + 1);
    account.createPlacement({
      campaign_id: campaign.id,
      advertisement_id: ads[k % ads.length],
      zone_id: netZones[Math.floor(k / ads.length) % netZones.length],
    });
    made++;
  }
  return account;
}
