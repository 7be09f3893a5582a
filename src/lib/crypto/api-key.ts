/**
 * @module API keys: `dsk_` + 32 random bytes (base64url). Stored as SHA-256 only; the first 12 characters are
 * kept as a visible prefix. High-entropy keys need no slow hash, and a hash lookup keeps authentication O(1).
 */
import { createHash, randomBytes } from 'node:crypto';

export function generateApiKey(): string {
  return `dsk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function apiKeyPrefix(key: string): string {
  return key.slice(0, 12);
}
