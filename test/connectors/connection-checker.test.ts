/**
 * The registry-backed ConnectionChecker (what `POST /api/v1/connections/:id/test` asks): each platform connector
 * makes one authenticated call to its simulator; good credentials pass, bad ones fail with a message that does
 * not echo the secret, and connectors without a check keep the typed not_implemented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { registryConnectionChecker } from '../../src/api/registry-connection-checker.js';
import { builtInConnectors } from '../../src/connectors/registry.js';
import type { SimulatorHandle } from '../../src/simulators/kit/simulator-handle.js';
import { startSimulator, type SimulatorPlatform } from '../../src/simulators/registry.js';
import type { Database } from '../../src/store/schema.js';

const db = {} as Kysely<Database>;
const checker = registryConnectionChecker(builtInConnectors(), db);

const cases: {
  platform: SimulatorPlatform;
  settings: (s: SimulatorHandle) => Record<string, unknown>;
  credentials: (s: SimulatorHandle) => Record<string, string>;
  secretKey: string;
}[] = [
  {
    platform: 'airtable',
    settings: (s) => ({ baseId: s.credentials.baseId }),
    credentials: (s) => ({ token: s.credentials.token! }),
    secretKey: 'token',
  },
  {
    platform: 'notion',
    settings: (s) => ({ databaseId: s.credentials.databaseId }),
    credentials: (s) => ({ token: s.credentials.token! }),
    secretKey: 'token',
  },
  {
    platform: 'hubspot',
    settings: () => ({}),
    credentials: (s) => ({ token: s.credentials.token! }),
    secretKey: 'token',
  },
  {
    platform: 'synup',
    settings: () => ({}),
    credentials: (s) => ({ apiKey: s.credentials.apiKey! }),
    secretKey: 'apiKey',
  },
];

for (const c of cases) {
  describe(`${c.platform} connection check`, () => {
    let s: SimulatorHandle;
    beforeAll(async () => {
      s = await startSimulator(c.platform, { seedRecords: 1, rateLimit: false });
    });
    afterAll(() => s.close());
    const input = (settings: Record<string, unknown>, credentials: Record<string, string>) => ({
      orgId: 'org_x',
      connectionId: 'con_x',
      connector: c.platform,
      settings: { baseUrl: s.url, ...settings },
      credentials,
    });

    it('accepts good credentials and refuses bad ones without echoing them', async () => {
      const good = await checker.check(input(c.settings(s), c.credentials(s)));
      expect(good, good.message).toMatchObject({ ok: true });
      const forged = 'forged-secret-value-123';
      const bad = await checker.check(input(c.settings(s), { [c.secretKey]: forged }));
      expect(bad.ok).toBe(false);
      expect(bad.message).toContain('credentials rejected');
      expect(bad.message).not.toContain(forged);
      const missing = await checker.check(input(c.settings(s), {}));
      expect(missing.ok).toBe(false);
    });

    it('reports an unreachable platform as a failed check', async () => {
      const res = await checker.check({
        ...input(c.settings(s), c.credentials(s)),
        settings: { ...c.settings(s), baseUrl: 'http://127.0.0.1:1' },
      });
      expect(res).toMatchObject({ ok: false });
      expect(res.message).toContain('unreachable');
    });
  });
}

it('keeps not_implemented for connectors without a check', async () => {
  await expect(
    checker.check({ orgId: 'o', connectionId: 'c', connector: 'collection', settings: {}, credentials: {} }),
  ).rejects.toMatchObject({ code: 'not_implemented' });
});
