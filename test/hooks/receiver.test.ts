/**
 * The webhook receiver, cron tick and /metrics over the real server on both dialects: forged, wrong-secret,
 * stale and replayed requests are refused (401/401/401/409) and counted; a valid one is answered 202 with
 * exactly one stored event and one `webhook.process` job; processing queues one run per burst.
 */
import { expect, it } from 'vitest';
import { signDelivery } from '../../src/deliveries/signing.js';
import { processWebhookEvent } from '../../src/app/webhook-process-handler.js';
import { hubspotSignatureV3 } from '../../src/simulators/hubspot/hubspot-webhooks.js';
import { describeApi, unique, type ApiWorld } from '../helpers/api.js';

async function webhookConnection(w: ApiWorld) {
  const { site, secret } = await w.ctx.repos.sites.create(w.a.org.id, {
    name: 'Hooked',
    slug: unique('hooked').replace(/[^a-z0-9-]/g, '-'),
    url: 'builtin:receiver',
  });
  return { connectionId: site.connectionId, secret };
}

function post(w: ApiWorld, connectionId: string, body: string, headers: object) {
  return w.app.inject({
    method: 'POST',
    url: `/api/v1/hooks/${connectionId}`,
    payload: body,
    headers: { 'content-type': 'application/json', ...(headers as Record<string, string>) },
  });
}

async function storedEvents(w: ApiWorld, connectionId: string) {
  return w.ctx.store.db
    .selectFrom('webhook_events')
    .selectAll()
    .where('connection_id', '=', connectionId)
    .execute();
}

