/**
 * Organizations made with the product: a signed-in person creates one over the API and becomes its owner, acts in
 * it with X-DataSync-Org, and sees nothing of it from the first (and the first nothing of it); an API key cannot
 * create one. `datasync org create` makes one from the command line with an owner key printed once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { describeApi, signIn } from '../helpers/api.js';
import { baseEnv, runCliToEnd } from '../helpers/cli.js';

describeApi('organizations', (get) => {
  it('a person creates an organization, becomes its owner, and works in it apart from the first', async () => {
    const w = get();
    const session = await signIn(w);
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: session.headers,
      payload: { name: 'Acme Europe' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const made = res.json();
    expect(made).toMatchObject({
      role: 'owner',
      organization: { name: 'Acme Europe', slug: expect.any(String) },
    });
    const slug = made.organization.slug as string;
    expect(slug).toMatch(/^acme-europe/);

    const me = (await w.inject({ method: 'GET', url: '/api/v1/me', headers: session.headers })).json();
    expect(me.memberships.map((m: { organization: { slug: string } }) => m.organization.slug)).toContain(
      slug,
    );
    // Two organizations now: a request must say which.
    const unnamed = await w.inject({ method: 'GET', url: '/api/v1/connections', headers: session.headers });
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json().error.message).toMatch(/several organizations/);

    const inNew = { ...session.headers, 'x-datasync-org': slug };
    const connection = await w.inject({
      method: 'POST',
      url: '/api/v1/connections',
      headers: inNew,
      payload: { name: 'only in the new one', connector: 'memory' },
    });
    expect(connection.statusCode, connection.body).toBe(201);
    const listA = await w.inject({ method: 'GET', url: '/api/v1/connections', key: w.a.keys.owner });
    expect(listA.json().data.map((c: { id: string }) => c.id)).not.toContain(connection.json().id);
    const fromA = await w.inject({
      method: 'GET',
      url: `/api/v1/connections/${connection.json().id}`,
      key: w.a.keys.owner,
    });
    expect(fromA.statusCode).toBe(404);

    const audit = await w.inject({ method: 'GET', url: '/api/v1/audit-log', headers: inNew });
    expect(audit.json().data.map((e: { action: string }) => e.action)).toContain('organization.created');

    const taken = await w.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: session.headers,
      payload: { name: 'Again', slug },
    });
    expect(taken.statusCode).toBe(409);
    const badSlug = await w.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      headers: session.headers,
      payload: { name: 'Bad', slug: 'Not A Slug' },
    });
    expect(badSlug.statusCode).toBe(422);
  });

  it('an API key belongs to one organization and cannot create another', async () => {
    const w = get();
    const res = await w.inject({
      method: 'POST',
      url: '/api/v1/organizations',
      key: w.a.keys.owner,
      payload: { name: 'Nope' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/sign in as a person/);
  });
});

it('datasync org create makes a tenant with an owner key printed once; a taken slug exits non-zero', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datasync-org-'));
  const first = await runCliToEnd(['org', 'create', '--name', 'Acme Europe', '--data', dir], baseEnv());
  expect(first.code, first.stderr).toBe(0);
  expect(first.stdout).toMatch(/created organization Acme Europe \(acme-europe, org_/);
  const key = /owner API key \(shown once\): (dsk_\S+)/.exec(first.stdout)?.[1];
  expect(key).toBeTruthy();

  const again = await runCliToEnd(['org', 'create', '--name', 'Acme Europe', '--data', dir], baseEnv());
  expect(again.code).not.toBe(0);
  expect(again.stderr.trim().split('\n')).toHaveLength(1);
  expect(again.stderr).toMatch(/slug "acme-europe" is taken.*another slug/);

  const noOwner = await runCliToEnd(
    ['org', 'create', '--name', 'Other', '--owner', 'nobody@example.com', '--data', dir],
    baseEnv(),
  );
  expect(noOwner.code).not.toBe(0);
  expect(noOwner.stderr).toMatch(/no user with email nobody@example.com/);

  const store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
  try {
    const org = await store.db
      .selectFrom('organizations')
      .selectAll()
      .where('slug', '=', 'acme-europe')
      .executeTakeFirstOrThrow();
    const keys = await store.db.selectFrom('api_keys').selectAll().where('org_id', '=', org.id).execute();
    expect(keys.map((k) => k.role)).toEqual(['owner']);
    expect(JSON.stringify(keys)).not.toContain(key!);
  } finally {
    await store.close();
  }
}, 60_000);
