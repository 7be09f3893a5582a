/**
 * @module The data behind the Broadstreet simulator: one account (the access token's) holding networks and, under
 * them, advertisers and zones; advertisers hold advertisements and campaigns; campaigns hold placements (an
 * advertisement shown in a zone). Every write goes through here, so the rules hold for every route:
 * - references: a child needs its parent to exist (404 for a missing parent in the path, 422 for a missing id in
 *   the body); a placement's advertisement must belong to the campaign's advertiser and its zone to that
 *   advertiser's network (422 otherwise);
 * - names: required, trimmed, at most 255 characters, unique within the parent (case-insensitive) → 422
 *   `{"errors":{"name":["has already been taken"]}}`; a placement is unique per (campaign, advertisement, zone);
 * - deletes cascade to children (Rails `dependent: :destroy`; the docs are silent).
 * Ids are integers from one counter, so no two entities share an id even across types (the docs are silent).
 */
import { SimHttpError } from '../kit/platform-error.js';
import { SimStore } from '../kit/sim-store.js';
import { broadstreetError, notFound, validationError } from './broadstreet-errors.js';

export type EntityType = 'network' | 'advertiser' | 'zone' | 'advertisement' | 'campaign' | 'placement';

export interface Network {
  id: string;
  name: string;
  web_home_url: string | null;
  notes: string | null;
}
export interface Advertiser {
  id: string;
  network_id: string;
  name: string;
  web_home_url: string | null;
  notes: string | null;
}
export interface Zone {
  id: string;
  network_id: string;
  name: string;
  alias: string | null;
  self_serve: boolean;
}
export interface Advertisement {
  id: string;
  advertiser_id: string;
  name: string;
  type: string;
  destination: string | null;
  active_url: string | null;
  updated_at: string;
}
export interface Campaign {
  id: string;
  advertiser_id: string;
  name: string;
  start_date: string | null;
  end_date: string | null;
  weight: number;
  active: boolean;
  notes: string | null;
}
export interface Placement {
  id: string;
  campaign_id: string;
  advertisement_id: string;
  zone_id: string;
  restrictions: string | null;
}

export const PLACEMENT_RESTRICTIONS = ['phone', 'non_phone', 'tablet', 'desktop', 'mobile'] as const;
export const ADVERTISEMENT_TYPES = ['html', 'static', 'text'] as const;
const MAX_NAME = 255;

type Input = Record<string, unknown>;
const fail = (reply: ReturnType<typeof broadstreetError>) => new SimHttpError(reply);

function str(input: Input, key: string): string | null | undefined {
  const v = input[key];
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  if (typeof v !== 'string' && typeof v !== 'number') throw fail(validationError(key, 'is invalid'));
  return String(v).trim();
}

function bool(input: Input, key: string): boolean | undefined {
  const v = input[key];
  if (v === undefined) return undefined;
  if (v === true || v === 'true' || v === '1' || v === 1) return true;
  if (v === false || v === 'false' || v === '0' || v === 0) return false;
  throw fail(validationError(key, 'is not a boolean'));
}

function dateOrNull(input: Input, key: string): string | null | undefined {
  const v = str(input, key);
  if (v === undefined || v === null) return v;
  if (Number.isNaN(Date.parse(v))) throw fail(validationError(key, 'is not a date'));
  return v;
}

/** Ids in paths and bodies: positive integers (as numbers or digit strings). */
export function parseId(value: unknown, field: string): string {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw fail(validationError(field, 'is not a valid id'));
  return text;
}

export class BroadstreetAccount {
  readonly networks = new SimStore<Network>();
  readonly advertisers = new SimStore<Advertiser>();
  readonly zones = new SimStore<Zone>();
  readonly advertisements = new SimStore<Advertisement>();
  readonly campaigns = new SimStore<Campaign>();
  readonly placements = new SimStore<Placement>();
  private nextId: number;

  constructor(
    private readonly now: () => number,
    firstId = 1000,
  ) {
    this.nextId = firstId;
  }

  private id(): string {
    return String(this.nextId++);
  }

  /** Counts of every entity type (for progress and the import benchmark). */
  counts(): Record<EntityType, number> {
    return {
      network: this.networks.size,
      advertiser: this.advertisers.size,
      zone: this.zones.size,
      advertisement: this.advertisements.size,
      campaign: this.campaigns.size,
      placement: this.placements.size,
    };
  }