async function metric(w: ApiWorld, line: string): Promise<number> {
  const res = await w.app.inject({ method: 'GET', url: '/metrics' });
  const found = res.body.split('\n').find((l) => l.startsWith(line + ' '));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describeApi('webhook receiver', (get) => {
  it('answers 202 to a valid event, stores it once, enqueues its processing, and 409s the replay', async () => {
    const w = get();
    const { connectionId, secret } = await webhookConnection(w);
    const body = JSON.stringify({ hello: 'world', n: 1 });
    const headers = signDelivery(secret, body, { id: 'msg_valid_1' });
    const before = await w.runtime.queue.pending();
    const res = await post(w, connectionId, body, headers);
    expect(res.statusCode, res.body).toBe(202);
    const events = await storedEvents(w, connectionId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ external_id: 'msg_valid_1', body, status: 'received' });
    expect(res.json()).toEqual({ received: true, eventId: events[0]!.id });
    expect(await w.runtime.queue.pending()).toBe(before + 1);

    const replayed = await post(w, connectionId, body, headers);
    expect(replayed.statusCode).toBe(409);
    expect(replayed.json().error.details.reason).toBe('replayed');
    expect(await storedEvents(w, connectionId)).toHaveLength(1);
    expect(await w.runtime.queue.pending()).toBe(before + 1);
    expect(
      await metric(w, 'datasync_webhook_verification_failures_total{connector="webhook",reason="replayed"}'),
    ).toBeGreaterThanOrEqual(1);
  });

  it('refuses a forged signature, a wrong secret and a stale timestamp with 401, storing nothing', async () => {
    const w = get();
    const { connectionId, secret } = await webhookConnection(w);
    const other = await webhookConnection(w);
    const body = '{"a":1}';
    const forged = { ...signDelivery(secret, body, { id: 'm1' }), 'webhook-signature': 'v1,AAAA' };
    const wrongSecret = signDelivery(other.secret, body, { id: 'm2' });
    const stale = signDelivery(secret, body, { id: 'm3', timestamp: new Date(Date.now() - 10 * 60_000) });
    const tampered = signDelivery(secret, body, { id: 'm4' });
    const staleBefore = await metric(
      w,
      'datasync_webhook_verification_failures_total{connector="webhook",reason="stale"}',
    );
    for (const [headers, payload, reason] of [
      [forged, body, 'bad_signature'],
      [wrongSecret, body, 'bad_signature'],
      [stale, body, 'stale'],
      [tampered, '{"a":2}', 'bad_signature'],
      [{}, body, 'missing_signature'],
    ] as const) {
      const res = await post(w, connectionId, payload, headers);
      expect(res.statusCode, reason).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'unauthorized', details: { reason } });
    }
    expect(await storedEvents(w, connectionId)).toHaveLength(0);
    expect(
      await metric(w, 'datasync_webhook_verification_failures_total{connector="webhook",reason="stale"}'),
    ).toBe(staleBefore + 1);
  });

  it('answers 404 for unknown or malformed connection ids and connectors without webhooks', async () => {
    const w = get();
    const body = '{}';
    expect((await post(w, 'con_01jz0000000000000000000000', body, {})).statusCode).toBe(404);
    expect((await post(w, 'nope', body, {})).statusCode).toBe(404);
    const mem = await w.ctx.repos.connections.create(w.a.org.id, { name: unique('m'), connector: 'memory' });
    expect((await post(w, mem.id, body, {})).statusCode).toBe(404);
  });

  it('verifies HubSpot v3 over the documented default public URL, never the Host header; runs Meta’s GET handshake', async () => {
    const w = get();
    const hub = await w.ctx.repos.connections.create(w.a.org.id, {
      name: unique('hs'),
      connector: 'hubspot',
      credentials: { clientSecret: 'hs-client-secret' },
    });
    const body = '[{"eventId":7,"objectId":1}]';
    const ts = String(Date.now());
    expect(w.ctx.config.publicUrl).toBeUndefined();
    // A sender that signs over the Host header it sends itself is not trusted for it.
    const spoofed = `http://hooks.example.com/api/v1/hooks/${hub.id}`;
    const refused = await post(w, hub.id, body, {
      host: 'hooks.example.com',
      'x-hubspot-signature-v3': hubspotSignatureV3('hs-client-secret', 'POST', spoofed, body, ts),
      'x-hubspot-request-timestamp': ts,
    });
    expect(refused.statusCode).toBe(401);
    // Without DATASYNC_PUBLIC_URL the address is the README's default, http://localhost:<PORT>.
    const url = `http://localhost:${w.ctx.config.port}/api/v1/hooks/${hub.id}`;
    const res = await post(w, hub.id, body, {
      host: 'hooks.example.com',
      'x-hubspot-signature-v3': hubspotSignatureV3('hs-client-secret', 'POST', url, body, ts),
      'x-hubspot-request-timestamp': ts,
    });
    expect(res.statusCode, res.body).toBe(202);
    expect((await storedEvents(w, hub.id))[0]?.external_id).toBe('events:7');

    const ig = await w.ctx.repos.connections.create(w.a.org.id, {
      name: unique('ig'),
      connector: 'instagram',
      credentials: { appSecret: 'app-secret', verifyToken: 'verify-me' },
    });
    const ok = await w.app.inject({
      method: 'GET',
      url: `/api/v1/hooks/${ig.id}?hub.mode=subscribe&hub.challenge=987654&hub.verify_token=verify-me`,
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe('987654');
    const bad = await w.app.inject({
      method: 'GET',
      url: `/api/v1/hooks/${ig.id}?hub.mode=subscribe&hub.challenge=987654&hub.verify_token=guess`,
    });
    expect(bad.statusCode).toBe(403);
  });

  it('processing queues one webhook-triggered run per burst and marks each event', async () => {
    const w = get();
    const { connectionId, secret } = await webhookConnection(w);
    const sync = await w.ctx.repos.syncs.create(w.a.org.id, {
      name: unique('hooked-sync'),
      definition: {
        a: { connectionId },
        b: { connector: 'collection' },
        direction: 'pull',
        objects: [{ name: 'items', a: 'items', b: 'posts', fields: [{ a: 'title', b: 'title' }] }],
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify({ i });
      const res = await post(w, connectionId, body, signDelivery(secret, body, { id: `burst_${i}` }));
      expect(res.statusCode).toBe(202);
      ids.push(res.json().eventId);
    }
    const runIds = new Set<string>();
    for (const id of ids) {
      for (const runId of await processWebhookEvent(w.ctx.store.db, w.runtime.queue, {
        orgId: w.a.org.id,
        connectionId,
        webhookEventId: id,
      })) {
        runIds.add(runId);
      }
    }
    expect(runIds.size).toBe(1);
    const runs = await w.ctx.store.db.selectFrom('runs').selectAll().where('sync_id', '=', sync.id).execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'webhook', status: 'queued' });
    const events = await storedEvents(w, connectionId);
    expect(events.map((e) => e.status)).toEqual(['processed', 'processed', 'processed']);

    const lonely = await webhookConnection(w);
    const body = '{"x":1}';
    const res = await post(w, lonely.connectionId, body, signDelivery(lonely.secret, body));
    await processWebhookEvent(w.ctx.store.db, w.runtime.queue, {
      orgId: w.a.org.id,
      connectionId: lonely.connectionId,
      webhookEventId: res.json().eventId,
    });
    expect((await storedEvents(w, lonely.connectionId))[0]?.status).toBe('ignored');
  });

  it('cron tick: 404 when disabled, 401 without or with a wrong secret, 202 enqueueing due schedules once', async () => {
    const w = get();
    const tick = (authorization?: string) =>
      w.app.inject({
        method: 'POST',
        url: '/api/v1/cron/tick',
        headers: authorization ? { authorization } : {},
      });
    const saved = w.ctx.config.cronSecret;
    try {
      w.ctx.config.cronSecret = undefined;
      expect((await tick('Bearer anything-at-all-here')).statusCode).toBe(404);
      w.ctx.config.cronSecret = 'cron-secret-0123456789';
      expect((await tick()).statusCode).toBe(401);
      expect((await tick('Bearer cron-secret-0123456788')).statusCode).toBe(401);
      expect((await tick('Bearer cron-secret-0123456789 ')).statusCode).toBe(401);
      expect((await tick('cron-secret-0123456789')).statusCode).toBe(401);

      const sync = await w.ctx.repos.syncs.create(w.a.org.id, {
        name: unique('cron-sync'),
        schedule: '*/5 * * * *',
        definition: {
          a: { connector: 'collection' },
          b: { connector: 'collection' },
          direction: 'push',
          objects: [{ name: 'items', a: 'items', b: 'posts', fields: [{ a: 'title', b: 'title' }] }],
        },
      });
      // The schedule last ticked an hour ago: one tick is due now.
      await w.ctx.store.db
        .insertInto('runtime_schedules')
        .values({ key: `sync:${sync.id}`, last_tick_at: new Date(Date.now() - 3600_000).toISOString() })
        .execute();
      const first = await tick('Bearer cron-secret-0123456789');
      expect(first.statusCode, first.body).toBe(202);
      expect(first.json().schedules).toContain(`sync:${sync.id}`);
      const second = await tick('Bearer cron-secret-0123456789');
      expect(second.json().schedules).not.toContain(`sync:${sync.id}`);
      const runs = await w.ctx.store.db
        .selectFrom('runs')
        .selectAll()
        .where('sync_id', '=', sync.id)
        .execute();
      expect(runs.map((r) => [r.trigger, r.status])).toEqual([['cron', 'queued']]);
    } finally {
      w.ctx.config.cronSecret = saved;
    }
  });

  it('/metrics serves runtime, queue and webhook figures, behind METRICS_TOKEN when set', async () => {
    const w = get();
    const res = await w.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of [
      'datasync_queue_depth',
      'datasync_runs_active{status="queued"}',
      '# TYPE datasync_runs_finished_total counter',
      '# TYPE datasync_run_duration_seconds histogram',
      '# TYPE datasync_rate_limit_wait_seconds_total counter',
      '# TYPE datasync_webhook_verification_failures_total counter',
    ]) {
      expect(res.body).toContain(name);
    }
    expect(await metric(w, 'datasync_queue_depth')).toBe(await w.runtime.queue.pending());
    w.runtime.events.emit('run.finished', {
      runId: 'run_x',
      orgId: w.a.org.id,
      syncId: null,
      status: 'success',
      error: null,
      stalled: false,
      durationMs: 1200,
      continuationRunId: null,
    });
    expect(
      await metric(w, 'datasync_runs_finished_total{status="success",stalled="false"}'),
    ).toBeGreaterThanOrEqual(1);
    try {
      w.ctx.config.metricsToken = 'metrics-token-0123456789';
      expect((await w.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const authed = await w.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: 'Bearer metrics-token-0123456789' },
      });
      expect(authed.statusCode).toBe(200);
    } finally {
      w.ctx.config.metricsToken = undefined;
    }
  });
});
