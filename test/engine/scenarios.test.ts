/**
 * End-to-end engine behaviours on both dialects: first-run matching, echo suppression, the mass-delete guard,
 * dependency order with a failing parent, crash-and-resume creates, dry runs, partial runs, manual conflicts.
 */
import { expect, it } from 'vitest';
import { memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import type { SyncEvent } from '../../src/engine/events.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { makeHarness } from './harness.js';

const fields = [
  { a: 'email', b: 'email' },
  { a: 'name', b: 'name' },
];

describeEachDialect('engine scenarios', (get) => {
  it('links existing records by match key on the first run and reports ambiguous ones', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    await repos.records.create(h.orgId, col, { data: { email: 'ann@x', name: 'Ann' } });
    await repos.records.create(h.orgId, col, { data: { email: 'bob@x', name: 'Bob (local)' } });
    await repos.records.create(h.orgId, col, { data: { email: 'dup@x', name: 'Dup' } });
    await repos.records.create(h.orgId, col, { data: { email: 'new@x', name: 'New' } });
    h.platform.put('items', { email: 'ann@x', name: 'Ann' });
    h.platform.put('items', { email: 'bob@x', name: 'Bob (remote)' });
    h.platform.put('items', { email: 'dup@x', name: 'Dup 1' });
    h.platform.put('items', { email: 'dup@x', name: 'Dup 2' });
    h.platform.put('items', { email: 'remote@x', name: 'Remote' });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      objects: [{ name: 'people', a: 'people', b: 'items', matchKeys: ['email'], fields }],
    });
    const result = await h.run(syncId);
    expect(result.outcome).toBe('success');
    // ann: matched, equal; bob: matched, local wins the first-run difference; dup: ambiguous (held on both sides);
    // new@x created on B, remote@x created on A.
    const remote = h.platform
      .live('items')
      .map((r) => `${r.data.email}:${r.data.name}`)
      .sort();
    expect(remote).toEqual([
      'ann@x:Ann',
      'bob@x:Bob (local)',
      'dup@x:Dup 1',
      'dup@x:Dup 2',
      'new@x:New',
      'remote@x:Remote',
    ]);
    const local = (await repos.records.list(h.orgId, col, { limit: 100 })).data
      .map((r) => `${r.data.email}:${r.data.name}`)
      .sort();
    expect(local).toEqual(['ann@x:Ann', 'bob@x:Bob (local)', 'dup@x:Dup', 'new@x:New', 'remote@x:Remote']);
    const links = await repos.links.all(h.orgId, syncId, 'people');
    expect(links.filter((l) => l.status === 'ambiguous')).toHaveLength(3);
    expect(links.filter((l) => l.status === 'ok')).toHaveLength(4);
    const skipped = h.events.filter((e) => e.type === 'record' && e.outcome === 'skipped');
    expect(skipped.every((e) => e.type === 'record' && /ambiguous|several/.test(e.reason ?? ''))).toBe(true);
    // Held records stay held: a second run writes nothing and creates no duplicate.
    const again = await h.run(syncId);
    expect(again.counts.created + again.counts.updated).toBe(0);
    expect(h.platform.live('items')).toHaveLength(6);
  });

  it('recognises its own writes coming back as echoes and writes nothing for them', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    for (let i = 0; i < 3; i++) h.platform.put('items', { email: `p${i}@x`, name: `P${i}` });
    const first = await h.run(syncId);
    expect(first.counts.created).toBe(3);
    // The rate-limited platform is read first: its 3 records are pulled onto A, and A's pass in the same run
    // reads them back through A's cursor and drops them as echoes.
    expect(first.counts.echoes).toBe(3);
    const writes = h.platform.writesLogged();
    const second = await h.run(syncId);
    expect(second.counts.found).toBe(0);
    expect(second.counts.created + second.counts.updated).toBe(0);
    expect(h.platform.writesLogged()).toBe(writes);
    // Local edits go out once; the platform's copy read back on the next run is an echo, not a change.
    const [row] = (await repos.records.list(h.orgId, col, { limit: 1 })).data;
    await repos.records.update(h.orgId, col, row!.id, { data: { ...row!.data, name: 'Edited' } });
    const third = await h.run(syncId);
    expect(third.counts.updated).toBe(1);
    const fourth = await h.run(syncId);
    expect(fourth.counts.echoes).toBe(1);
    expect(fourth.counts.created + fourth.counts.updated).toBe(0);
    expect((await repos.records.list(h.orgId, col, { limit: 10 })).data).toHaveLength(3);
  });

  it('stops mass deletes at the guard until they are approved', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    await h.collection('people');
    for (let i = 0; i < 20; i++) h.platform.put('items', { email: `p${i}@x`, name: `P${i}` });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      deletes: { policy: 'propagate', guard: { maxPercent: 25, minCount: 3 } },
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    await h.run(syncId);
    for (const r of h.platform.live('items').slice(0, 10)) h.platform.remove('items', r.id);
    const blocked = await h.run(syncId);
    expect(blocked.outcome).toBe('failed');
    expect(blocked.error?.details).toMatchObject({ reason: 'mass_delete_guard', pending: 10, linked: 20 });
    expect(await repos.records.count(h.orgId, (await repos.collections.byKey(h.orgId, 'people'))!.id)).toBe(
      20,
    );
    // The deletes stay pending (not lost with the advanced cursor): an approved run applies them.
    const approved = await h.run(syncId, { approveDeletes: true });
    expect(approved.outcome).toBe('success');
    expect(approved.counts.deleted).toBe(10);
    expect(await repos.records.count(h.orgId, (await repos.collections.byKey(h.orgId, 'people'))!.id)).toBe(
      10,
    );
  });

  it('applies parents first, rewrites references, and defers a child whose parent failed', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos, {
      specs: [
        memoryObjectSpec('advertisers', { fields: { name: { type: 'string', required: true } } }),
        memoryObjectSpec('campaigns', { references: [{ field: 'advertiser_id', object: 'advertisers' }] }),
      ],
    });
    const advertisers = await h.collection('advertisers');
    const campaigns = await h.collection('campaigns');
    const good = await repos.records.create(h.orgId, advertisers, { data: { name: 'Good' } });
    const bad = await repos.records.create(h.orgId, advertisers, { data: { name: null } });
    await repos.records.create(h.orgId, campaigns, { data: { title: 'C1', advertiser: good.id } });
    await repos.records.create(h.orgId, campaigns, { data: { title: 'C2', advertiser: bad.id } });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'push',
      objects: [
        // Children listed first on purpose: the order comes from references, not from the list.
        {
          name: 'campaigns',
          a: 'campaigns',
          b: 'campaigns',
          fields: [
            { a: 'title', b: 'title' },
            { a: 'advertiser', b: 'advertiser_id', reference: 'advertisers' },
          ],
        },
        { name: 'advertisers', a: 'advertisers', b: 'advertisers', fields: [{ a: 'name', b: 'name' }] },
      ],
    });
    const result = await h.run(syncId);
    expect(result.outcome).toBe('partial');
    expect(result.counts.errors).toBe(1);
    const starts = h.events.filter(
      (e): e is Extract<SyncEvent, { type: 'pair_started' }> => e.type === 'pair_started',
    );
    expect(starts.map((e) => e.pair)).toEqual(['advertisers', 'campaigns']);
    const remoteAdvertiser = h.platform.live('advertisers');
    expect(remoteAdvertiser).toHaveLength(1);
    const remoteCampaigns = h.platform.live('campaigns');
    expect(remoteCampaigns.map((c) => c.data)).toEqual([
      { title: 'C1', advertiser_id: remoteAdvertiser[0]!.id },
    ]);
    const deferred = h.events.find(
      (e) => e.type === 'record' && e.pair === 'campaigns' && e.outcome === 'skipped',
    );
    expect(deferred).toMatchObject({
      reason: expect.stringMatching(/parent advertisers .* not linked \(parent link is retry: validation/),
    });
    // Fix the parent: the next run creates it, then the deferred child with the rewritten reference.
    await repos.records.update(h.orgId, advertisers, bad.id, { data: { name: 'Fixed' } });
    const next = await h.run(syncId);
    expect(next.outcome).toBe('success');
    const fixed = h.platform.live('advertisers').find((r) => r.data.name === 'Fixed')!;
    expect(
      h.platform
        .live('campaigns')
        .map((c) => c.data.advertiser_id)
        .sort(),
    ).toEqual([remoteAdvertiser[0]!.id, fixed.id].sort());
  });

  for (const backlinks of [true, false]) {
    it(`resumes after a crash mid-create without creating twice (${backlinks ? 'backlink' : 'natural key'})`, async () => {
      const { store, repos } = get();
      const h = await makeHarness(store, repos, {
        specs: [memoryObjectSpec('items', { maxBatch: 2, naturalKeys: ['email'] })],
        memory: { backlinks },
      });
      const col = await h.collection('people');
      for (let i = 0; i < 5; i++)
        await repos.records.create(h.orgId, col, { data: { email: `p${i}@x`, name: `P${i}` } });
      const syncId = await h.createSync({
        a: { connector: 'collection' },
        b: { connector: 'memory' },
        direction: 'push',
        objects: [{ name: 'people', a: 'people', b: 'items', fields }],
      });
      // The second create batch writes one record on the platform, then the connection dies.
      h.platform.injectFault({ op: 'create', call: 2, afterRecords: 1 });
      const crashed = await h.run(syncId);
      expect(crashed.outcome).toBe('failed');
      expect(crashed.error?.kind).toBe('network');
      expect(h.platform.live('items')).toHaveLength(3);
      const resumed = await h.run(syncId);
      expect(resumed.outcome).toBe('success');
      expect(h.events.filter((e) => e.type === 'recovered' && e.outcome === 'found')).toHaveLength(1);
      const emails = h.platform
        .live('items')
        .map((r) => r.data.email)
        .sort();
      expect(emails).toEqual(['p0@x', 'p1@x', 'p2@x', 'p3@x', 'p4@x']);
      expect(
        (await repos.links.all(h.orgId, syncId, 'people')).every((l) => l.status === 'ok' && l.bId),
      ).toBe(true);
    });
  }

  it('a dry run returns the plan and writes nothing', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    await repos.records.create(h.orgId, col, { data: { email: 'a@x', name: 'A' } });
    h.platform.put('items', { email: 'b@x', name: 'B' });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    const dry = await h.run(syncId, { dryRun: true });
    expect(dry.outcome).toBe('success');
    expect(dry.plan.map((p) => `${p.action}:${p.side}`).sort()).toEqual(['create:a', 'create:b']);
    expect(dry.plan.find((p) => p.side === 'b')?.data).toEqual({ email: 'a@x', name: 'A' });
    expect(h.platform.live('items')).toHaveLength(1);
    expect(await repos.links.all(h.orgId, syncId, 'people')).toEqual([]);
    expect(await repos.syncs.state(h.orgId, syncId)).toEqual({ pairs: {} });
    const real = await h.run(syncId);
    expect(real.counts.created).toBe(2);
  });

  it('holds a manual conflict until a person resolves it, then applies the answer', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    const rec = await repos.records.create(h.orgId, col, { data: { email: 'a@x', name: 'A' } });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      conflicts: { default: { policy: 'manual' } },
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    await h.run(syncId);
    const remoteId = h.platform.live('items')[0]!.id;
    await repos.records.update(h.orgId, col, rec.id, { data: { email: 'a@x', name: 'Local' } });
    h.platform.patch('items', remoteId, { name: 'Remote' });
    const held = await h.run(syncId);
    expect(held.counts.conflicts).toBe(1);
    expect(held.counts.updated).toBe(0);
    const open = await repos.conflicts.list(h.orgId, { syncId, status: 'open' });
    expect(open.data).toHaveLength(1);
    expect(open.data[0]!.fields).toEqual([{ field: 'name', base: 'A', local: 'Local', remote: 'Remote' }]);
    const stillHeld = await h.run(syncId);
    expect(stillHeld.counts.updated).toBe(0);
    expect((await repos.conflicts.list(h.orgId, { syncId, status: 'open' })).data).toHaveLength(1);
    await repos.conflicts.resolve(h.orgId, open.data[0]!.id, { name: 'b' }, null);
    const applied = await h.run(syncId);
    expect(applied.counts.updated).toBe(1);
    expect((await repos.records.get(h.orgId, col, rec.id))!.data.name).toBe('Remote');
    expect(h.platform.get('items', remoteId)!.data.name).toBe('Remote');
    const quiet = await h.run(syncId);
    expect(quiet.counts.updated + quiet.counts.conflicts).toBe(0);
  });

  it('applies an edited value from a resolved conflict to both sides, then stays quiet', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    const rec = await repos.records.create(h.orgId, col, { data: { email: 'a@x', name: 'A' } });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'two-way',
      conflicts: { default: { policy: 'manual' } },
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    await h.run(syncId);
    const remoteId = h.platform.live('items')[0]!.id;
    await repos.records.update(h.orgId, col, rec.id, { data: { email: 'a@x', name: 'Local' } });
    h.platform.patch('items', remoteId, { name: 'Remote' });
    expect((await h.run(syncId)).counts.conflicts).toBe(1);
    const open = await repos.conflicts.list(h.orgId, { syncId, status: 'open' });
    await repos.conflicts.resolve(h.orgId, open.data[0]!.id, { name: { value: 'Both' } }, null);
    const applied = await h.run(syncId);
    expect(applied.counts.updated).toBe(2);
    expect((await repos.records.get(h.orgId, col, rec.id))!.data.name).toBe('Both');
    expect(h.platform.get('items', remoteId)!.data.name).toBe('Both');
    const quiet = await h.run(syncId);
    expect(quiet.counts.updated + quiet.counts.conflicts).toBe(0);
  });

  it('a record the platform rejects makes the run partial and is retried next time', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    await repos.records.create(h.orgId, col, { data: { email: 'ok@x', name: 'Ok' } });
    const bad = await repos.records.create(h.orgId, col, { data: { email: 'bad@x', name: 'Bad' } });
    h.platform.rejectWhen = (_o, data) => (data.name === 'Bad' ? 'name not allowed' : undefined);
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'push',
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    const first = await h.run(syncId);
    expect(first.outcome).toBe('partial');
    expect(first.errors[0]).toMatchObject({
      outcome: 'failed',
      error: { kind: 'validation', message: 'name not allowed' },
    });
    h.platform.rejectWhen = undefined;
    const second = await h.run(syncId);
    expect(second.outcome).toBe('success');
    expect(second.counts.created).toBe(1);
    expect(
      h.platform
        .live('items')
        .map((r) => r.data.email)
        .sort(),
    ).toEqual(['bad@x', 'ok@x']);
    void bad;
  });

  it('archives instead of deleting when the policy says so', async () => {
    const { store, repos } = get();
    const h = await makeHarness(store, repos);
    const col = await h.collection('people');
    h.platform.put('items', { email: 'a@x', name: 'A' });
    const syncId = await h.createSync({
      a: { connector: 'collection' },
      b: { connector: 'memory' },
      direction: 'pull',
      deletes: { policy: 'archive', guard: null },
      objects: [{ name: 'people', a: 'people', b: 'items', fields }],
    });
    await h.run(syncId);
    h.platform.remove('items', h.platform.live('items')[0]!.id);
    const result = await h.run(syncId);
    expect(result.counts.deleted).toBe(1);
    const [record] = (await repos.records.list(h.orgId, col, { limit: 10 })).data;
    expect(record?.status).toBe('archived');
  });
});
