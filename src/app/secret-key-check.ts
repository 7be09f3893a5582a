/**
 * @module The secret key must be the one this database's secrets were sealed with. Checked at start against a
 * canary row (`secret_canary`, migration 0012): a missing `secret.key` beside sealed data, a wrong
 * DATASYNC_SECRET_KEY, or another process's key refuse to start with one line naming the file or variable and
 * the fix, instead of writing a new key over existing secrets and failing on the first credential opened later.
 * A database from before the canary gets one once a sample of its sealed data opens with the key.
 */
import { existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import type { Kysely } from 'kysely';
import { parseSecretKey, type LoadedKey } from '../lib/crypto/secret-key.js';
import { SecretBox } from '../lib/crypto/secret-box.js';
import { DataSyncError } from '../lib/errors.js';
import { nowIso } from '../lib/time.js';
import type { Database } from '../store/schema.js';
import { nextKeyFile } from './rotate-secret-key.js';

const CANARY_ID = 'secret-key';
const CANARY_TEXT = 'datasync secret key canary v1';

function opens(box: SecretBox, sealed: string, expected?: string): boolean {
  try {
    const plain = box.open(sealed);
    return expected === undefined || plain === expected;
  } catch {
    return false;
  }
}

function mismatch(key: LoadedKey): DataSyncError {
  if (key.source === 'env') {
    return new DataSyncError(
      'secret_key_invalid',
      "DATASYNC_SECRET_KEY is not the key this database's secrets were encrypted with",
      { hint: 'set the DATASYNC_SECRET_KEY used before (or unset it to use the data dir’s secret.key)' },
    );
  }
  if (key.created && key.file) {
    // The key this process just wrote would only hide the problem on the next start: take it back.
    try {
      unlinkSync(key.file);
    } catch {
      // Leaving it changes nothing: the next start refuses the same way.
    }
    return new DataSyncError(
      'secret_key_invalid',
      `${key.file} is missing, but the database holds secrets encrypted with another key`,
      { hint: 'restore secret.key from a backup into the data dir, or set DATASYNC_SECRET_KEY' },
    );
  }
  return new DataSyncError(
    'secret_key_invalid',
    `the key file ${key.file} is not the key this database's secrets were encrypted with`,
    { hint: 'restore the secret.key that goes with this database, or set DATASYNC_SECRET_KEY' },
  );
}

/** A sealed value already in the database, if any (credentials, social tokens). */
async function sampleSealed(db: Kysely<Database>): Promise<string | undefined> {
  const connection = await db
    .selectFrom('connections')
    .select('credentials_enc')
    .where('credentials_enc', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (connection?.credentials_enc) return connection.credentials_enc;
  const account = await db
    .selectFrom('social_accounts')
    .select('tokens_enc')
    .where('tokens_enc', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return account?.tokens_enc ?? undefined;
}

/** The box to use: `box`, or the new key's when an interrupted rotation is finished here. */
export async function verifySecretKey(
  db: Kysely<Database>,
  box: SecretBox,
  key: LoadedKey,
): Promise<SecretBox> {
  const canary = () =>
    db.selectFrom('secret_canary').select('sealed').where('id', '=', CANARY_ID).executeTakeFirst();
  let row = await canary();
  if (!row) {
    const sample = await sampleSealed(db);
    if (sample !== undefined && !opens(box, sample)) throw mismatch(key);
    await db
      .insertInto('secret_canary')
      .values({ id: CANARY_ID, sealed: box.seal(CANARY_TEXT), created_at: nowIso() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    // Another process may have written its canary first, with its own key: read back what stands.
    row = await canary();
  }
  if (row && opens(box, row.sealed, CANARY_TEXT)) return box;
  // A rotation that committed but stopped before renaming its new key file: finish it.
  const next = key.source === 'file' && key.file ? nextKeyFile(key.file) : undefined;
  if (row && next && existsSync(next)) {
    const nextBox = new SecretBox(parseSecretKey(readFileSync(next, 'utf8')));
    if (opens(nextBox, row.sealed, CANARY_TEXT)) {
      renameSync(next, key.file!);
      return nextBox;
    }
  }
  throw mismatch(key);
}
