/**
 * A browser's EventSource cannot send X-DataSync-Org, so the run log route also takes `?org=` (id or slug):
 * a person in several organizations streams a run's log by naming one in the URL, with the same membership
 * check as the header.
 */
import { beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/lib/crypto/password.js';
import { describeApi, signIn, unique } from '../helpers/api.js';
import { makeRun } from './route-cases.js';

describeApi('run logs with ?org= for EventSource', (get) => {
  let cookie: Record<string, string>;
  let runId: string;
  let outsider: { id: string; slug: string };

  beforeAll(async () => {
    const w = get();
    const login = { email: `${unique('two')}@example.com`, password: 'correct horse battery' };
    const user = await w.ctx.repos.users.create({
      email: login.email,
      name: 'Two orgs',
      passwordHash: await hashPassword(login.password),
    });
    await w.ctx.repos.users.addMembership(w.a.org.id, user.id, 'viewer');
    await w.ctx.repos.users.addMembership(w.b.org.id, user.id, 'viewer');
    cookie = { cookie: (await signIn(w, login)).cookie };
    runId = (await makeRun(w, w.a, 'success')).id;
    outsider = await w.ctx.repos.organizations.create({ name: 'Other', slug: unique('other') });
  });

  const stream = (query: string, headers: Record<string, string> = {}) =>
    get().inject({
      method: 'GET',
      url: `/api/v1/runs/${runId}/logs${query}`,
      headers: { ...cookie, accept: 'text/event-stream', ...headers },
    });

  it('streams the log of a finished run to its end event when ?org= names the run’s organization', async () => {
    const w = get();
    for (const org of [w.a.org.id, w.a.org.slug]) {
      const res = await stream(`?org=${encodeURIComponent(org)}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(res.body).toContain('"message":"hello"');
      expect(res.body).toMatch(/event: end\ndata: .*"status":"success"/);
    }
  });

  it('without a name, a person in several organizations is asked for one (the case EventSource was stuck in)', async () => {
    const res = await stream('');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'bad_request' } });
  });

  it('checks membership like the header: another member organization hides the run, a foreign one is 404', async () => {
    const w = get();
    expect((await stream(`?org=${w.b.org.id}`)).statusCode).toBe(404);
    const foreign = await stream(`?org=${outsider.id}`);
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json()).toMatchObject({ error: { code: 'not_found', message: 'organization not found' } });
  });

  it('refuses ?org= and a header that disagree, and an empty ?org=', async () => {
    const w = get();
    expect((await stream(`?org=${w.a.org.id}`, { 'x-datasync-org': w.b.org.id })).statusCode).toBe(400);
    expect((await stream(`?org=${w.a.org.id}`, { 'x-datasync-org': w.a.org.id })).statusCode).toBe(200);
    expect((await stream('?org=')).statusCode).toBe(400);
  });

  it('works for the JSON pages too, and other routes still reject an unknown ?org=', async () => {
    const w = get();
    const page = await w.inject({
      method: 'GET',
      url: `/api/v1/runs/${runId}/logs?org=${w.a.org.id}`,
      headers: cookie,
    });
    expect(page.statusCode).toBe(200);
    expect((page.json() as { data: { message: string }[] }).data.map((l) => l.message)).toEqual(['hello']);
    const runs = await w.inject({ method: 'GET', url: `/api/v1/runs?org=${w.a.org.id}`, headers: cookie });
    expect(runs.statusCode).toBe(400);
  });
});
