/**
 * @module Broadstreet API routes, both generations, over one account:
 * - v0 (`/api/0`, nested, the PHP client and the read-only endpoint wiki): `/networks[/{n}]`,
 *   `/networks/{n}/zones[/{z}]`, `/networks/{n}/advertisers[/{a}]`,
 *   `/networks/{n}/advertisers/{a}/advertisements[/{ad}]`, `/networks/{n}/advertisers/{a}/campaigns[/{c}]`, and
 *   (our choice, the docs show no nested placement route) `/networks/{n}/advertisers/{a}/campaigns/{c}/placements`;
 * - v1 (`/api/1`, flat, the Ruby client and the swagger): `/networks`, `/advertisers?network_id=`,
 *   `/zones?network_id=`, `/advertisements?network_id=[&advertiser_id][&zone_id]`, `/campaigns?advertiser_id=`,
 *   `/{type}/{id}` GET/PUT/DELETE, the Ruby client's nested creates (`POST /networks/{n}/advertisers`,
 *   `/networks/{n}/zones`, `/advertisers/{a}/campaigns`), and `/placements?campaign_id=` (a bare array),
 *   `POST /placements`, `DELETE /placements?campaign_id&advertisement_id&zone_id`.
 * Objects are wrapped (`{"advertiser":{…}}`, `{"zones":[…]}`), placements excepted. Bodies may be form-encoded or
 * JSON; query parameters other than access_token count as fields too (clients send both ways). Creates answer
 * 201, updates 200, deletes 204 (docs: "No content" for placements; the same is chosen for the others).
 * There is no pagination: lists return everything (documented: no paging parameters exist).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SimHttpError } from '../kit/platform-error.js';
import { broadstreetError } from './broadstreet-errors.js';
import {
  parseId,
  type Advertisement,
  type Advertiser,
  type BroadstreetAccount,
  type Campaign,
  type Network,
  type Placement,
  type Zone,
} from './broadstreet-state.js';

const num = (id: string) => Number(id);

export const render = {
  network: (n: Network) => ({ id: num(n.id), name: n.name, web_home_url: n.web_home_url, notes: n.notes }),
  advertiser: (a: Advertiser) => ({
    id: num(a.id),
    network_id: num(a.network_id),
    name: a.name,
    web_home_url: a.web_home_url,
    notes: a.notes,
    logo: null,
    admins: [],
  }),
  zone: (z: Zone) => ({
    id: num(z.id),
    network_id: num(z.network_id),
    name: z.name,
    alias: z.alias,
    self_serve: z.self_serve,
  }),
  advertisement: (ad: Advertisement) => ({
    id: num(ad.id),
    advertiser_id: num(ad.advertiser_id),
    name: ad.name,
    type: ad.type,
    destination: ad.destination,
    active: { url: ad.active_url },
    updated_at: ad.updated_at,
    html: `<script type="text/javascript" src="https://ad.broadstreetads.com/display/${ad.id}.js"></script>`,
  }),
  campaign: (c: Campaign) => ({
    id: num(c.id),
    advertiser_id: num(c.advertiser_id),
    name: c.name,
    start_date: c.start_date,
    end_date: c.end_date,
    weight: c.weight,
    active: c.active,
    notes: c.notes,
  }),
  placement: (p: Placement) => ({
    advertisement_id: num(p.advertisement_id),
    zone_id: num(p.zone_id),
    restrictions: p.restrictions,
  }),
};

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string> }>;

function input(request: Req): Record<string, unknown> {
  const { access_token: _token, ...query } = request.query ?? {};
  const body = request.body;
  if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body)))
    throw new SimHttpError(broadstreetError(400, 'The request body must be an object or form fields'));
  return { ...query, ...((body as Record<string, unknown> | undefined) ?? {}) };
}

/** A required query parameter that must be an id (400 when missing, as a Rails `params.require`). */
function queryId(request: Req, name: string): string {
  const value = request.query?.[name];
  if (value === undefined || value === '')
    throw new SimHttpError(broadstreetError(400, `param is missing or the value is empty: ${name}`));
  return parseId(value, name);
}

