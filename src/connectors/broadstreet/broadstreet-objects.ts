/**
 * @module The six Broadstreet objects behind the ObjectClient contract: networks; advertisers and zones (in a
 * network); advertisements and campaigns (of an advertiser); placements (an advertisement shown in a zone for a
 * campaign). Each spec declares its references, so the engine orders them parents first from the specs alone.
 * - Listing: no pagination exists, so a page is one parent's list (`/api/1/advertisers?network_id=`, …).
 *   Parent ids come from the connection's `ParentIndex`, filled by the parent's own listing earlier in the same
 *   run, so an import costs one call per parent and no more.
 * - Creates: the documented nested routes (v0 `POST /networks`, `/networks/{n}/advertisers`,
 *   `/networks/{n}/advertisers/{a}/advertisements`; v1 `/networks/{n}/zones`, `/advertisers/{a}/campaigns`,
 *   `POST /placements`), one call per record. Payloads are clean: trimmed strings, optional fields only when set,
 *   the parent id in the path rather than the body. A name taken under the same parent is retried as
 *   "Name (1)", "Name (2)"… and the returned record carries the name that landed.
 * - Placements have no id of their own: `<campaign>:<advertisement>:<zone>`; a changed restriction is a delete
 *   and a create (there is no update route).
 * - findCreated: by natural key (the name under the same parent; a placement's three ids).
 */
import type { ListOptions, ObjectClient } from '../sdk/connector.js';
import { ConnectorError } from '../sdk/errors.js';
import { isRecordLevel, writeInChunks } from '../sdk/write-outcome.js';
import type {
  CreateInput,
  FieldSpec,
  ObjectSpec,
  RecordPage,
  RemoteRecord,
  UpdateInput,
  WriteResult,
} from '../sdk/types.js';
import { missingRequired } from '../sdk/validate.js';
import { itemOf, listOf, type BroadstreetClient } from './broadstreet-client.js';
import { broadstreetErrorOf, isNameTaken } from './broadstreet-errors.js';

export const BROADSTREET_OBJECTS = [
  'networks',
  'advertisers',
  'zones',
  'advertisements',
  'campaigns',
  'placements',
] as const;
export type BroadstreetObject = (typeof BROADSTREET_OBJECTS)[number];

const MAX_RENAMES = 50;
const MAX_NAME = 255;
const MAX_BATCH = 25;
/** Longest a gathered page waits before it is handed on. */
const FLUSH_MS = 2000;
/** Gathered pages waiting for the engine before listing pauses. */
const READ_AHEAD = 2;

const str: FieldSpec = { type: 'string' };
const ref: FieldSpec = { type: 'reference', required: true };

interface Kind {
  spec: ObjectSpec;
  /** Wrapper key of one object in answers (`advertiser`); null for bare placements. */
  key: string | null;
  /** The field naming the parent whose list holds this object. */
  parentField?: string;
}

