/**
 * The world of the two-way fault tests: a collection of companies and the HubSpot simulator's companies, synced
 * both ways in full mode, and a reference model (tag → name) of what both sides must end with. Each record has a
 * tag (its domain, never edited) and a name; the check counts duplicates (a tag twice on one side: a create made
 * twice), losses (a tag missing on a side) and wrong names.
 */
import type { HubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import type { Repositories } from '../../src/store/repositories/index.js';

export async function companiesWorld(repos: Repositories, sim: HubSpotSimulator, name: string) {
  const org = await repos.organizations.create({ name, slug: `${name.toLowerCase()}-${Date.now()}` });
  const collection = await repos.collections.create(org.id, { key: 'companies', name: 'companies' });
  const connection = await repos.connections.create(org.id, {
    name: 'hubspot',
    connector: 'hubspot',
    settings: { baseUrl: sim.url, objects: ['companies'], refProperty: 'city' },
    credentials: { token: sim.credentials.token! },
  });
  const sync = await repos.syncs.create(org.id, {
    name,
    definition: {
      a: { connector: 'collection' },
      b: { connectionId: connection.id },
      direction: 'two-way',
      // Full mode: every run lists both sides (the simulator's search, behind cursor mode, is O(n) per page).
      mode: 'full',
      batchSize: 100,
      objects: [
        {
          name: 'companies',
          a: 'companies',
          b: 'companies',
          fields: [
            { a: 'name', b: 'name' },
            { a: 'domain', b: 'domain' },
          ],
        },
      ],
    },
  });
  const model = new Map<string, string>();
  let next = 0;
  return {
    org,
    collection,
    sync,
    model,
    /** `count` new local records, in the model. */
    async createLocal(count: number) {
      const writes = [];
      for (let i = 0; i < count; i++, next++) {
        const tag = `t${next}.example`;
        model.set(tag, `name ${next}`);
        writes.push({ data: { name: `name ${next}`, domain: tag } });
      }
      for (let i = 0; i < writes.length; i += 1000)
        await repos.records.writeMany(org.id, collection.id, writes.slice(i, i + 1000));
    },
    /** `count` new companies made by a person on the platform, in the model. */
    createRemote(count: number) {
      for (let i = 0; i < count; i++, next++) {
        const tag = `t${next}.example`;
        model.set(tag, `remote ${next}`);
        sim.ui.create('companies', { name: `remote ${next}`, domain: tag });
      }
    },
    async localLive() {
      const out: Array<{ id: string; data: Record<string, unknown> }> = [];
      let cursor: string | undefined;
      do {
        const page = await repos.records.list(org.id, collection.id, { cursor, limit: 5000 });
        out.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    },
    platformLive() {
      return sim.crm.types.companies!.store.values().filter((o) => !o.archived);
    },
  };
}

export type CompaniesWorld = Awaited<ReturnType<typeof companiesWorld>>;

/** Both sides against the model. */
export async function checkCompanies(world: CompaniesWorld) {
  const local = await world.localLive();
  const remote = world.platformLive();
  const byTag = (tags: string[]) => {
    const seen = new Map<string, number>();
    for (const t of tags) seen.set(t, (seen.get(t) ?? 0) + 1);
    return seen;
  };
  const localTags = byTag(local.map((r) => String(r.data.domain)));
  const remoteTags = byTag(remote.map((o) => o.properties.domain!));
  const duplicated = [...localTags.values(), ...remoteTags.values()]
    .filter((n) => n > 1)
    .reduce((s, n) => s + n - 1, 0);
  const lost = [...world.model.keys()].filter((t) => !localTags.has(t) || !remoteTags.has(t)).length;
  const wrong = [
    ...local.filter((r) => world.model.get(String(r.data.domain)) !== r.data.name),
    ...remote.filter((o) => world.model.get(o.properties.domain!) !== o.properties.name),
  ];
  return { local, remote, duplicated, lost, wrong };
}
