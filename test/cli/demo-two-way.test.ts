/**
 * The two-way demo as a newcomer meets it: `datasync start` on an empty data dir runs the Synup and Airtable
 * simulators in-process and the demo organization has connections to them, two two-way syncs whose first runs
 * succeed, a conflict waiting for review and a signed Synup webhook received; a restart points the connections
 * at the simulators' new ports; DATASYNC_DEMO=false starts none of it. Needs `npm run build`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, runCli } from '../helpers/cli.js';

const KEY = 'dsk_demo_two_way_test_key_0123456789';
const tmp = () => mkdtempSync(path.join(tmpdir(), 'datasync-demo-'));

interface Listed<T> {
  data: T[];
}

async function api<T>(url: string, route: string): Promise<T> {
  const res = await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${KEY}` } });
  expect(res.status, route).toBe(200);
  return (await res.json()) as T;
}

/** Polls the API until `check` returns a value (the demo seeds in the background after the banner). */
async function eventually<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function start(dir: string, extra: Record<string, string> = {}) {
  const running = runCli(
    ['start', '--port', '0', '--data', dir],
    baseEnv({ DATASYNC_BOOTSTRAP_API_KEY: KEY, ...extra }),
  );
  const [, url] = (await running.waitFor(/running at (http:\/\/localhost:\d+)/)) as unknown as [
    string,
    string,
  ];
  await running.waitFor(/stop:/);
  return { running, url: url! };
}

describe('datasync start: the two-way demo', () => {
  it('seeds Synup and Airtable connections and two-way syncs, runs them, holds a conflict and receives a webhook', async () => {
    const dir = tmp();
    const { running, url } = await start(dir);
    try {
      const synupUrl = running.stdout().match(/demo: synup simulator at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const airtableUrl = running
        .stdout()
        .match(/demo: airtable simulator at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      expect(synupUrl).toBeDefined();
      expect(airtableUrl).toBeDefined();

      type Connection = { id: string; name: string; connector: string; settings: { baseUrl?: string } };
      const connections = (await api<Listed<Connection>>(url, '/api/v1/connections?limit=100')).data;
      const synup = connections.find((c) => c.connector === 'synup')!;
      const airtable = connections.find((c) => c.connector === 'airtable')!;
      expect(synup.settings.baseUrl).toBe(synupUrl);
      expect(airtable.settings.baseUrl).toBe(airtableUrl);

      type Sync = {
        id: string;
        name: string;
        direction: string;
        definition: { b: { connectionId?: string } };
      };
      const syncs = (await api<Listed<Sync>>(url, '/api/v1/syncs?limit=100')).data;
      const synupSync = syncs.find((s) => s.definition.b.connectionId === synup.id)!;
      const airtableSync = syncs.find((s) => s.definition.b.connectionId === airtable.id)!;
      expect(synupSync.direction).toBe('two-way');
      expect(airtableSync.direction).toBe('two-way');

      type Run = { id: string; status: string; trigger: string; counts: { created: number } };
      for (const sync of [synupSync, airtableSync]) {
        const first = await eventually(async () => {
          const runs = (await api<Listed<Run>>(url, `/api/v1/runs?syncId=${sync.id}&limit=100`)).data;
          const oldest = runs.at(-1);
          return oldest && ['success', 'partial', 'failed', 'cancelled'].includes(oldest.status)
            ? oldest
            : undefined;
        }, `the first run of ${sync.name}`);
        expect(first.status, sync.name).toBe('success');
      }
      // The Airtable table's seeded rows came into the collection on that first run.
      const tasks = await api<Listed<Run>>(url, `/api/v1/runs?syncId=${airtableSync.id}&limit=100`);
      expect(tasks.data.at(-1)!.counts.created).toBeGreaterThan(0);

      type Conflict = { syncId: string; status: string; fields: { field: string }[] };
      const conflict = await eventually(async () => {
        const open = (await api<Listed<Conflict>>(url, '/api/v1/conflicts?status=open')).data;
        return open.find((c) => c.syncId === synupSync.id);
      }, 'the seeded conflict');
      expect(conflict.fields.map((f) => f.field)).toEqual(['content']);

      type WebhookEvent = { connectionId: string; status: string };
      const events = (await api<Listed<WebhookEvent>>(url, '/api/v1/webhook-events')).data;
      expect(events.some((e) => e.connectionId === synup.id)).toBe(true);
      // The webhook queued a run of the Synup sync (trigger webhook).
      const runs = (await api<Listed<Run>>(url, `/api/v1/runs?syncId=${synupSync.id}&limit=100`)).data;
      expect(runs.some((r) => r.trigger === 'webhook')).toBe(true);
    } finally {
      running.child.kill('SIGTERM');
      expect((await running.exited).code).toBe(0);
    }

    // A restart: new simulator ports, the same connections pointed at them, no second set of syncs.
    const again = await start(dir);
    try {
      const synupUrl = again.running
        .stdout()
        .match(/demo: synup simulator at (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      type Connection = { connector: string; settings: { baseUrl?: string } };
      const connections = (await api<Listed<Connection>>(again.url, '/api/v1/connections?limit=100')).data;
      const synup = connections.filter((c) => c.connector === 'synup');
      expect(synup.map((c) => c.settings.baseUrl)).toEqual([synupUrl]);
      const syncs = (await api<Listed<{ name: string }>>(again.url, '/api/v1/syncs?limit=100')).data;
      expect(syncs.filter((s) => /\(demo\)/.test(s.name)).length).toBe(2);
    } finally {
      again.running.child.kill('SIGTERM');
      expect((await again.running.exited).code).toBe(0);
    }
  }, 120_000);

  it('starts no simulator with DATASYNC_DEMO=false', async () => {
    const { running, url } = await start(tmp(), { DATASYNC_DEMO: 'false' });
    try {
      expect(running.stdout()).not.toMatch(/demo: .* simulator/);
      const connections = (await api<Listed<unknown>>(url, '/api/v1/connections')).data;
      expect(connections).toEqual([]);
    } finally {
      running.child.kill('SIGTERM');
      expect((await running.exited).code).toBe(0);
    }
  });
});