const pid = (request: Req, name: string) => {
  try {
    return parseId(request.params[name], name);
  } catch {
    throw new SimHttpError(broadstreetError(404, `Couldn't find record with 'id'=${request.params[name]}`));
  }
};

const created = (reply: FastifyReply, body: unknown) => reply.status(201).send(body);
const gone = (reply: FastifyReply) => reply.status(204).send();

export function registerBroadstreetRoutes(app: FastifyInstance, account: BroadstreetAccount): void {
  registerV0(app, account);
  registerV1(app, account);
}

function registerV0(app: FastifyInstance, a: BroadstreetAccount): void {
  const p = '/api/0';
  const net = (r: Req) => a.network(pid(r, 'n')).id;
  const adv = (r: Req) => a.advertiser(pid(r, 'a'), net(r)).id;

  app.get(`${p}/networks`, async () => ({ networks: a.networks.values().map(render.network) }));
  app.post(`${p}/networks`, async (r: Req, reply) =>
    created(reply, { network: render.network(a.createNetwork(input(r))) }),
  );
  app.get(`${p}/networks/:n`, async (r: Req) => ({ network: render.network(a.network(pid(r, 'n'))) }));
  app.put(`${p}/networks/:n`, async (r: Req) => ({
    network: render.network(a.updateNetwork(pid(r, 'n'), input(r))),
  }));

  app.get(`${p}/networks/:n/zones`, async (r: Req) => ({ zones: a.listZones(net(r)).map(render.zone) }));
  app.post(`${p}/networks/:n/zones`, async (r: Req, reply) =>
    created(reply, { zone: render.zone(a.createZone(net(r), input(r))) }),
  );
  app.get(`${p}/networks/:n/zones/:z`, async (r: Req) => ({
    zone: render.zone(a.zone(pid(r, 'z'), net(r))),
  }));
  app.put(`${p}/networks/:n/zones/:z`, async (r: Req) => ({
    zone: render.zone(a.updateZone(pid(r, 'z'), input(r), net(r))),
  }));
  app.delete(`${p}/networks/:n/zones/:z`, async (r: Req, reply) => {
    a.deleteZone(pid(r, 'z'), net(r));
    return gone(reply);
  });

  app.get(`${p}/networks/:n/advertisers`, async (r: Req) => ({
    advertisers: a.listAdvertisers(net(r)).map(render.advertiser),
  }));
  app.post(`${p}/networks/:n/advertisers`, async (r: Req, reply) =>
    created(reply, { advertiser: render.advertiser(a.createAdvertiser(net(r), input(r))) }),
  );
  app.get(`${p}/networks/:n/advertisers/:a`, async (r: Req) => ({
    advertiser: render.advertiser(a.advertiser(pid(r, 'a'), net(r))),
  }));
  app.put(`${p}/networks/:n/advertisers/:a`, async (r: Req) => ({
    advertiser: render.advertiser(a.updateAdvertiser(pid(r, 'a'), input(r), net(r))),
  }));
  app.delete(`${p}/networks/:n/advertisers/:a`, async (r: Req, reply) => {
    a.deleteAdvertiser(pid(r, 'a'), net(r));
    return gone(reply);
  });

  const ads = `${p}/networks/:n/advertisers/:a/advertisements`;
  app.get(ads, async (r: Req) => ({
    advertisements: a.listAdvertisements({ advertiserId: adv(r) }).map(render.advertisement),
  }));
  app.post(ads, async (r: Req, reply) =>
    created(reply, { advertisement: render.advertisement(a.createAdvertisement(adv(r), input(r))) }),
  );
  app.get(`${ads}/:ad`, async (r: Req) => ({
    advertisement: render.advertisement(a.advertisement(pid(r, 'ad'), adv(r))),
  }));
  app.put(`${ads}/:ad`, async (r: Req) => ({
    advertisement: render.advertisement(a.updateAdvertisement(pid(r, 'ad'), input(r), adv(r))),
  }));
  app.delete(`${ads}/:ad`, async (r: Req, reply) => {
    a.deleteAdvertisement(pid(r, 'ad'), adv(r));
    return gone(reply);
  });

  const camps = `${p}/networks/:n/advertisers/:a/campaigns`;
  app.get(camps, async (r: Req) => ({ campaigns: a.listCampaigns(adv(r)).map(render.campaign) }));
  app.post(camps, async (r: Req, reply) =>
    created(reply, { campaign: render.campaign(a.createCampaign(adv(r), input(r))) }),
  );
  app.get(`${camps}/:c`, async (r: Req) => ({ campaign: render.campaign(a.campaign(pid(r, 'c'), adv(r))) }));
  app.put(`${camps}/:c`, async (r: Req) => ({
    campaign: render.campaign(a.updateCampaign(pid(r, 'c'), input(r), adv(r))),
  }));
  app.delete(`${camps}/:c`, async (r: Req, reply) => {
    a.deleteCampaign(pid(r, 'c'), adv(r));
    return gone(reply);
  });

  const camp = (r: Req) => a.campaign(pid(r, 'c'), adv(r)).id;
  app.get(`${camps}/:c/placements`, async (r: Req) => a.listPlacements(camp(r)).map(render.placement));
  app.post(`${camps}/:c/placements`, async (r: Req, reply) =>
    created(reply, render.placement(a.createPlacement({ ...input(r), campaign_id: camp(r) }))),
  );
  app.delete(`${camps}/:c/placements`, async (r: Req, reply) => {
    a.deletePlacement(camp(r), queryId(r, 'advertisement_id'), queryId(r, 'zone_id'));
    return gone(reply);
  });
}