  private name(input: Input, required: boolean): string | undefined {
    const name = str(input, 'name');
    if (name === undefined && !required) return undefined;
    if (!name) throw fail(validationError('name', "can't be blank"));
    if (name.length > MAX_NAME)
      throw fail(validationError('name', `is too long (maximum is ${MAX_NAME} characters)`));
    return name;
  }

  private unique<T extends { id: string; name: string }>(siblings: T[], name: string, selfId?: string): void {
    const wanted = name.toLowerCase();
    if (siblings.some((s) => s.id !== selfId && s.name.toLowerCase() === wanted))
      throw fail(validationError('name', 'has already been taken'));
  }

  // ---- lookups (404 when missing) ----
  network(id: string): Network {
    const n = this.networks.get(id);
    if (!n) throw fail(notFound('Network', id));
    return n;
  }
  advertiser(id: string, networkId?: string): Advertiser {
    const a = this.advertisers.get(id);
    if (!a || (networkId !== undefined && a.network_id !== networkId)) throw fail(notFound('Advertiser', id));
    return a;
  }
  zone(id: string, networkId?: string): Zone {
    const z = this.zones.get(id);
    if (!z || (networkId !== undefined && z.network_id !== networkId)) throw fail(notFound('Zone', id));
    return z;
  }
  advertisement(id: string, advertiserId?: string): Advertisement {
    const a = this.advertisements.get(id);
    if (!a || (advertiserId !== undefined && a.advertiser_id !== advertiserId))
      throw fail(notFound('Advertisement', id));
    return a;
  }
  campaign(id: string, advertiserId?: string): Campaign {
    const c = this.campaigns.get(id);
    if (!c || (advertiserId !== undefined && c.advertiser_id !== advertiserId))
      throw fail(notFound('Campaign', id));
    return c;
  }

  // ---- networks ----
  createNetwork(input: Input): Network {
    const name = this.name(input, true)!;
    this.unique(this.networks.values(), name);
    const n: Network = {
      id: this.id(),
      name,
      web_home_url: str(input, 'web_home_url') ?? null,
      notes: str(input, 'notes') ?? null,
    };
    this.networks.insert(n);
    return n;
  }
  updateNetwork(id: string, input: Input): Network {
    const n = this.network(id);
    const name = this.name(input, false);
    if (name !== undefined) this.unique(this.networks.values(), name, id);
    const next = {
      ...n,
      ...(name !== undefined ? { name } : {}),
      web_home_url: str(input, 'web_home_url') ?? (input.web_home_url === undefined ? n.web_home_url : null),
      notes: str(input, 'notes') ?? (input.notes === undefined ? n.notes : null),
    };
    this.networks.replace(id, next);
    return next;
  }

  // ---- advertisers ----
  createAdvertiser(networkId: string, input: Input): Advertiser {
    this.network(networkId);
    const name = this.name(input, true)!;
    this.unique(this.listAdvertisers(networkId), name);
    const a: Advertiser = {
      id: this.id(),
      network_id: networkId,
      name,
      web_home_url: str(input, 'web_home_url') ?? null,
      notes: str(input, 'notes') ?? null,
    };
    this.advertisers.insert(a);
    return a;
  }
  updateAdvertiser(id: string, input: Input, networkId?: string): Advertiser {
    const a = this.advertiser(id, networkId);
    const name = this.name(input, false);
    if (name !== undefined) this.unique(this.listAdvertisers(a.network_id), name, id);
    const next: Advertiser = {
      ...a,
      ...(name !== undefined ? { name } : {}),
      ...(input.web_home_url !== undefined ? { web_home_url: str(input, 'web_home_url') ?? null } : {}),
      ...(input.notes !== undefined ? { notes: str(input, 'notes') ?? null } : {}),
    };
    this.advertisers.replace(id, next);
    return next;
  }
  deleteAdvertiser(id: string, networkId?: string): void {
    this.advertiser(id, networkId);
    for (const c of this.listCampaigns(id)) this.deleteCampaign(c.id);
    for (const ad of this.listAdvertisements({ advertiserId: id })) this.deleteAdvertisement(ad.id);
    this.advertisers.delete(id);
  }
  listAdvertisers(networkId: string): Advertiser[] {
    return this.advertisers.values().filter((a) => a.network_id === networkId);
  }

