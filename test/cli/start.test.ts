import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, expectOneLineError, runCli, runCliToEnd } from '../helpers/cli.js';
import { createTestDatabase, PG_URL } from '../helpers/dialects.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'datasync-cli-'));

/** One line, naming the problem and the fix; no stack frames. */
describe('datasync start', () => {
  it('serves /healthz and /readyz, prints the URL, data dir and demo login, and stops cleanly on SIGTERM', async () => {
    const dir = tmp();
    const running = runCli(['start', '--port', '0', '--data', dir], baseEnv());
    const [, url] = (await running.waitFor(/running at (http:\/\/localhost:\d+)/)) as unknown as [
      string,
      string,
    ];
    await running.waitFor(/stop:/);
    expect(running.stdout()).toContain(`data:     ${dir}`);
    expect(running.stdout()).toMatch(/login: +demo@datasync\.local \/ \S+/);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'sqlite' });
    const missing = await fetch(`${url}/no-such-route`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);

    // The second start finds the same data: same demo login, no migration work.
    const again = runCli(['start', '--port', '0', '--data', dir], baseEnv());
    await again.waitFor(/stop:/);
    expect(again.stdout().match(/login:.*/)?.[0]).toBe(running.stdout().match(/login:.*/)?.[0]);
    again.child.kill('SIGINT');
    expect((await again.exited).code).toBe(0);
  });

  it('honours PORT and DATASYNC_DATA_DIR from the environment and from .env', async () => {
    const cwd = tmp();
    const port = await freePort();
    writeFileSync(path.join(cwd, '.env'), `PORT=${port}\nDATASYNC_DATA_DIR=./from-dotenv\n`);
    const running = runCli(['start'], baseEnv(), cwd);
    await running.waitFor(/stop:/);
    expect(running.stdout()).toContain(`http://localhost:${port}`);
    expect(running.stdout()).toContain(path.join(cwd, 'from-dotenv'));
    running.child.kill('SIGTERM');
    await running.exited;
  });

  it.runIf(PG_URL)('keeps everything in Postgres when DATABASE_URL is set', async () => {
    const database = await createTestDatabase('postgres');
    const pgProbe = await database.open();
    await pgProbe.close();
    try {
      const running = runCli(
        ['start', '--port', '0', '--data', tmp()],
        baseEnv({ DATABASE_URL: database.url }),
      );
      const [, url] = (await running.waitFor(/running at (http:\/\/localhost:\d+)/)) as unknown as [
        string,
        string,
      ];
      await running.waitFor(/stop:/);
      expect(running.stdout()).toMatch(/database: Postgres postgres:/);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', database: 'postgres' });
      running.child.kill('SIGTERM');
      expect((await running.exited).code).toBe(0);
      const migrate = await runCliToEnd(
        ['migrate', '--data', tmp()],
        baseEnv({ DATABASE_URL: database.url }),
      );
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toMatch(/up to date/);
    } finally {
      await database.dispose();
    }
  });
});

describe('bad configuration: one line, the fix, a non-zero exit', () => {
  it('port in use', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const dir = path.join(tmp(), 'never-made');
      const result = await runCliToEnd(['start', '--port', String(port), '--data', dir], baseEnv());
      expect(result.code).not.toBe(0);
      expectOneLineError(result.stderr, new RegExp(`port ${port} is already in use: .*--port`));
      // The port is tried before the data dir is touched: no database, no key.
      expect(existsSync(dir)).toBe(false);
    } finally {
      server.close();
    }
  });

  it('unreachable DATABASE_URL, without printing its password', async () => {
    const port = await freePort();
    const result = await runCliToEnd(
      ['start', '--data', tmp()],
      baseEnv({ DATABASE_URL: `postgres://user:hunter2@127.0.0.1:${port}/db` }),
    );
    expect(result.code).not.toBe(0);
    expectOneLineError(
      result.stderr,
      /cannot reach the database at postgres:\/\/user:\*\*\*@127\.0\.0\.1.*ECONNREFUSED.*DATABASE_URL/,
    );
    expect(result.stderr).not.toContain('hunter2');
  });

  it('unwritable data dir', async () => {
    const file = path.join(tmp(), 'a-file');
    writeFileSync(file, 'x');
    for (const data of [file, path.join(file, 'below')]) {
      const result = await runCliToEnd(['start', '--data', data], baseEnv());
      expect(result.code).not.toBe(0);
      expectOneLineError(result.stderr, /data directory .* (is not a directory|is not writable).*--data/);
    }
  });

  it('malformed secret key', async () => {
    const result = await runCliToEnd(
      ['start', '--data', tmp()],
      baseEnv({ DATASYNC_SECRET_KEY: 'not-a-key' }),
    );
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /DATASYNC_SECRET_KEY is malformed.*openssl rand -hex 32/);
    expect(result.stderr).not.toContain('not-a-key');
  });

  it('bad port value', async () => {
    const result = await runCliToEnd(['start', '--port', 'eighty', '--data', tmp()], baseEnv());
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /PORT \/ --port must be a number/);
  });

  it('worker refuses a database that was never migrated', async () => {
    const result = await runCliToEnd(['worker', '--data', tmp()], baseEnv());
    expect(result.code).not.toBe(0);
    expectOneLineError(result.stderr, /pending migrations.*datasync migrate/);
  });
});

describe('datasync --help', () => {
  it('lists the commands, and every command has --help', async () => {
    const top = await runCliToEnd(['--help'], baseEnv());
    expect(top.code).toBe(0);
    for (const command of ['start', 'worker', 'migrate']) {
      expect(top.stdout).toContain(command);
      const help = await runCliToEnd([command, '--help'], baseEnv());
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: datasync ${command}`);
    }
  });

  it('migrate twice: the second run changes nothing', async () => {
    const dir = tmp();
    const first = await runCliToEnd(['migrate', '--data', dir], baseEnv());
    expect(first.stdout).toMatch(/applied 0001-core/);
    const second = await runCliToEnd(['migrate', '--data', dir], baseEnv());
    expect(second.stdout).toMatch(/up to date/);
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
