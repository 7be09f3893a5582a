/**
 * Behaviours the route table cannot express: CSRF, sessions, organization selection, owner rules, key role
 * ceilings, audit entries, optimistic versions, limits, headers and rate limits.
 */
import { expect, it } from 'vitest';
import { FailureLimiter } from '../../src/api/auth/failure-limiter.js';
import { hashPassword } from '../../src/lib/crypto/password.js';
import { describeApi, signIn, unique } from '../helpers/api.js';
import { makeConnection, makeMember, makeRecord } from './route-cases.js';

describeApi('API security', (get) => {
  it('requires the CSRF header on state changes made with the session cookie, not on reads', async () => {
    const w = get();
    const s = await signIn(w);
    const payload = { name: unique('c'), connector: 'airtable' };
    const without = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: { cookie: s.cookie },
      payload,
    });
    expect(without.statusCode).toBe(403);
    expect(without.json().error.details.reason).toBe('csrf');
    const wrong = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    const read = await w.inject({ method: 'GET', url: '/api/v1/connections', headers: { cookie: s.cookie } });
    expect(read.statusCode).toBe(200);
    const ok = await w.inject({ method: 'POST', url: '/api/v1/connections', headers: s.headers, payload });
    expect(ok.statusCode).toBe(201);
  });

  it('sets an httpOnly SameSite session cookie, stores only its hash, and logout ends it', async () => {
    const w = get();
    const res = await w.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: w.login });
    const session = res.cookies.find((c) => c.name === 'datasync_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    const rows = await w.ctx.store.db.selectFrom('sessions').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash === session.value)).toBe(false);
    const headers = { cookie: `datasync_session=${session.value}`, 'x-csrf-token': res.json().csrfToken };
    expect((await w.inject({ method: 'POST', url: '/api/v1/auth/logout', headers })).statusCode).toBe(204);
    expect((await w.inject({ method: 'GET', url: '/api/v1/me', headers })).statusCode).toBe(401);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    const w = get();
    const wrong = await w.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { ...w.login, password: 'nope' },
    });
    const unknown = await w.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
  });

  it('makes a person in several organizations choose one, by id or slug, and hides the others', async () => {
    const w = get();
    const email = `${unique('multi')}@example.com`;
    const user = await w.ctx.repos.users.create({
      email,
      name: 'Multi',
      passwordHash: await hashPassword('pw pw pw pw pw'),
    });
    await w.ctx.repos.users.addMembership(w.a.org.id, user.id, 'viewer');
    await w.ctx.repos.users.addMembership(w.b.org.id, user.id, 'editor');
    const s = await signIn(w, { email, password: 'pw pw pw pw pw' });
    const none = await w.inject({ method: 'GET', url: '/api/v1/connections', headers: s.headers });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.details.organizations).toHaveLength(2);
    const me = await w.inject({ method: 'GET', url: '/api/v1/me', headers: s.headers });
    expect(me.json().organization).toBeNull();
    expect(me.json().memberships).toHaveLength(2);
    const inB = await w.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { ...s.headers, 'x-datasync-org': w.b.org.slug },
    });
    expect(inB.json().role).toBe('editor');
    const aConn = await makeConnection(w, w.a);
    const viaB = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${aConn.id}`,
      headers: { ...s.headers, 'x-datasync-org': w.b.org.id },
    });
    expect(viaB.statusCode).toBe(404);
    const viaA = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${aConn.id}`,
      headers: { ...s.headers, 'x-datasync-org': w.a.org.id },
    });
    expect(viaA.statusCode).toBe(200);
    const stranger = await w.ctx.repos.organizations.create({ name: 'S', slug: unique('s') });
    const notMine = await w.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { ...s.headers, 'x-datasync-org': stranger.id },
    });
    expect(notMine.statusCode).toBe(404);
  });

  it('lets only owners grant or take ownership, and never removes the last owner', async () => {
    const w = get();
    const org = await w.ctx.repos.organizations.create({ name: 'Own', slug: unique('own') });
    const owner = await makeMember(w, { org, keys: w.a.keys }, 'owner');
    const ownerKey = (await w.ctx.repos.apiKeys.create(org.id, { name: 'o', role: 'owner' })).key;
    const adminKey = (await w.ctx.repos.apiKeys.create(org.id, { name: 'a', role: 'admin' })).key;
    const viewer = await makeMember(w, { org, keys: w.a.keys }, 'viewer');
    const promote = (key: string, userId: string, role: string) =>
      w.inject({ method: 'PATCH', url: `/api/v1/members/${userId}`, key, payload: { role } });
    expect((await promote(adminKey, viewer.id, 'owner')).statusCode).toBe(403);
    expect((await promote(adminKey, owner.id, 'viewer')).statusCode).toBe(403);
    expect(
      (await w.inject({ method: 'DELETE', url: `/api/v1/members/${owner.id}`, key: adminKey })).statusCode,
    ).toBe(403);
    const last = await promote(ownerKey, owner.id, 'admin');
    expect(last.statusCode).toBe(409);
    expect(
      (await w.inject({ method: 'DELETE', url: `/api/v1/members/${owner.id}`, key: ownerKey })).statusCode,
    ).toBe(409);
    expect((await promote(ownerKey, viewer.id, 'owner')).statusCode).toBe(200);
    expect((await promote(ownerKey, owner.id, 'admin')).statusCode).toBe(200);
    const added = await w.inject({
      method: 'POST',
      url: '/api/v1/members',
      key: adminKey,
      payload: { email: `${unique('x')}@example.com`, role: 'owner' },
    });
    expect(added.statusCode).toBe(403);
    const dup = await w.inject({
      method: 'POST',
      url: '/api/v1/members',
      key: adminKey,
      payload: { email: viewer.email, role: 'viewer' },
    });
    expect(dup.statusCode).toBe(409);
  });

  it('never mints or revokes a key stronger than the caller, shows a key once and tracks last use', async () => {
    const w = get();
    const tooStrong = await w.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      key: w.a.keys.admin,
      payload: { name: 'x', role: 'owner' },
    });
    expect(tooStrong.statusCode).toBe(403);
    const made = await w.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      key: w.a.keys.admin,
      payload: { name: 'ci', role: 'editor' },
    });
    expect(made.statusCode).toBe(201);
    const { key, apiKey } = made.json();
    expect(key).toMatch(/^dsk_/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect((await w.inject({ method: 'GET', url: '/api/v1/me', key })).json().role).toBe('editor');
    const listed = await w.inject({
      method: 'GET',
      url: `/api/v1/api-keys/${apiKey.id}`,
      key: w.a.keys.admin,
    });
    expect(listed.json().lastUsedAt).not.toBeNull();
    expect(listed.body.includes(key)).toBe(false);
    const ownerKeyId = (await w.ctx.repos.apiKeys.list(w.a.org.id)).data.find((k) => k.role === 'owner')!.id;
    expect(
      (await w.inject({ method: 'DELETE', url: `/api/v1/api-keys/${ownerKeyId}`, key: w.a.keys.admin }))
        .statusCode,
    ).toBe(403);
    expect(
      (await w.inject({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}`, key: w.a.keys.admin }))
        .statusCode,
    ).toBe(204);
    expect((await w.inject({ method: 'GET', url: '/api/v1/me', key })).statusCode).toBe(401);
  });

  it('writes an audit entry with actor, resource and IP for each change, and filters them', async () => {
    const w = get();
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      remoteAddress: '203.0.113.7',
      payload: { name: unique('audited'), connector: 'hubspot', credentials: { token: 'tok_123456789' } },
    });
    const id = res.json().id;
    const log = await w.inject({
      method: 'GET',
      url: `/api/v1/audit-log?resourceId=${id}`,
      key: w.a.keys.admin,
    });
    const [entry] = log.json().data;
    const adminKeyId = (await w.ctx.repos.apiKeys.list(w.a.org.id)).data.find((k) => k.name === 'admin')!.id;
    expect(entry).toMatchObject({
      action: 'connection.created',
      actorType: 'api_key',
      actorId: adminKeyId,
      resourceType: 'connection',
      ip: '203.0.113.7',
    });
    expect(JSON.stringify(entry)).not.toContain('tok_123456789');
    const later = await w.inject({
      method: 'GET',
      url: `/api/v1/audit-log?resourceId=${id}&from=2999-01-01T00:00:00Z`,
      key: w.a.keys.admin,
    });
    expect(later.json().data).toEqual([]);
  });

  it('returns credentials masked, never their value', async () => {
    const w = get();
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      payload: { name: unique('m'), connector: 'airtable', credentials: { token: 'pat_verysecret_9876' } },
    });
    expect(res.json().credentials).toEqual({ token: '••••9876' });
    const got = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${res.json().id}`,
      key: w.a.keys.viewer,
    });
    expect(got.body).not.toContain('verysecret');
  });

  it('answers 501 from the default connection checker', async () => {
    // This world runs with the default checker: no connector can check credentials yet.
    const w = get();
    const c = await makeConnection(w, w.a);
    const res = await w.inject({
      method: 'POST',
      url: `/api/v1/connections/${c.id}/test`,
      key: w.a.keys.editor,
    });
    expect(res.statusCode).toBe(501);
    expect(res.json().error.code).toBe('not_implemented');
  });

  it('rejects a stale record version with 409 and the current version', async () => {
    const w = get();
    const { collection, record } = await makeRecord(w, w.a);
    const url = `/api/v1/collections/${collection.key}/records/${record.id}`;
    const first = await w.inject({
      method: 'PUT',
      url,
      key: w.a.keys.editor,
      payload: { data: { t: 1 }, version: 1 },
    });
    expect(first.json().version).toBe(2);
    const stale = await w.inject({
      method: 'PUT',
      url,
      key: w.a.keys.editor,
      payload: { data: { t: 2 }, version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details.currentVersion).toBe(2);
  });

  it('answers 409 for a duplicate name, pages with cursors, and limits bodies', async () => {
    const w = get();
    const name = unique('dup');
    const body = { name, connector: 'airtable' };
    expect(
      (await w.inject({ method: 'POST', url: '/api/v1/connections', key: w.a.keys.admin, payload: body }))
        .statusCode,
    ).toBe(201);
    const dup = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      payload: body,
    });
    expect(dup.statusCode).toBe(409);
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = (
        await w.inject({
          method: 'GET',
          url: `/api/v1/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          key: w.a.keys.viewer,
        })
      ).json();
      for (const c of page.data) seen.add(c.id);
      expect(page.data.length).toBeLessThanOrEqual(2);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe((await w.ctx.repos.connections.list(w.a.org.id, { limit: 200 })).data.length);
    const big = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      payload: { name: 'big', connector: 'airtable', settings: { blob: 'x'.repeat(70_000) } },
    });
    expect(big.statusCode).toBe(413);
    const text = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      headers: { 'content-type': 'text/plain' },
      payload: 'hi',
    });
    expect(text.statusCode).toBe(415);
    const broken = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      key: w.a.keys.admin,
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('bad_request');
  });

  it('sets security headers and serves the OpenAPI document and docs page', async () => {
    const w = get();
    const res = await w.app.inject({ method: 'GET', url: '/api/v1/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.body).toContain('/api/v1/connections/{id}');
  });
});

describeApi(
  'API rate limits',
  (get) => {
    it('limits sign-in attempts per client address', async () => {
      const w = get();
      const attempt = () =>
        w.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '198.51.100.1',
          payload: { email: 'a@b.co', password: 'x' },
        });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await attempt()).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429]);
      const limited = await attempt();
      expect(limited.json().error.code).toBe('rate_limited');
      expect(limited.headers['retry-after']).toBeDefined();
      const other = await w.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '198.51.100.2',
        payload: w.login,
      });
      expect(other.statusCode).toBe(200);
    });

    it('a valid key is never refused for others’ failures from its address; a failing address or key gets 429', async () => {
      const w = get();
      const from = { remoteAddress: '198.51.100.9' };
      const guess = (i: number) =>
        w.inject({ method: 'GET', url: '/api/v1/me', key: `dsk_${'x'.repeat(40)}${i}`, ...from });
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await guess(i)).statusCode);
      // Each guess is a different key: the address's count turns the failing ones into 429.
      expect(statuses).toEqual([401, 401, 429, 429]);
      const limited = await guess(9);
      expect(limited.json().error).toMatchObject({ code: 'rate_limited' });
      expect(limited.headers['retry-after']).toBeDefined();
      // Someone else behind the same address with a valid key is served.
      const owner = await w.inject({ method: 'GET', url: '/api/v1/me', key: w.a.keys.owner, ...from });
      expect(owner.statusCode).toBe(200);

      // A revoked key left in a cron job is refused before it is looked up again, from any address.
      const stale = `dsk_${'y'.repeat(40)}`;
      for (const [i, expected] of [401, 401, 401].entries()) {
        const res = await w.inject({
          method: 'GET',
          url: '/api/v1/me',
          key: stale,
          remoteAddress: `203.0.113.${i + 1}`,
        });
        expect(res.statusCode).toBe(expected);
      }
      const again = await w.inject({
        method: 'GET',
        url: '/api/v1/me',
        key: stale,
        remoteAddress: '203.0.113.9',
      });
      expect(again.statusCode).toBe(429);
      expect(again.json().error.message).toMatch(/this credential/);
      // And the valid keys of those addresses are not.
      const fine = await w.inject({
        method: 'GET',
        url: '/api/v1/me',
        key: w.a.keys.viewer,
        remoteAddress: '203.0.113.1',
      });
      expect(fine.statusCode).toBe(200);
    });
  },
  { loginRateLimit: { max: 3, timeWindowMs: 60_000 }, authFailureLimit: { max: 3, windowMs: 60_000 } },
);

it('FailureLimiter forgets failures after its window (fake clock)', () => {
  let now = 0;
  const limiter = new FailureLimiter({ max: 2, windowMs: 1000, now: () => now });
  limiter.recordFailure('ip');
  expect(limiter.retryAfterMs('ip')).toBe(0);
  limiter.recordFailure('ip');
  now = 400;
  expect(limiter.retryAfterMs('ip')).toBe(600);
  now = 1000;
  expect(limiter.retryAfterMs('ip')).toBe(0);
});