  // ---- zones ----
  createZone(networkId: string, input: Input): Zone {
    this.network(networkId);
    const name = this.name(input, true)!;
    this.unique(this.listZones(networkId), name);
    const z: Zone = {
      id: this.id(),
      network_id: networkId,
      name,
      alias: str(input, 'alias') ?? null,
      self_serve: bool(input, 'self_serve') ?? false,
    };
    this.zones.insert(z);
    return z;
  }
  updateZone(id: string, input: Input, networkId?: string): Zone {
    const z = this.zone(id, networkId);
    const name = this.name(input, false);
    if (name !== undefined) this.unique(this.listZones(z.network_id), name, id);
    const next: Zone = {
      ...z,
      ...(name !== undefined ? { name } : {}),
      ...(input.alias !== undefined ? { alias: str(input, 'alias') ?? null } : {}),
      ...(input.self_serve !== undefined ? { self_serve: bool(input, 'self_serve')! } : {}),
    };
    this.zones.replace(id, next);
    return next;
  }
  deleteZone(id: string, networkId?: string): void {
    this.zone(id, networkId);
    for (const p of this.placements.values()) if (p.zone_id === id) this.placements.delete(p.id);
    this.zones.delete(id);
  }
  listZones(networkId: string): Zone[] {
    return this.zones.values().filter((z) => z.network_id === networkId);
  }

  // ---- advertisements ----
  createAdvertisement(advertiserId: string, input: Input): Advertisement {
    this.advertiser(advertiserId);
    const name = this.name(input, true)!;
    this.unique(this.listAdvertisements({ advertiserId }), name);
    const type = str(input, 'type');
    if (!type) throw fail(validationError('type', "can't be blank"));
    if (!(ADVERTISEMENT_TYPES as readonly string[]).includes(type))
      throw fail(validationError('type', `is not included in the list (${ADVERTISEMENT_TYPES.join(', ')})`));
    const ad: Advertisement = {
      id: this.id(),
      advertiser_id: advertiserId,
      name,
      type,
      destination: str(input, 'destination') ?? null,
      active_url: str(input, 'active_url') ?? null,
      updated_at: new Date(this.now()).toISOString(),
    };
    this.advertisements.insert(ad);
    return ad;
  }
  updateAdvertisement(id: string, input: Input, advertiserId?: string): Advertisement {
    const ad = this.advertisement(id, advertiserId);
    const name = this.name(input, false);
    if (name !== undefined)
      this.unique(this.listAdvertisements({ advertiserId: ad.advertiser_id }), name, id);
    const next: Advertisement = {
      ...ad,
      ...(name !== undefined ? { name } : {}),
      ...(input.destination !== undefined ? { destination: str(input, 'destination') ?? null } : {}),
      ...(input.active_url !== undefined ? { active_url: str(input, 'active_url') ?? null } : {}),
      updated_at: new Date(this.now()).toISOString(),
    };
    this.advertisements.replace(id, next);
    return next;
  }
  deleteAdvertisement(id: string, advertiserId?: string): void {
    this.advertisement(id, advertiserId);
    for (const p of this.placements.values()) if (p.advertisement_id === id) this.placements.delete(p.id);
    this.advertisements.delete(id);
  }
  listAdvertisements(filter: {
    networkId?: string;
    advertiserId?: string;
    zoneId?: string;
  }): Advertisement[] {
    const inZone = filter.zoneId
      ? new Set(
          this.placements
            .values()
            .filter((p) => p.zone_id === filter.zoneId)
            .map((p) => p.advertisement_id),
        )
      : undefined;
    return this.advertisements.values().filter((ad) => {
      if (filter.advertiserId !== undefined && ad.advertiser_id !== filter.advertiserId) return false;
      if (
        filter.networkId !== undefined &&
        this.advertisers.get(ad.advertiser_id)?.network_id !== filter.networkId
      )
        return false;
      return !inZone || inZone.has(ad.id);
    });
  }

