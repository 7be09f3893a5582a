import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/lib/crypto/password.js';
import { describeEachDialect } from '../helpers/dialects.js';

let n = 0;
const slug = () => `org-${Date.now()}-${n++}`;

describeEachDialect('repositories', (get) => {
  it('creates organizations, users and memberships', async () => {
    const { repos } = get();
    const org = await repos.organizations.create({ name: 'Acme', slug: slug() });
    const user = await repos.users.create({
      email: ` Ann${n}@Example.com `,
      name: 'Ann',
      passwordHash: await hashPassword('pw-123456'),
    });
    await repos.users.addMembership(org.id, user.id, 'editor');
    expect(await repos.users.role(org.id, user.id)).toBe('editor');
    const withHash = await repos.users.byEmailWithHash(`ann${n}@example.com`);
    expect(withHash?.id).toBe(user.id);
    expect(await verifyPassword('pw-123456', withHash!.password_hash!)).toBe(true);
    expect(await verifyPassword('wrong', withHash!.password_hash!)).toBe(false);
    const memberships = await repos.users.memberships(user.id);
    expect(memberships.map((m) => m.organization.slug)).toEqual([org.slug]);
  });

  it('stores API keys hashed, authenticates them and honours revocation, per organization', async () => {
    const { repos, store } = get();
    const org = await repos.organizations.create({ name: 'A', slug: slug() });
    const other = await repos.organizations.create({ name: 'B', slug: slug() });
    const { apiKey, key } = await repos.apiKeys.create(org.id, { name: 'ci', role: 'admin' });
    expect(key).toMatch(/^dsk_/);
    expect(apiKey).not.toHaveProperty('key_hash');
    const raw = await store.db
      .selectFrom('api_keys')
      .select('key_hash')
      .where('id', '=', apiKey.id)
      .executeTakeFirstOrThrow();
    expect(raw.key_hash).not.toContain(key.slice(4));
    const found = await repos.apiKeys.authenticate(key);
    expect(found?.org_id).toBe(org.id);
    expect(found?.role).toBe('admin');
    expect(await repos.apiKeys.revoke(other.id, apiKey.id)).toBe(false);
    expect((await repos.apiKeys.list(other.id)).data).toEqual([]);
    expect(await repos.apiKeys.revoke(org.id, apiKey.id)).toBe(true);
    expect(await repos.apiKeys.authenticate(key)).toBeUndefined();
  });

  it('appends audit entries and pages through them newest first', async () => {
    const { repos } = get();
    const org = await repos.organizations.create({ name: 'A', slug: slug() });
    for (let i = 0; i < 5; i++) {
      await repos.auditLog.append(org.id, {
        actorType: 'system',
        actorId: null,
        action: `a.${i}`,
        resourceType: 't',
        details: { i },
      });
    }
    const first = await repos.auditLog.list(org.id, { limit: 3 });
    expect(first.data.map((e) => e.action)).toEqual(['a.4', 'a.3', 'a.2']);
    expect(first.data[0]?.details).toEqual({ i: 4 });
    const second = await repos.auditLog.list(org.id, { limit: 3, cursor: first.nextCursor! });
    expect(second.data.map((e) => e.action)).toEqual(['a.1', 'a.0']);
    expect(second.nextCursor).toBeNull();
  });

  it('encrypts connection credentials at rest and only shows them masked', async () => {
    const { repos, store } = get();
    const org = await repos.organizations.create({ name: 'A', slug: slug() });
    const other = await repos.organizations.create({ name: 'B', slug: slug() });
    const secret = 'pat_supersecretvalue_1234';
    const connection = await repos.connections.create(org.id, {
      name: 'Airtable',
      connector: 'airtable',
      settings: { baseUrl: 'http://127.0.0.1:4101' },
      credentials: { token: secret },
    });
    expect(connection.credentials).toEqual({ token: '••••1234' });
    expect(connection.settings).toEqual({ baseUrl: 'http://127.0.0.1:4101' });
    const raw = await sql<{
      credentials_enc: string;
    }>`select credentials_enc from connections where id = ${connection.id}`.execute(store.db);
    expect(raw.rows[0]?.credentials_enc).toMatch(/^v1\./);
    expect(raw.rows[0]?.credentials_enc).not.toContain('supersecret');
    expect(await repos.connections.credentials(org.id, connection.id)).toEqual({ token: secret });
    expect(await repos.connections.credentials(other.id, connection.id)).toBeUndefined();
    expect(await repos.connections.get(other.id, connection.id)).toBeUndefined();
    const updated = await repos.connections.update(org.id, connection.id, {
      credentials: { token: 'newtoken-9876' },
    });
    expect(updated?.credentials).toEqual({ token: '••••9876' });
    await repos.connections.setHealth(org.id, connection.id, 'unhealthy', 'token expired');
    expect((await repos.connections.get(org.id, connection.id))?.health).toBe('unhealthy');
    expect(await repos.connections.delete(other.id, connection.id)).toBe(false);
    expect(await repos.connections.delete(org.id, connection.id)).toBe(true);
  });

  it('writes records in batches with a change sequence that incremental readers follow', async () => {
    const { repos } = get();
    const org = await repos.organizations.create({ name: 'A', slug: slug() });
    const collection = await repos.collections.create(org.id, {
      key: 'offers',
      name: 'Offers',
      schema: { fields: [] },
    });
    expect((await repos.collections.byKey(org.id, 'offers'))?.id).toBe(collection.id);

    const created = await repos.records.writeMany(
      org.id,
      collection.id,
      Array.from({ length: 1200 }, (_, i) => ({ data: { title: `Offer ${i}`, n: i } })),
    );
    expect(created).toHaveLength(1200);
    expect(await repos.records.count(org.id, collection.id)).toBe(1200);
    const lastSeq = Math.max(...created.map((r) => r.changeSeq));

    // Unchanged data is not rewritten and takes no sequence number.
    const same = await repos.records.writeMany(org.id, collection.id, [
      { id: created[0]!.id, data: { n: 0, title: 'Offer 0' } },
    ]);
    expect(same[0]?.version).toBe(1);
    expect(await repos.records.changesSince(org.id, collection.id, lastSeq)).toEqual([]);

    const updated = await repos.records.update(org.id, collection.id, created[1]!.id, {
      data: { title: 'Changed', n: 1 },
      status: 'published',
    });
    expect(updated?.version).toBe(2);
    await repos.records.deleteMany(org.id, collection.id, [created[2]!.id]);
    const changes = await repos.records.changesSince(org.id, collection.id, lastSeq);
    expect(changes.map((c) => [c.id, c.deletedAt === null])).toEqual([
      [created[1]!.id, true],
      [created[2]!.id, false],
    ]);
    expect(await repos.records.get(org.id, collection.id, created[2]!.id)).toBeUndefined();
    expect(await repos.records.count(org.id, collection.id)).toBe(1199);

    await expect(
      repos.records.update(org.id, collection.id, created[1]!.id, { data: { x: 1 }, expectedVersion: 1 }),
    ).rejects.toMatchObject({ code: 'conflict' });

    const page1 = await repos.records.list(org.id, collection.id, { limit: 1000 });
    const page2 = await repos.records.list(org.id, collection.id, { limit: 1000, cursor: page1.nextCursor! });
    expect(page1.data.length + page2.data.length).toBe(1199);
    expect(page2.nextCursor).toBeNull();
  });

  it("keeps one organization out of another organization's records", async () => {
    const { repos } = get();
    const a = await repos.organizations.create({ name: 'A', slug: slug() });
    const b = await repos.organizations.create({ name: 'B', slug: slug() });
    const col = await repos.collections.create(a.id, { key: 'items', name: 'Items' });
    const record = await repos.records.create(a.id, col.id, { data: { secret: 1 } });
    expect(await repos.collections.byKey(b.id, 'items')).toBeUndefined();
    expect(await repos.records.get(b.id, col.id, record.id)).toBeUndefined();
    expect(await repos.records.changesSince(b.id, col.id, 0)).toEqual([]);
    expect(await repos.records.deleteMany(b.id, col.id, [record.id])).toBe(0);
    expect(await repos.records.get(a.id, col.id, record.id)).toBeDefined();
  });

  it("never writes another tenant's record through a batch, and lets the last of duplicate ids win", async () => {
    const { repos } = get();
    const a = await repos.organizations.create({ name: 'A', slug: slug() });
    const b = await repos.organizations.create({ name: 'B', slug: slug() });
    const colA = await repos.collections.create(a.id, { key: 'items', name: 'Items' });
    const colB = await repos.collections.create(b.id, { key: 'items', name: 'Items' });
    const mine = await repos.records.create(a.id, colA.id, { data: { v: 'a' } });
    await expect(
      repos.records.writeMany(b.id, colB.id, [{ id: mine.id, data: { v: 'hijacked' } }]),
    ).rejects.toThrow();
    expect((await repos.records.get(a.id, colA.id, mine.id))?.data).toEqual({ v: 'a' });

    const written = await repos.records.writeMany(a.id, colA.id, [
      { id: mine.id, data: { v: 'first' } },
      { id: mine.id, data: { v: 'second' } },
    ]);
    expect(written.map((r) => r.data)).toEqual([{ v: 'second' }]);
    expect((await repos.records.get(a.id, colA.id, mine.id))?.data).toEqual({ v: 'second' });
  });
});
