import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../src/lib/crypto/api-key.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { loadSecretKey, parseSecretKey } from '../../src/lib/crypto/secret-key.js';

describe('SecretBox', () => {
  it('round-trips any string and never repeats a ciphertext', () => {
    const box = new SecretBox(randomBytes(32));
    fc.assert(
      fc.property(fc.string(), (text) => {
        const a = box.seal(text);
        expect(box.open(a)).toBe(text);
        expect(box.seal(text)).not.toBe(a);
      }),
    );
  });

  it('refuses a tampered ciphertext or another key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/cannot decrypt/);
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/cannot decrypt/);
  });
});

describe('secret key', () => {
  it('accepts 64 hex characters or base64 of 32 bytes', () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString('hex'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64'))).toEqual(key);
    expect(parseSecretKey(key.toString('base64url'))).toEqual(key);
  });

  it('rejects anything else with the fix in the hint', () => {
    for (const bad of ['', 'short', 'z'.repeat(64), randomBytes(16).toString('hex')]) {
      expect(() => parseSecretKey(bad)).toThrow(/malformed/);
    }
  });

  it('generates a key file with mode 0600 once and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'datasync-key-'));
    const first = loadSecretKey(undefined, dir);
    expect(first.source).toBe('file');
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    const second = loadSecretKey(undefined, dir);
    expect(second.key).toEqual(first.key);
    expect(readFileSync(first.file!, 'utf8').trim()).toBe(first.key.toString('hex'));
  });
});

describe('API keys', () => {
  it('are long, prefixed and hashed', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^dsk_[A-Za-z0-9_-]{43}$/);
    expect(apiKeyPrefix(key)).toHaveLength(12);
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(generateApiKey()).not.toBe(key);
  });
});
