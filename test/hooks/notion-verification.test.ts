/**
 * Notion's webhook set-up through the real receiver over HTTP, on both dialects: the simulator creates a
 * subscription and POSTs its `{verification_token}` unsigned; the receiver keeps it sealed, an admin is shown it
 * once, and every later event is verified with it. A second, different token is refused (the hook URL alone must
 * not swap the key), until an admin resets the verification.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { notionSignature } from '../../src/simulators/notion/notion-webhooks.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

describeApi('Notion webhook verification', (get) => {
  let s: NotionSimulator;
  let base: string;
  beforeAll(async () => {
    s = (await startSimulator('notion', { seedRecords: 0, rateLimit: false })) as NotionSimulator;
    base = await get().app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => s?.close());

  const connection = (w: ApiWorld) =>
    w.ctx.repos.connections.create(w.a.org.id, {
      name: unique('notion'),
      connector: 'notion',
      credentials: { token: s.credentials.token!, databaseId: s.credentials.databaseId! },
    });
  const reveal = (w: ApiWorld, id: string, key = w.a.keys.admin) =>
    w.inject({ method: 'POST', url: `/api/v1/connections/${id}/webhook-verification/reveal`, key });
  const getConnection = async (w: ApiWorld, id: string) =>
    (await w.inject({ method: 'GET', url: `/api/v1/connections/${id}`, key: w.a.keys.viewer })).json();
  const postHook = (w: ApiWorld, id: string, body: string, headers: Record<string, string> = {}) =>
    w.inject({
      method: 'POST',
      url: `/api/v1/hooks/${id}`,
      payload: body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  it('keeps the token Notion sends, shows it to an admin once, and verifies later events with it', async () => {
    const w = get();
    const c = await connection(w);
    expect((await getConnection(w, c.id)).webhookVerification).toBeNull();
    const early = await reveal(w, c.id);
    expect(early.statusCode).toBe(409);
    expect(early.json().error.message).toMatch(/no verification token has been received/);

    const sub = await s.subscribe(`${base}/api/v1/hooks/${c.id}`);
    const verification = s.webhooks.deliveries().at(-1)!;
    expect(verification.status).toBe(200);
    const seen = await getConnection(w, c.id);
    expect(seen.webhookVerification).toMatchObject({ revealedAt: null });
    expect(seen.webhookVerification.receivedAt).toEqual(expect.any(String));
    expect(Object.keys(seen.credentials)).toContain('verificationToken');
    expect(JSON.stringify(seen)).not.toContain(sub.verificationToken);

    // Least privilege: an editor runs syncs but is not shown signing keys.
    expect((await reveal(w, c.id, w.a.keys.editor)).statusCode).toBe(403);
    // Another organization's admin does not see the connection at all.
    expect((await reveal(w, c.id, w.b.keys.admin)).statusCode).toBe(404);
    const shown = await reveal(w, c.id);
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual({ token: sub.verificationToken });
    const again = await reveal(w, c.id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/already shown/);
    expect((await getConnection(w, c.id)).webhookVerification.revealedAt).toEqual(expect.any(String));

    // Notion signs every event with the token: accepted and queued.
    const page = s.ui.create({ Name: 'from Notion' });
    await s.webhooks.idle();
    const event = s.webhooks.deliveries().at(-1)!;
    expect(event.rawBody).toContain(page.id);
    expect(event.status).toBe(202);
    // One signed with another key is not.
    const forged = await postHook(w, c.id, event.rawBody, {
      'x-notion-signature': notionSignature('secret_someone_else', event.rawBody),
    });
    expect(forged.statusCode).toBe(401);

    const audit = await w.ctx.repos.auditLog.list(w.a.org.id, { resourceId: c.id });
    expect(audit.data.map((e) => e.action)).toEqual(
      expect.arrayContaining(['connection.webhook_token_received', 'connection.webhook_token_revealed']),
    );
    expect(JSON.stringify(audit.data)).not.toContain(sub.verificationToken);
  });

  it('refuses a different token while one is held, accepts the same one again, and a new one after a reset', async () => {
    const w = get();
    const c = await connection(w);
    const first = await s.subscribe(`${base}/api/v1/hooks/${c.id}`);
    expect(s.webhooks.deliveries().at(-1)!.status).toBe(200);

    const same = await postHook(w, c.id, JSON.stringify({ verification_token: first.verificationToken }));
    expect(same.statusCode).toBe(200);
    expect(same.json()).toEqual({ received: true, verification: 'same' });
    const planted = await postHook(
      w,
      c.id,
      JSON.stringify({ verification_token: 'secret_planted_by_someone' }),
    );
    expect(planted.statusCode).toBe(409);
    expect(planted.json().error).toMatchObject({ code: 'conflict' });
    expect((await w.ctx.repos.connections.credentials(w.a.org.id, c.id))!.verificationToken).toBe(
      first.verificationToken,
    );
    // A body that is not exactly a verification request is an event, and an unsigned event is refused.
    const extra = JSON.stringify({ verification_token: 'secret_planted_by_someone', id: 'x' });
    expect((await postHook(w, c.id, extra)).statusCode).toBe(401);

    const reset = await w.inject({
      method: 'DELETE',
      url: `/api/v1/connections/${c.id}/webhook-verification`,
      key: w.a.keys.admin,
    });
    expect(reset.statusCode).toBe(204);
    const after = await getConnection(w, c.id);
    expect(after.webhookVerification).toBeNull();
    expect(Object.keys(after.credentials)).not.toContain('verificationToken');
    // The old subscription's events no longer verify: nothing holds its key.
    s.ui.create({ Name: 'after reset' });
    await s.webhooks.idle();
    expect(s.webhooks.deliveries().at(-1)!.status).toBe(401);

    const second = await s.subscribe(`${base}/api/v1/hooks/${c.id}`);
    expect(s.webhooks.deliveries().at(-1)!.status).toBe(200);
    expect((await reveal(w, c.id)).json()).toEqual({ token: second.verificationToken });
  });

  it('answers 400 for a connector that sends no verification token', async () => {
    const w = get();
    const hub = await w.ctx.repos.connections.create(w.a.org.id, {
      name: unique('hs'),
      connector: 'hubspot',
      credentials: { clientSecret: 'x' },
    });
    const res = await reveal(w, hub.id);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/hubspot connections receive no webhook verification token/);
  });
});