const KINDS: Record<BroadstreetObject, Kind> = {
  networks: {
    key: 'network',
    spec: spec('networks', { name: { type: 'string', required: true }, web_home_url: str, notes: str }, [
      'name',
    ]),
  },
  advertisers: {
    key: 'advertiser',
    parentField: 'network_id',
    spec: spec(
      'advertisers',
      { network_id: ref, name: { type: 'string', required: true }, web_home_url: str, notes: str },
      ['name'],
      [{ field: 'network_id', object: 'networks' }],
    ),
  },
  zones: {
    key: 'zone',
    parentField: 'network_id',
    spec: spec(
      'zones',
      {
        network_id: ref,
        name: { type: 'string', required: true },
        alias: str,
        self_serve: { type: 'boolean' },
      },
      ['name'],
      [{ field: 'network_id', object: 'networks' }],
    ),
  },
  advertisements: {
    key: 'advertisement',
    parentField: 'advertiser_id',
    spec: spec(
      'advertisements',
      {
        advertiser_id: ref,
        name: { type: 'string', required: true },
        type: { type: 'string', required: true, values: ['html', 'static', 'text'] },
        destination: str,
        updated_at: { type: 'datetime', readOnly: true },
      },
      ['name'],
      [{ field: 'advertiser_id', object: 'advertisers' }],
    ),
  },
  campaigns: {
    key: 'campaign',
    parentField: 'advertiser_id',
    spec: spec(
      'campaigns',
      {
        advertiser_id: ref,
        name: { type: 'string', required: true },
        start_date: { type: 'date' },
        end_date: { type: 'date' },
        weight: { type: 'number' },
        active: { type: 'boolean' },
        notes: str,
      },
      ['name'],
      [{ field: 'advertiser_id', object: 'advertisers' }],
    ),
  },
  placements: {
    key: null,
    parentField: 'campaign_id',
    spec: spec(
      'placements',
      {
        campaign_id: ref,
        advertisement_id: ref,
        zone_id: ref,
        restrictions: { type: 'string', values: ['phone', 'non_phone', 'tablet', 'desktop', 'mobile'] },
      },
      ['campaign_id', 'advertisement_id', 'zone_id'],
      [
        { field: 'campaign_id', object: 'campaigns' },
        { field: 'advertisement_id', object: 'advertisements' },
        { field: 'zone_id', object: 'zones' },
      ],
    ),
  },
};

function spec(
  name: string,
  fields: Record<string, FieldSpec>,
  naturalKeys: string[],
  references: { field: string; object: string }[] = [],
): ObjectSpec {
  return { name, fields, primaryKey: 'id', naturalKeys, references, listOrder: 'none', maxBatch: MAX_BATCH };
}

export function broadstreetSpec(object: BroadstreetObject): ObjectSpec {
  return KINDS[object].spec;
}

export function isBroadstreetObject(name: string): name is BroadstreetObject {
  return (BROADSTREET_OBJECTS as readonly string[]).includes(name);
}

/**
 * What this connection knows of parents: network ids, advertiser → network, campaign ids. Filled by listings and
 * creates; a missing piece is fetched once (concurrent askers share the fetch).
 */
export class ParentIndex {
  networks: string[] | undefined;
  advertisers: Map<string, string> | undefined;
  campaigns: string[] | undefined;
  private readonly fetching = new Map<string, Promise<void>>();

  constructor(private readonly client: BroadstreetClient) {}

  private once(key: string, fill: () => Promise<void>): Promise<void> {
    let p = this.fetching.get(key);
    if (!p) {
      p = fill().finally(() => this.fetching.delete(key));
      this.fetching.set(key, p);
    }
    return p;
  }

  async networkIds(signal?: AbortSignal): Promise<string[]> {
    if (!this.networks) {
      await this.once('networks', async () => {
        const body = await this.client.call('GET', '/api/1/networks', 'list networks', opts(signal));
        this.networks = listOf(body, 'networks', 'list networks').map((n) => idText(n.id));
      });
    }
    return this.networks!;
  }

  async advertiserNetworks(signal?: AbortSignal): Promise<Map<string, string>> {
    if (!this.advertisers) {
      await this.once('advertisers', async () => {
        const map = new Map<string, string>();
        for (const n of await this.networkIds(signal)) {
          const body = await this.client.call('GET', '/api/1/advertisers', 'list advertisers', {
            query: { network_id: n },
            ...opts(signal),
          });
          for (const a of listOf(body, 'advertisers', 'list advertisers')) map.set(idText(a.id), n);
        }
        this.advertisers = map;
      });
    }
    return this.advertisers!;
  }

  async campaignIds(signal?: AbortSignal): Promise<string[]> {
    if (!this.campaigns) {
      await this.once('campaigns', async () => {
        const ids: string[] = [];
        for (const a of (await this.advertiserNetworks(signal)).keys()) {
          const body = await this.client.call('GET', '/api/1/campaigns', 'list campaigns', {
            query: { advertiser_id: a },
            ...opts(signal),
          });
          for (const c of listOf(body, 'campaigns', 'list campaigns')) ids.push(idText(c.id));
        }
        this.campaigns = ids;
      });
    }
    return this.campaigns!;
  }