  // ---- campaigns ----
  private campaignFields(input: Input, base?: Campaign): Omit<Campaign, 'id' | 'advertiser_id' | 'name'> {
    const weight = input.weight === undefined ? (base?.weight ?? 1) : Number(input.weight);
    if (!Number.isFinite(weight) || weight < 0) throw fail(validationError('weight', 'is not a number'));
    const start =
      input.start_date === undefined ? (base?.start_date ?? null) : dateOrNull(input, 'start_date')!;
    const end = input.end_date === undefined ? (base?.end_date ?? null) : dateOrNull(input, 'end_date')!;
    if (start && end && Date.parse(end) < Date.parse(start))
      throw fail(validationError('end_date', 'must be after start_date'));
    return {
      start_date: start,
      end_date: end,
      weight,
      active: bool(input, 'active') ?? base?.active ?? true,
      notes: input.notes === undefined ? (base?.notes ?? null) : (str(input, 'notes') ?? null),
    };
  }
  createCampaign(advertiserId: string, input: Input): Campaign {
    this.advertiser(advertiserId);
    const name = this.name(input, true)!;
    this.unique(this.listCampaigns(advertiserId), name);
    const c: Campaign = { id: this.id(), advertiser_id: advertiserId, name, ...this.campaignFields(input) };
    this.campaigns.insert(c);
    return c;
  }
  updateCampaign(id: string, input: Input, advertiserId?: string): Campaign {
    const c = this.campaign(id, advertiserId);
    const name = this.name(input, false);
    if (name !== undefined) this.unique(this.listCampaigns(c.advertiser_id), name, id);
    const next: Campaign = {
      ...c,
      ...(name !== undefined ? { name } : {}),
      ...this.campaignFields(input, c),
    };
    this.campaigns.replace(id, next);
    return next;
  }
  deleteCampaign(id: string, advertiserId?: string): void {
    this.campaign(id, advertiserId);
    for (const p of this.placements.values()) if (p.campaign_id === id) this.placements.delete(p.id);
    this.campaigns.delete(id);
  }
  listCampaigns(advertiserId: string): Campaign[] {
    return this.campaigns.values().filter((c) => c.advertiser_id === advertiserId);
  }

  // ---- placements ----
  /** Body ids that point nowhere are 422s (the request is well-formed but refers to nothing). */
  createPlacement(input: Input): Placement {
    const campaignId = parseId(input.campaign_id, 'campaign_id');
    const advertisementId = parseId(input.advertisement_id, 'advertisement_id');
    const zoneId = parseId(input.zone_id, 'zone_id');
    const campaign = this.campaigns.get(campaignId);
    if (!campaign) throw fail(validationError('campaign_id', 'does not exist'));
    const ad = this.advertisements.get(advertisementId);
    if (!ad) throw fail(validationError('advertisement_id', 'does not exist'));
    const zone = this.zones.get(zoneId);
    if (!zone) throw fail(validationError('zone_id', 'does not exist'));
    if (ad.advertiser_id !== campaign.advertiser_id)
      throw fail(validationError('advertisement_id', "does not belong to the campaign's advertiser"));
    const networkId = this.advertisers.get(campaign.advertiser_id)?.network_id;
    if (zone.network_id !== networkId)
      throw fail(validationError('zone_id', "does not belong to the advertiser's network"));
    const restrictions = str(input, 'restrictions') ?? null;
    if (restrictions !== null && !(PLACEMENT_RESTRICTIONS as readonly string[]).includes(restrictions))
      throw fail(
        validationError('restrictions', `is not included in the list (${PLACEMENT_RESTRICTIONS.join(', ')})`),
      );
    if (this.findPlacement(campaignId, advertisementId, zoneId))
      throw fail(validationError('zone_id', 'already has this advertisement in this campaign'));
    const p: Placement = {
      id: this.id(),
      campaign_id: campaignId,
      advertisement_id: advertisementId,
      zone_id: zoneId,
      restrictions,
    };
    this.placements.insert(p);
    return p;
  }
  findPlacement(campaignId: string, advertisementId: string, zoneId: string): Placement | undefined {
    return this.placements
      .values()
      .find(
        (p) => p.campaign_id === campaignId && p.advertisement_id === advertisementId && p.zone_id === zoneId,
      );
  }
  deletePlacement(campaignId: string, advertisementId: string, zoneId: string): void {
    const p = this.findPlacement(campaignId, advertisementId, zoneId);
    if (!p) throw fail(broadstreetError(404, "Couldn't find Placement"));
    this.placements.delete(p.id);
  }
  listPlacements(campaignId: string): Placement[] {
    return this.placements.values().filter((p) => p.campaign_id === campaignId);
  }
}
