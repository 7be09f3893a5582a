/**
 * @module Secret key rotation: every sealed value (connection credentials, social account tokens, the canary) is
 * opened with the current key and sealed with the new one in one transaction, so the database is never half on
 * either key. With a key file, the new key is written beside it first (`secret.key.next`), the transaction
 * commits, then the file is renamed over `secret.key`; a crash between the commit and the rename is finished at
 * the next start (secret-key-check.ts adopts `secret.key.next` when it is the key the canary opens with).
 */
import { randomBytes } from 'node:crypto';
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { SecretBox } from '../lib/crypto/secret-box.js';
import type { LoadedKey } from '../lib/crypto/secret-key.js';
import { DataSyncError } from '../lib/errors.js';
import type { Database } from '../store/schema.js';

export const nextKeyFile = (file: string) => `${file}.next`;

export interface RotationResult {
  resealed: number;
  /** The new key, hex: printed only when the caller keeps keys in the environment. */
  newKeyHex: string;
}

export async function rotateSecretKey(
  db: Kysely<Database>,
  current: { box: SecretBox; key: LoadedKey },
  newKey: Buffer = randomBytes(32),
): Promise<RotationResult> {
  if (newKey.equals(current.key.key)) {
    throw new DataSyncError('validation_failed', 'the new key is the current key', {
      hint: 'generate one with `openssl rand -hex 32`',
    });
  }
  const next = new SecretBox(newKey);
  const file = current.key.source === 'file' ? current.key.file : undefined;
  if (file) writeFileSync(nextKeyFile(file), newKey.toString('hex') + '\n', { mode: 0o600, flag: 'w' });
  const reseal = (sealed: string) => next.seal(current.box.open(sealed));
  let resealed = 0;
  try {
    await db.transaction().execute(async (trx) => {
      const connections = await trx
        .selectFrom('connections')
        .select(['id', 'credentials_enc'])
        .where('credentials_enc', 'is not', null)
        .execute();
      for (const c of connections) {
        await trx
          .updateTable('connections')
          .set({ credentials_enc: reseal(c.credentials_enc!) })
          .where('id', '=', c.id)
          .execute();
        resealed++;
      }
      const accounts = await trx.selectFrom('social_accounts').select(['id', 'tokens_enc']).execute();
      for (const a of accounts) {
        await trx
          .updateTable('social_accounts')
          .set({ tokens_enc: reseal(a.tokens_enc) })
          .where('id', '=', a.id)
          .execute();
        resealed++;
      }
      const canaries = await trx.selectFrom('secret_canary').selectAll().execute();
      for (const c of canaries) {
        await trx
          .updateTable('secret_canary')
          .set({ sealed: reseal(c.sealed) })
          .where('id', '=', c.id)
          .execute();
      }
    });
  } catch (error) {
    if (file) unlinkSync(nextKeyFile(file));
    throw error;
  }
  if (file) renameSync(nextKeyFile(file), file);
  return { resealed, newKeyHex: newKey.toString('hex') };
}