  /** The network of an advertiser (v0 advertisement routes nest under it). */
  async networkOf(advertiserId: string): Promise<string> {
    const known = this.advertisers?.get(advertiserId);
    if (known) return known;
    const body = await this.client.call('GET', `/api/1/advertisers/${enc(advertiserId)}`, 'read advertiser');
    const network = idText(itemOf(body, 'advertiser', 'read advertiser').network_id);
    this.advertisers?.set(advertiserId, network);
    return network;
  }
}

const opts = (signal?: AbortSignal) => (signal ? { signal } : {});
const enc = encodeURIComponent;

function idText(value: unknown): string {
  if (typeof value === 'number' || (typeof value === 'string' && value !== '')) return String(value);
  throw new ConnectorError('server', 'Broadstreet answered an object without an id');
}

/** What DataSync keeps of a Broadstreet object: the spec's fields, ids as text. */
function toData(kind: Kind, raw: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(kind.spec.fields)) {
    const v = raw[name];
    data[name] = field.type === 'reference' && v !== null && v !== undefined ? String(v) : (v ?? null);
  }
  return data;
}

function placementId(data: Record<string, unknown>): string {
  return `${String(data.campaign_id)}:${String(data.advertisement_id)}:${String(data.zone_id)}`;
}

/** Trimmed strings, optional fields only when set, read-only and listed-out fields dropped. */
export function cleanPayload(
  spec: ObjectSpec,
  data: Record<string, unknown>,
  omit: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec.fields)) {
    if (field.readOnly || omit.includes(name) || !(name in data)) continue;
    let v = data[name];
    if (typeof v === 'string') v = v.trim();
    if (v === null || v === undefined || v === '') continue;
    out[name] = v;
  }
  return out;
}

/** "Name (k)" within the 255 characters Broadstreet allows. */
export function renamed(name: string, k: number): string {
  const suffix = ` (${k})`;
  return `${name.slice(0, MAX_NAME - suffix.length)}${suffix}`;
}

export class BroadstreetObjectClient implements ObjectClient {
  readonly spec: ObjectSpec;
  private readonly kind: Kind;

  constructor(
    private readonly client: BroadstreetClient,
    private readonly parents: ParentIndex,
    readonly object: BroadstreetObject,
  ) {
    this.kind = KINDS[object];
    this.spec = this.kind.spec;
  }

  private record(raw: Record<string, unknown>, campaignId?: string): RemoteRecord {
    const data = toData(this.kind, campaignId ? { ...raw, campaign_id: campaignId } : raw);
    const id = this.object === 'placements' ? placementId(data) : idText(raw.id);
    const updatedAt = typeof raw.updated_at === 'string' ? raw.updated_at : undefined;
    return { id, data, ...(updatedAt ? { updatedAt } : {}) };
  }

  /** One parent's list (or the account's networks). */
  private async listUnder(parentId: string | null, signal?: AbortSignal): Promise<RemoteRecord[]> {
    const what = `list ${this.object}`;
    const o = opts(signal);
    switch (this.object) {
      case 'networks':
        return listOf(await this.client.call('GET', '/api/1/networks', what, o), 'networks', what).map((r) =>
          this.record(r),
        );
      case 'advertisers':
      case 'zones':
      case 'advertisements': {
        const network =
          this.object === 'advertisements' ? await this.parents.networkOf(parentId!) : parentId!;
        const query: Record<string, string> = { network_id: network };
        if (this.object === 'advertisements') query.advertiser_id = parentId!;
        const body = await this.client.call('GET', `/api/1/${this.object}`, what, { query, ...o });
        return listOf(body, this.object, what).map((r) => this.record(r));
      }
      case 'campaigns': {
        const body = await this.client.call('GET', '/api/1/campaigns', what, {
          query: { advertiser_id: parentId! },
          ...o,
        });
        return listOf(body, 'campaigns', what).map((r) => this.record(r));
      }
      case 'placements': {
        const body = await this.client.call('GET', '/api/1/placements', what, {
          query: { campaign_id: parentId! },
          ...o,
        });
        return listOf(body, null, what).map((r) => this.record(r, parentId!));
      }
    }
  }

