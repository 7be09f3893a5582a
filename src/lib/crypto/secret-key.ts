/**
 * @module Where the encryption key comes from: DATASYNC_SECRET_KEY (64 hex characters or base64 of 32 bytes),
 * else a key generated once into the data dir with mode 0600. Losing that file means losing stored credentials,
 * which is why start-up prints where it is.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DataSyncError, errorMessage, systemErrorCode } from '../errors.js';

const FIX =
  'generate one with `openssl rand -hex 32` (64 hex characters) or unset it to use a key in the data dir';

export function parseSecretKey(value: string): Buffer {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) {
    const key = Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64');
    if (key.length === 32) return key;
  }
  throw new DataSyncError(
    'secret_key_invalid',
    'DATASYNC_SECRET_KEY is malformed (it must encode exactly 32 bytes)',
    {
      hint: FIX,
    },
  );
}

export interface LoadedKey {
  key: Buffer;
  source: 'env' | 'file';
  file?: string;
  /** The file did not exist: this process just wrote a new key. */
  created?: boolean;
}

/** The data dir must exist already (see ensureDataDir). */
export function loadSecretKey(envValue: string | undefined, dataDir: string): LoadedKey {
  if (envValue !== undefined) return { key: parseSecretKey(envValue), source: 'env' };
  const file = path.join(dataDir, 'secret.key');
  try {
    if (existsSync(file)) {
      const mode = statSync(file).mode & 0o777;
      if (mode & 0o077) chmodSync(file, 0o600);
      return { key: parseSecretKey(readFileSync(file, 'utf8')), source: 'file', file };
    }
    const key = randomBytes(32);
    // flag 'wx': never overwrite a key another process wrote a moment ago.
    writeFileSync(file, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return { key, source: 'file', file, created: true };
  } catch (error) {
    if (error instanceof DataSyncError) {
      throw new DataSyncError('secret_key_invalid', `the key file ${file} is malformed`, {
        hint: 'restore it from a backup',
        cause: error,
      });
    }
    // Another process created the key between our check and our write: use theirs.
    if (systemErrorCode(error) === 'EEXIST' && existsSync(file)) return loadSecretKey(envValue, dataDir);
    throw new DataSyncError(
      'data_dir_unwritable',
      `cannot create the secret key in ${dataDir} (${systemErrorCode(error) ?? errorMessage(error)})`,
      {
        hint: 'choose another data dir with --data or DATASYNC_DATA_DIR, fix its permissions, or set DATASYNC_SECRET_KEY',
        cause: error,
      },
    );
  }
}
