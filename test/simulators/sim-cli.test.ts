import { describe, expect, it } from 'vitest';
import { baseEnv, runCli, runCliToEnd } from '../helpers/cli.js';

describe('datasync sim', () => {
  it('runs a simulator with seeded data, prints its URL and credentials, and stops on SIGTERM', async () => {
    const running = runCli(['sim', 'hubspot', '--port', '0', '--seed', '3'], baseEnv());
    const [, url] = (await running.waitFor(/running at (http:\/\/127\.0\.0\.1:\d+)/)) as unknown as [
      string,
      string,
    ];
    const [, token] = (await running.waitFor(/token: (\S+)/)) as unknown as [string, string];
    const r = await fetch(`${url}/crm/v3/objects/contacts?limit=100`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { results: unknown[] }).results).toHaveLength(3);
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  it('names the platforms when given an unknown one', async () => {
    const { code, stderr } = await runCliToEnd(['sim', 'myspace'], baseEnv());
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      'datasync: unknown platform "myspace": choose one of airtable, notion, hubspot, synup, broadstreet, instagram, tiktok',
    );
  });
});