  /**
   * Lists hold one parent's children (often one or two records): they are gathered into pages of up to
   * `pageSize`, or whatever arrived within a couple of seconds, so the engine commits in useful batches while
   * progress still moves during a slow, rate-limited import. Calls run ahead of the engine by up to
   * `READ_AHEAD` pages: a rate-limited account is read at its limit while the previous page is being committed.
   */
  async *listAll(options: ListOptions = {}): AsyncIterable<RecordPage> {
    const size = options.pageSize ?? 1000;
    const ready: RecordPage[] = [];
    let done = false;
    let stopped = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    let resume: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const producer = (async () => {
      let buffer: RemoteRecord[] = [];
      let since = Date.now();
      const flush = async () => {
        ready.push({ records: buffer });
        buffer = [];
        since = Date.now();
        notify();
        while (ready.length >= READ_AHEAD && !stopped) await new Promise<void>((r) => (resume = r));
      };
      try {
        for await (const page of this.listEach(options)) {
          if (stopped) return;
          buffer.push(...page.records);
          if (buffer.length >= size || Date.now() - since >= FLUSH_MS) await flush();
        }
        if (buffer.length > 0) await flush();
      } catch (error) {
        failure = error;
      } finally {
        done = true;
        notify();
      }
    })();
    try {
      for (;;) {
        const page = ready.shift();
        if (page) {
          resume?.();
          resume = undefined;
          yield page;
          continue;
        }
        if (done) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      stopped = true;
      resume?.();
      await producer;
    }
  }

  private async *listEach(options: ListOptions): AsyncIterable<RecordPage> {
    const { signal } = options;
    if (this.object === 'networks') {
      const records = await this.listUnder(null, signal);
      this.parents.networks = records.map((r) => r.id);
      yield { records };
      return;
    }
    if (this.object === 'advertisements') {
      // One call per network answers every advertiser's ads there.
      for (const n of await this.parents.networkIds(signal)) {
        const body = await this.client.call('GET', '/api/1/advertisements', 'list advertisements', {
          query: { network_id: n },
          ...opts(signal),
        });
        yield { records: listOf(body, 'advertisements', 'list advertisements').map((r) => this.record(r)) };
      }
      return;
    }
    if (this.object === 'advertisers' || this.object === 'zones') {
      const seen = this.object === 'advertisers' ? new Map<string, string>() : undefined;
      for (const n of await this.parents.networkIds(signal)) {
        const records = await this.listUnder(n, signal);
        for (const r of records) seen?.set(r.id, n);
        yield { records };
      }
      if (seen) this.parents.advertisers = seen;
      return;
    }
    const parentIds =
      this.object === 'campaigns'
        ? [...(await this.parents.advertiserNetworks(signal)).keys()]
        : await this.parents.campaignIds(signal);
    const campaigns: string[] = [];
    for (const p of parentIds) {
      const records = await this.listUnder(p, signal);
      if (this.object === 'campaigns') campaigns.push(...records.map((r) => r.id));
      yield { records };
    }
    if (this.object === 'campaigns') this.parents.campaigns = campaigns;
  }

  async readByIds(ids: readonly string[], options: ListOptions = {}): Promise<RemoteRecord[]> {
    const out: RemoteRecord[] = [];
    if (this.object === 'placements') {
      const byCampaign = new Map<string, Set<string>>();
      for (const id of ids) {
        const campaign = id.split(':')[0]!;
        byCampaign.set(campaign, (byCampaign.get(campaign) ?? new Set()).add(id));
      }
      for (const [campaign, wanted] of byCampaign) {
        const answer = await this.client.raw('GET', '/api/1/placements', {
          query: { campaign_id: campaign },
          ...opts(options.signal),
        });
        if (answer.status === 404) continue;
        if (answer.status >= 300) throw broadstreetErrorOf(answer, 'list placements');
        for (const r of listOf(answer.body, null, 'list placements')) {
          const rec = this.record(r, campaign);
          if (wanted.has(rec.id)) out.push(rec);
        }
      }
      return out;
    }
    for (const id of ids) {
      const answer = await this.client.raw('GET', `/api/1/${this.object}/${enc(id)}`, opts(options.signal));
      if (answer.status === 404) continue;
      if (answer.status >= 300) throw broadstreetErrorOf(answer, `read ${this.object}`);
      out.push(this.record(itemOf(answer.body, this.kind.key, `read ${this.object}`)));
    }
    return out;
  }

  private async createPath(data: Record<string, unknown>): Promise<string> {
    const parent = this.kind.parentField ? String(data[this.kind.parentField]) : '';
    switch (this.object) {
      case 'networks':
        return '/api/0/networks';
      case 'advertisers':
        return `/api/0/networks/${enc(parent)}/advertisers`;
      case 'zones':
        return `/api/1/networks/${enc(parent)}/zones`;
      case 'advertisements':
        return `/api/0/networks/${enc(await this.parents.networkOf(parent))}/advertisers/${enc(parent)}/advertisements`;
      case 'campaigns':
        return `/api/1/advertisers/${enc(parent)}/campaigns`;
      case 'placements':
        return '/api/1/placements';
    }
  }

  private async createOne(data: Record<string, unknown>): Promise<WriteResult> {
    const missing = missingRequired(this.spec, data);
    if (missing) return { ok: false, error: missing };
    const inPath = this.object === 'placements' ? [] : this.kind.parentField ? [this.kind.parentField] : [];
    const payload = cleanPayload(this.spec, data, inPath);
    const path = await this.createPath(data);
    const base = typeof payload.name === 'string' ? payload.name : '';
    for (let k = 0; k <= MAX_RENAMES; k++) {
      const body = k === 0 ? payload : { ...payload, name: renamed(base, k) };
      const answer = await this.client.raw('POST', path, { body });
      if (answer.status >= 200 && answer.status < 300) {
        const record = this.record(
          itemOf(answer.body, this.kind.key, `create ${this.object}`),
          payload.campaign_id as string | undefined,
        );
        this.remember(record);
        return { ok: true, id: record.id, record };
      }
      if (!(base && isNameTaken(answer)))
        return { ok: false, error: broadstreetErrorOf(answer, `create ${this.object}`) };
    }
    return {
      ok: false,
      error: new ConnectorError(
        'conflict',
        `Broadstreet create ${this.object}: "${base}" and ${MAX_RENAMES} renamings of it are taken`,
      ),
    };
  }

  /** A created parent is a parent the rest of this run can list under. */
  private remember(record: RemoteRecord): void {
    if (this.object === 'networks') this.parents.networks?.push(record.id);
    if (this.object === 'advertisers')
      this.parents.advertisers?.set(record.id, String(record.data.network_id));
    if (this.object === 'campaigns') this.parents.campaigns?.push(record.id);
  }

  create(inputs: readonly CreateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, (input) => this.createOne(input.data));
  }

