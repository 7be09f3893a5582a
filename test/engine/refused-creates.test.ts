/**
 * A create batch the platform refuses with an answer (429, 4xx) wrote nothing: the next run creates those records
 * again, even on a platform that cannot be searched for interrupted creates (no `findCreated`), instead of
 * holding them for a person to check for duplicates. Batches never sent are treated the same way; a batch whose
 * answer was lost (network, or a 2xx whose body could not be read) still goes through recovery.
 */
import { expect, it } from 'vitest';
import type { Connector, ObjectClient } from '../../src/connectors/sdk/connector.js';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { memoryConnector, memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import { MemoryPlatform } from '../../src/connectors/memory/memory-platform.js';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import { runSync } from '../../src/engine/run-sync.js';
import { describeEachDialect } from '../helpers/dialects.js';

/** The memory connector without `findCreated`, whose Nth create call (counted across runs) fails with `error`. */
function unsearchable(
  connector: Connector,
  failOn: { call: number; error: () => Error; calls: number },
): Connector {
  const wrap = (client: ObjectClient): ObjectClient => ({
    spec: client.spec,
    listAll: (o) => client.listAll(o),
    readByIds: (ids, o) => client.readByIds(ids, o),
    create: async (inputs) => {
      failOn.calls++;
      if (failOn.calls === failOn.call) throw failOn.error();
      return client.create(inputs);
    },
    update: (inputs) => client.update(inputs),
    delete: (ids) => client.delete(ids),
  });
  return {
    ...connector,
    objects: () => connector.objects(),
    object: async (n) => wrap(await connector.object(n)),
  };
}

describeEachDialect('refused creates', (get) => {
  async function scenario(error: () => Error) {
    const { store, repos } = get();
    const org = await repos.organizations.create({ name: 'r', slug: `r-${Date.now()}-${Math.random()}` });
    const a = new MemoryPlatform('a');
    const b = new MemoryPlatform('b');
    for (let i = 0; i < 7; i++) a.put('items', { email: `p${i}@x`, name: `P${i}` });
    const spec = memoryObjectSpec('items', { maxBatch: 3 });
    const failOn = { call: 2, error, calls: 0 };
    const registry = new ConnectorRegistry()
      .register({ name: 'src', create: () => memoryConnector(a, [spec]) })
      .register({
        name: 'dst',
        create: () => unsearchable(memoryConnector(b, [spec]), failOn),
      });
    const sync = await repos.syncs.create(org.id, {
      name: 'push',
      definition: {
        a: { connector: 'src' },
        b: { connector: 'dst' },
        direction: 'push',
        batchSize: 3,
        objects: [
          {
            name: 'items',
            a: 'items',
            b: 'items',
            fields: [
              { a: 'email', b: 'email' },
              { a: 'name', b: 'name' },
            ],
          },
        ],
      },
    });
    const run = () => runSync({ db: store.db, connectors: registry, orgId: org.id, syncId: sync.id });
    const first = await run();
    expect(first.outcome).toBe('failed');
    return { first, second: await run(), b, repos, org, sync };
  }

  it('a 429 on a create batch: the next run creates the refused and unsent records, once each', async () => {
    const { second, b } = await scenario(
      () => new ConnectorError('rate_limited', 'Too Many Requests', { status: 429, retryAfterMs: 5 }),
    );
    expect(second.outcome).toBe('success');
    expect(second.counts.created).toBe(4);
    const emails = b.live('items').map((r) => r.data.email);
    expect(new Set(emails).size).toBe(7);
    expect(emails.length).toBe(7);
  });

  it('a lost answer (network) on a create batch still asks for a check: it may have been written', async () => {
    const { second, repos, org, sync } = await scenario(
      () => new ConnectorError('network', 'socket hang up'),
    );
    const held = await repos.links.count(org.id, sync.id, 'items', ['unverified']);
    expect(held).toBe(3);
    expect(second.counts.created).toBe(1);
  });

  it('a 2xx whose body could not be read (the write happened) asks for a check too, not a second create', async () => {
    // Found in the platform-chaos fault suite: a JSON answer cut in half carried status 200, was taken for a
    // refusal, and the next run created the same 50 companies again.
    const { second, repos, org, sync } = await scenario(
      () => new ConnectorError('server', 'batch create: malformed response', { status: 200 }),
    );
    const held = await repos.links.count(org.id, sync.id, 'items', ['unverified']);
    expect(held).toBe(3);
    expect(second.counts.created).toBe(1);
  });
});
