/**
 * OAuth token refresh in the runtime, through real `sync.run` jobs against the HubSpot simulator whose access
 * tokens expire: an expired token is refreshed once at `/oauth/v1/token`, the new tokens are sealed on the
 * connection and the refused call is sent again, so the run succeeds; when the refresh itself is refused the
 * connection is marked unhealthy and the run stops (failed, one refresh attempt, no retry loop).
 */
import { expect, it } from 'vitest';
import { createAppRuntime } from '../../src/app/app-runtime.js';
import { createManualClock } from '../../src/simulators/kit/sim-clock.js';
import type { HubSpotSimulator } from '../../src/simulators/hubspot/hubspot-simulator.js';
import { startSimulator } from '../../src/simulators/registry.js';
import { enqueueRun } from '../../src/runtime/triggers.js';
import { runFinished, testAppContext } from '../helpers/app-context.js';
import { describeEachDialect } from '../helpers/dialects.js';

describeEachDialect('oauth refresh in sync runs', (get) => {
  it('refreshes an expired token once, seals it on the connection, and a refused refresh marks it unhealthy', async () => {
    const fixture = get();
    const { store, repos } = fixture;
    const ctx = testAppContext(fixture);
    const clock = createManualClock();
    const s = (await startSimulator('hubspot', {
      seedRecords: 3,
      clock,
      rateLimit: { limit: 1000, windowMs: 1000 },
      searchRateLimit: false,
    } as Parameters<typeof startSimulator>[1])) as HubSpotSimulator;
    const org = await repos.organizations.create({ name: 'OAuth', slug: `oauth-${Date.now()}` });
    await repos.collections.create(org.id, { key: 'companies', name: 'Companies' });
    const expired = s.oauth.issue(60_000);
    clock.advance(120_000);
    const connection = await repos.connections.create(org.id, {
      name: 'hubspot oauth',
      connector: 'hubspot',
      settings: { baseUrl: s.url, objects: ['companies'] },
      credentials: {
        accessToken: expired,
        refreshToken: s.oauth.refreshToken,
        clientId: s.oauth.clientId,
        clientSecret: s.credentials.clientSecret!,
      },
    });
    const sync = await repos.syncs.create(org.id, {
      name: 'companies',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        objects: [{ name: 'companies', a: 'companies', b: 'companies', fields: [{ a: 'name', b: 'name' }] }],
      },
    });
    const runtime = await createAppRuntime(ctx, {
      scheduler: false,
      concurrency: 1,
    });
    await runtime.start();
    const runOnce = async () => {
      const { runId } = await store.db.transaction().execute((trx) =>
        enqueueRun(trx, runtime.queue, {
          orgId: org.id,
          kind: 'sync.run',
          trigger: 'manual',
          syncId: sync.id,
          params: {},
        }),
      );
      return { runId, status: await runFinished(runtime, runId) };
    };
    try {
      expect(s.oauth.state(expired)).toBe('expired');
      const first = await runOnce();
      expect(first.status).toBe('success');
      expect(s.oauth.exchanges).toBe(1);
      const stored = (await repos.connections.credentials(org.id, connection.id))!;
      expect(stored.accessToken).not.toBe(expired);
      expect(s.oauth.state(stored.accessToken!)).toBe('valid');
      expect(Date.parse(stored.expiresAt!)).toBeGreaterThan(Date.now());
      // Sealed: the token is not readable in the row.
      const row = await store.db
        .selectFrom('connections')
        .select('credentials_enc')
        .where('id', '=', connection.id)
        .executeTakeFirstOrThrow();
      expect(String(row.credentials_enc)).not.toContain(stored.accessToken!);
      expect(
        (
          await repos.records.list(org.id, (await repos.collections.byKey(org.id, 'companies'))!.id, {
            limit: 100,
          })
        ).data.length,
      ).toBe(3);

      // The stored token still works: the next run refreshes nothing.
      expect((await runOnce()).status).toBe('success');
      expect(s.oauth.exchanges).toBe(1);

      // The token expires and the app was uninstalled: the refresh is refused.
      clock.advance(31 * 60_000);
      s.oauth.revoke();
      const failed = await runOnce();
      expect(failed.status).toBe('failed');
      expect(s.oauth.exchanges).toBe(1);
      const health = await repos.connections.get(org.id, connection.id);
      expect(health?.health).toBe('unhealthy');
      expect(health?.healthMessage).toMatch(/token refresh failed/);
      const run = await repos.runs.get(org.id, failed.runId);
      expect(run?.attempt ?? 1).toBeLessThanOrEqual(2);
    } finally {
      await runtime.stop(1000);
      await s.close();
    }
  });
});