  /**
   * One call per record through writeInChunks: whole-call failures (network, auth, 429 after waiting) stop the
   * batch, keeping the writes already done; the rest are per-record values.
   */
  private each<T>(inputs: readonly T[], write: (input: T) => Promise<WriteResult>): Promise<WriteResult[]> {
    return writeInChunks(inputs, {
      size: 1,
      send: async ([input]) => [await this.throwWhole(() => write(input!))],
    });
  }

  private async throwWhole(write: () => Promise<WriteResult>): Promise<WriteResult> {
    const result = await write();
    if (!result.ok && !isRecordLevel(result.error)) throw result.error;
    return result;
  }

  private async updateOne(input: UpdateInput): Promise<WriteResult> {
    if (this.object === 'placements') {
      const [campaign_id, advertisement_id, zone_id] = input.id.split(':');
      const current = (await this.readByIds([input.id]))[0];
      if (!current)
        return { ok: false, error: new ConnectorError('not_found', `placement ${input.id} is gone`) };
      const next = { ...current.data, ...input.data, campaign_id, advertisement_id, zone_id };
      const removed = await this.delete([input.id]);
      if (!removed[0]!.ok) return removed[0]!;
      return this.createOne(next);
    }
    const payload = cleanPayload(this.spec, input.data, this.kind.parentField ? [this.kind.parentField] : []);
    for (const [name, v] of Object.entries(input.data)) {
      // A cleared optional field is sent empty: Broadstreet stores it as null.
      if (
        v === null &&
        name in this.spec.fields &&
        !this.spec.fields[name]!.readOnly &&
        name !== this.kind.parentField
      )
        payload[name] = '';
    }
    const answer = await this.client.raw('PUT', `/api/1/${this.object}/${enc(input.id)}`, { body: payload });
    if (answer.status >= 200 && answer.status < 300) {
      const record = this.record(itemOf(answer.body, this.kind.key, `update ${this.object}`));
      return { ok: true, id: record.id, record };
    }
    return { ok: false, error: broadstreetErrorOf(answer, `update ${this.object}`) };
  }

