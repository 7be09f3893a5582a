/**
 * @module Secrets at rest: AES-256-GCM with a random 96-bit nonce per message. The sealed form is
 * `v1.<nonce>.<tag>.<ciphertext>` (base64url), so a later key or algorithm can be told apart by its version.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { DataSyncError } from '../errors.js';

export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new DataSyncError('secret_key_invalid', 'the secret key must be 32 bytes');
    this.key = key;
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v1',
      nonce.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  open(sealed: string): string {
    const [version, nonce, tag, body] = sealed.split('.');
    if (version !== 'v1' || nonce === undefined || tag === undefined || body === undefined) {
      throw new DataSyncError('secret_key_invalid', 'sealed secret has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (error) {
      throw new DataSyncError('secret_key_invalid', 'cannot decrypt a stored secret with the current key', {
        hint: 'start with the DATASYNC_SECRET_KEY that was used when the secret was saved',
        cause: error,
      });
    }
  }

  sealJson(value: unknown): string {
    return this.seal(JSON.stringify(value));
  }

  openJson<T>(sealed: string): T {
    return JSON.parse(this.open(sealed)) as T;
  }
}
