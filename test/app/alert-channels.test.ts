/**
 * Alerts leave the admin: an alert channel set up through the API receives the auto-pause of a sync (three
 * failed runs in a row, reported by the worker's run.finished events) as a Standard Webhooks POST signed with the
 * channel's secret, sent by the runtime's delivery.send job with its attempts recorded; a receiver that fails
 * first is retried. The secret is answered once and never listed. Both dialects.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { verifyStandardWebhook } from '../../src/deliveries/signing.js';
import { describeApi, type ApiWorld } from '../helpers/api.js';
import { makeSync } from '../api/route-cases.js';

/** A receiver that answers 503 to the first `failFirst` requests, then 200. */
async function receiver(failFirst: number) {
  const got: { body: string; headers: http.IncomingHttpHeaders }[] = [];
  let calls = 0;
  const arrived: ((n: number) => void)[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls += 1;
      if (calls <= failFirst) return res.writeHead(503).end('busy');
      got.push({ body, headers: req.headers });
      res.writeHead(200).end();
      for (const f of arrived.splice(0)) f(got.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    got,
    calls: () => calls,
    /** Resolves once `n` requests were answered 200. */
    until: (n: number) =>
      new Promise<void>((resolve) => {
        if (got.length >= n) return resolve();
        const check = (count: number) => (count >= n ? resolve() : arrived.push(check));
        arrived.push(check);
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function failRuns(w: ApiWorld, syncId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const run = await w.ctx.repos.runs.create(w.a.org.id, { syncId, kind: 'sync.run', trigger: 'cron' });
    await w.ctx.repos.runs.finish(run.id, { status: 'failed', error: 'upstream said 500' });
    w.runtime.events.emit('run.finished', {
      runId: run.id,
      orgId: w.a.org.id,
      syncId,
      status: 'failed',
      error: 'upstream said 500',
      stalled: false,
      durationMs: 5,
      continuationRunId: null,
    });
  }
}

describeApi('alert channels', (get) => {
  it('an auto-paused sync is POSTed, signed, to the org’s channel, retried until the receiver takes it', async () => {
    const w = get();
    const r = await receiver(1);
    try {
      const createdRes = await w.inject({
        method: 'POST',
        url: '/api/v1/alert-channels',
        key: w.a.keys.admin,
        payload: { name: 'On-call', url: r.url },
      });
      expect(createdRes.statusCode, createdRes.body).toBe(201);
      const { channel, secret } = createdRes.json() as { channel: { id: string }; secret: string };
      expect(secret).toMatch(/^whsec_/);
      const listed = await w.inject({ method: 'GET', url: '/api/v1/alert-channels', key: w.a.keys.admin });
      expect(listed.body).not.toContain(secret.slice(6));
      expect((listed.json() as { data: { id: string; url: string }[] }).data).toEqual([
        expect.objectContaining({ id: channel.id, url: r.url }),
      ]);
      // Org B sees no channel of A's and cannot test it.
      const other = await w.inject({ method: 'GET', url: '/api/v1/alert-channels', key: w.b.keys.admin });
      expect((other.json() as { data: unknown[] }).data).toEqual([]);
      const foreign = await w.inject({
        method: 'POST',
        url: `/api/v1/alert-channels/${channel.id}/test`,
        key: w.b.keys.admin,
      });
      expect(foreign.statusCode).toBe(404);

      const sync = await makeSync(w, w.a);
      await w.runtime.start();
      await failRuns(w, sync.id, 3);
      await r.until(1);
      const alert = r.got[0]!;
      expect(verifyStandardWebhook(secret, alert.body, alert.headers)).toEqual({ ok: true });
      const body = JSON.parse(alert.body) as { type: string; data: Record<string, unknown> };
      expect(body.type).toBe('sync.auto_paused');
      expect(body.data).toMatchObject({ syncId: sync.id, streak: 3, lastError: 'upstream said 500' });
      expect(r.calls()).toBe(2); // the first attempt got 503 and was retried
      expect((await w.ctx.repos.syncs.get(w.a.org.id, sync.id))?.status).toBe('paused');

      // The delivery and its attempts are on record, like any other delivery.
      await expect
        .poll(async () => {
          const res = await w.inject({ method: 'GET', url: '/api/v1/deliveries', key: w.a.keys.viewer });
          return (
            res.json() as { data: { targetId: string | null; status: string; attempts: number }[] }
          ).data
            .filter((d) => d.targetId === channel.id)
            .map((d) => [d.status, d.attempts]);
        })
        .toEqual([['success', 2]]);

      // A test alert goes the same way.
      const test = await w.inject({
        method: 'POST',
        url: `/api/v1/alert-channels/${channel.id}/test`,
        key: w.a.keys.admin,
      });
      expect(test.statusCode, test.body).toBe(202);
      await r.until(2);
      expect(JSON.parse(r.got[1]!.body)).toMatchObject({ type: 'alert.test' });
      expect(verifyStandardWebhook(secret, r.got[1]!.body, r.got[1]!.headers)).toEqual({ ok: true });

      const removed = await w.inject({
        method: 'DELETE',
        url: `/api/v1/alert-channels/${channel.id}`,
        key: w.a.keys.admin,
      });
      expect(removed.statusCode).toBe(204);
    } finally {
      await w.runtime.stop();
      await r.close();
    }
  });
});