  update(inputs: readonly UpdateInput[]): Promise<WriteResult[]> {
    return this.each(inputs, (input) => this.updateOne(input));
  }

  async delete(ids: readonly string[]): Promise<WriteResult[]> {
    const out: WriteResult[] = [];
    for (const id of ids) {
      if (this.object === 'networks') {
        out.push({
          ok: false,
          error: new ConnectorError('validation', 'Broadstreet networks cannot be deleted through the API'),
        });
        continue;
      }
      const answer =
        this.object === 'placements'
          ? await this.client.raw('DELETE', '/api/1/placements', {
              query: (([campaign_id, advertisement_id, zone_id]) => ({
                campaign_id: campaign_id ?? '',
                advertisement_id: advertisement_id ?? '',
                zone_id: zone_id ?? '',
              }))(id.split(':')),
            })
          : await this.client.raw('DELETE', `/api/1/${this.object}/${enc(id)}`);
      if ((answer.status >= 200 && answer.status < 300) || answer.status === 404) out.push({ ok: true, id });
      else
        out.push(
          await this.throwWhole(async () => ({
            ok: false,
            error: broadstreetErrorOf(answer, `delete ${this.object}`),
          })),
        );
    }
    return out;
  }

  /**
   * After a crash between a create and its commit: the record under the same parent with the same name (a
   * placement: the same three ids). A create renamed "Name (1)" for a clash is not recognised; see the docs.
   */
  async findCreated(inputs: readonly CreateInput[]): Promise<(string | null)[]> {
    const lists = new Map<string, RemoteRecord[]>();
    const out: (string | null)[] = [];
    for (const input of inputs) {
      const parent = this.kind.parentField ? String(input.data[this.kind.parentField] ?? '') : '';
      if (this.kind.parentField && !parent) {
        out.push(null);
        continue;
      }
      let siblings = lists.get(parent);
      if (!siblings) {
        siblings = await this.listUnder(parent || null).catch((error: unknown) => {
          if (error instanceof ConnectorError && error.kind === 'not_found') return [];
          throw error;
        });
        lists.set(parent, siblings);
      }
      if (this.object === 'placements') {
        const id = placementId(input.data);
        out.push(siblings.some((s) => s.id === id) ? id : null);
        continue;
      }
      const name = typeof input.data.name === 'string' ? input.data.name.trim().toLowerCase() : '';
      out.push(siblings.find((s) => String(s.data.name).toLowerCase() === name)?.id ?? null);
    }
    return out;
  }
}