function registerV1(app: FastifyInstance, a: BroadstreetAccount): void {
  const p = '/api/1';
  app.get(`${p}/networks`, async () => ({ networks: a.networks.values().map(render.network) }));
  app.post(`${p}/networks`, async (r: Req, reply) =>
    created(reply, { network: render.network(a.createNetwork(input(r))) }),
  );
  app.get(`${p}/networks/:id`, async (r: Req) => ({ network: render.network(a.network(pid(r, 'id'))) }));
  app.put(`${p}/networks/:id`, async (r: Req) => ({
    network: render.network(a.updateNetwork(pid(r, 'id'), input(r))),
  }));

  app.get(`${p}/advertisers`, async (r: Req) => {
    const n = a.network(queryId(r, 'network_id')).id;
    return { advertisers: a.listAdvertisers(n).map(render.advertiser) };
  });
  const newAdvertiser = (n: string, r: Req, reply: FastifyReply) =>
    created(reply, { advertiser: render.advertiser(a.createAdvertiser(a.network(n).id, input(r))) });
  app.post(`${p}/advertisers`, async (r: Req, reply) =>
    newAdvertiser(queryIdOrBody(r, 'network_id'), r, reply),
  );
  app.post(`${p}/networks/:n/advertisers`, async (r: Req, reply) => newAdvertiser(pid(r, 'n'), r, reply));
  app.get(`${p}/advertisers/:id`, async (r: Req) => ({
    advertiser: render.advertiser(a.advertiser(pid(r, 'id'))),
  }));
  app.put(`${p}/advertisers/:id`, async (r: Req) => ({
    advertiser: render.advertiser(a.updateAdvertiser(pid(r, 'id'), input(r))),
  }));
  app.delete(`${p}/advertisers/:id`, async (r: Req, reply) => {
    a.deleteAdvertiser(pid(r, 'id'));
    return gone(reply);
  });

  app.get(`${p}/zones`, async (r: Req) => {
    const n = a.network(queryId(r, 'network_id')).id;
    return { zones: a.listZones(n).map(render.zone) };
  });
  const newZone = (n: string, r: Req, reply: FastifyReply) =>
    created(reply, { zone: render.zone(a.createZone(a.network(n).id, input(r))) });
  app.post(`${p}/zones`, async (r: Req, reply) => newZone(queryIdOrBody(r, 'network_id'), r, reply));
  app.post(`${p}/networks/:n/zones`, async (r: Req, reply) => newZone(pid(r, 'n'), r, reply));
  app.get(`${p}/zones/:id`, async (r: Req) => ({ zone: render.zone(a.zone(pid(r, 'id'))) }));
  app.put(`${p}/zones/:id`, async (r: Req) => ({ zone: render.zone(a.updateZone(pid(r, 'id'), input(r))) }));
  app.delete(`${p}/zones/:id`, async (r: Req, reply) => {
    a.deleteZone(pid(r, 'id'));
    return gone(reply);
  });

  app.get(`${p}/advertisements`, async (r: Req) => {
    const networkId = a.network(queryId(r, 'network_id')).id;
    const advertiserId = r.query.advertiser_id ? queryId(r, 'advertiser_id') : undefined;
    const zoneId = r.query.zone_id ? queryId(r, 'zone_id') : undefined;
    return {
      advertisements: a.listAdvertisements({ networkId, advertiserId, zoneId }).map(render.advertisement),
    };
  });
  app.post(`${p}/advertisements`, async (r: Req, reply) =>
    created(reply, {
      advertisement: render.advertisement(a.createAdvertisement(queryIdOrBody(r, 'advertiser_id'), input(r))),
    }),
  );
  app.get(`${p}/advertisements/:id`, async (r: Req) => ({
    advertisement: render.advertisement(a.advertisement(pid(r, 'id'))),
  }));
  app.put(`${p}/advertisements/:id`, async (r: Req) => ({
    advertisement: render.advertisement(a.updateAdvertisement(pid(r, 'id'), input(r))),
  }));
  app.delete(`${p}/advertisements/:id`, async (r: Req, reply) => {
    a.deleteAdvertisement(pid(r, 'id'));
    return gone(reply);
  });

  app.get(`${p}/campaigns`, async (r: Req) => {
    const adv = a.advertiser(queryId(r, 'advertiser_id')).id;
    return { campaigns: a.listCampaigns(adv).map(render.campaign) };
  });
  const newCampaign = (adv: string, r: Req, reply: FastifyReply) =>
    created(reply, { campaign: render.campaign(a.createCampaign(a.advertiser(adv).id, input(r))) });
  app.post(`${p}/campaigns`, async (r: Req, reply) =>
    newCampaign(queryIdOrBody(r, 'advertiser_id'), r, reply),
  );
  app.post(`${p}/advertisers/:a/campaigns`, async (r: Req, reply) => newCampaign(pid(r, 'a'), r, reply));
  app.get(`${p}/campaigns/:id`, async (r: Req) => ({ campaign: render.campaign(a.campaign(pid(r, 'id'))) }));
  app.put(`${p}/campaigns/:id`, async (r: Req) => ({
    campaign: render.campaign(a.updateCampaign(pid(r, 'id'), input(r))),
  }));
  app.delete(`${p}/campaigns/:id`, async (r: Req, reply) => {
    a.deleteCampaign(pid(r, 'id'));
    return gone(reply);
  });

  app.get(`${p}/placements`, async (r: Req) =>
    a.listPlacements(a.campaign(queryId(r, 'campaign_id')).id).map(render.placement),
  );
  app.post(`${p}/placements`, async (r: Req, reply) =>
    created(reply, render.placement(a.createPlacement(input(r)))),
  );
  app.delete(`${p}/placements`, async (r: Req, reply) => {
    a.deletePlacement(queryId(r, 'campaign_id'), queryId(r, 'advertisement_id'), queryId(r, 'zone_id'));
    return gone(reply);
  });
}

/** v1 creates take the parent id as a query parameter (swagger) or a body field (some clients). */
function queryIdOrBody(request: Req, name: string): string {
  const fromBody = (request.body as Record<string, unknown> | undefined)?.[name];
  if (request.query?.[name] === undefined && fromBody !== undefined) return parseId(fromBody, name);
  return queryId(request, name);
}
