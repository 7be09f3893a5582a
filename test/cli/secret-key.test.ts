/**
 * The secret key is checked against the database at start: a missing secret.key beside sealed secrets, a wrong
 * DATASYNC_SECRET_KEY, or a key file from another install refuse to start with one line naming the file or the
 * variable and the fix, and no new key is left over the existing secrets. A database from before the canary
 * gets one when its sealed data opens with the key.
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { openDatabase } from '../../src/store/database.js';
import { baseEnv, expectOneLineError, runCliToEnd } from '../helpers/cli.js';

const create = (dir: string, name: string, env: Record<string, string> = {}) =>
  runCliToEnd(['org', 'create', '--name', name, '--data', dir], baseEnv(env));

/** A connection whose credentials are sealed with `key`, written straight into the data dir's database. */
async function addSealedConnection(dir: string, key: Buffer, options: { dropCanary?: boolean } = {}) {
  const store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
  try {
    const org = await store.db.selectFrom('organizations').select('id').executeTakeFirstOrThrow();
    if (options.dropCanary) await store.db.deleteFrom('secret_canary').execute();
    await store.db
      .insertInto('connections')
      .values({
        id: 'con_00000000000000000000000001',
        org_id: org.id,
        name: 'old',
        connector: 'memory',
        credentials_enc: new SecretBox(key).sealJson({ token: 'x' }),
        settings: '{}',
        health: 'unknown',
        health_message: null,
        checked_at: null,
        managed_by: null,
        hook_token_received_at: null,
        hook_token_revealed_at: null,
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
      })
      .execute();
  } finally {
    await store.close();
  }
}

async function credentialsWith(dir: string, key: Buffer): Promise<unknown> {
  const store = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
  try {
    const row = await store.db
      .selectFrom('connections')
      .select('credentials_enc')
      .where('id', '=', 'con_00000000000000000000000001')
      .executeTakeFirstOrThrow();
    return JSON.parse(new SecretBox(key).open(row.credentials_enc!));
  } finally {
    await store.close();
  }
}

describe('secret key checked at start', () => {
  it('refuses a missing key file, a wrong key file and a wrong DATASYNC_SECRET_KEY; the right one starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-key-'));
    const keyFile = path.join(dir, 'secret.key');
    const first = await create(dir, 'First');
    expect(first.code, first.stderr).toBe(0);
    const saved = path.join(dir, 'secret.key.backup');
    copyFileSync(keyFile, saved);

    unlinkSync(keyFile);
    const missing = await create(dir, 'Second');
    expect(missing.code).not.toBe(0);
    expectOneLineError(
      missing.stderr,
      /secret\.key is missing, but the database holds secrets encrypted with another key: restore secret\.key/,
    );
    // No new key was left over the old secrets.
    expect(existsSync(keyFile)).toBe(false);

    writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    const other = await create(dir, 'Third');
    expect(other.code).not.toBe(0);
    expectOneLineError(other.stderr, /the key file .*secret\.key is not the key this database's secrets/);

    const wrongEnv = await create(dir, 'Fourth', { DATASYNC_SECRET_KEY: randomBytes(32).toString('hex') });
    expect(wrongEnv.code).not.toBe(0);
    expectOneLineError(
      wrongEnv.stderr,
      /DATASYNC_SECRET_KEY is not the key .*: set the DATASYNC_SECRET_KEY used/,
    );

    copyFileSync(saved, keyFile);
    expect((await create(dir, 'Fifth')).code).toBe(0);
    const asEnv = await create(dir, 'Sixth', { DATASYNC_SECRET_KEY: readFileSync(saved, 'utf8').trim() });
    expect(asEnv.code, asEnv.stderr).toBe(0);
  }, 60_000);

  it('secrets rotate re-encrypts every secret with a new key; a rotation cut before its rename finishes at the next start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-key-'));
    const keyFile = path.join(dir, 'secret.key');
    expect((await create(dir, 'First')).code).toBe(0);
    const oldKey = readFileSync(keyFile, 'utf8').trim();
    await addSealedConnection(dir, Buffer.from(oldKey, 'hex'));

    const rotated = await runCliToEnd(['secrets', 'rotate', '--data', dir], baseEnv());
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/re-encrypted 1 stored secrets; .*secret\.key now holds the new key/);
    const newKey = readFileSync(keyFile, 'utf8').trim();
    expect(newKey).not.toBe(oldKey);
    expect(await credentialsWith(dir, Buffer.from(newKey, 'hex'))).toEqual({ token: 'x' });
    expect((await create(dir, 'After')).code).toBe(0);

    // The commit happened but the process died before renaming secret.key.next over secret.key.
    writeFileSync(keyFile, oldKey + '\n', { mode: 0o600 });
    writeFileSync(`${keyFile}.next`, newKey + '\n', { mode: 0o600 });
    const resumed = await create(dir, 'Resumed');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(readFileSync(keyFile, 'utf8').trim()).toBe(newKey);
    expect(existsSync(`${keyFile}.next`)).toBe(false);

    const envOnly = await runCliToEnd(
      ['secrets', 'rotate', '--data', dir],
      baseEnv({ DATASYNC_SECRET_KEY: newKey }),
    );
    expect(envOnly.code).not.toBe(0);
    expectOneLineError(
      envOnly.stderr,
      /DATASYNC_SECRET_KEY is set, so the new key must be given: pass --new-key/,
    );
  }, 60_000);

  it('a database from before the canary: its sealed credentials decide, then it gets a canary', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-key-'));
    expect((await create(dir, 'First')).code).toBe(0);
    const key = Buffer.from(readFileSync(path.join(dir, 'secret.key'), 'utf8').trim(), 'hex');
    await addSealedConnection(dir, key, { dropCanary: true });
    const wrong = await create(dir, 'Wrong', { DATASYNC_SECRET_KEY: randomBytes(32).toString('hex') });
    expect(wrong.code).not.toBe(0);
    expectOneLineError(wrong.stderr, /DATASYNC_SECRET_KEY is not the key/);
    expect((await create(dir, 'Right')).code).toBe(0);
    const again = await openDatabase({ dialect: 'sqlite', file: path.join(dir, 'datasync.db') });
    try {
      expect(await again.db.selectFrom('secret_canary').selectAll().execute()).toHaveLength(1);
    } finally {
      await again.close();
    }
  }, 60_000);
});
