/**
 * @module The data directory holds the SQLite database, the generated secret key and the demo login. Checked
 * once at start so a bad path is one clear line, not a failure deep inside SQLite.
 */
import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import { DataSyncError, errorMessage, systemErrorCode } from './errors.js';

const FIX = 'choose another with --data or DATASYNC_DATA_DIR, or fix its permissions';

export function ensureDataDir(dir: string): void {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
    if (!isDirectory) {
      throw new DataSyncError('data_dir_unwritable', `data directory ${dir} is not a directory`, {
        hint: FIX,
      });
    }
  } catch (error) {
    if (error instanceof DataSyncError) throw error;
    if (systemErrorCode(error) !== 'ENOENT') throw unwritable(dir, error);
  }
  try {
    if (!isDirectory) mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw unwritable(dir, error);
  }
}

function unwritable(dir: string, error: unknown): DataSyncError {
  return new DataSyncError(
    'data_dir_unwritable',
    `data directory ${dir} is not writable (${systemErrorCode(error) ?? errorMessage(error)})`,
    { hint: FIX, cause: error },
  );
}
