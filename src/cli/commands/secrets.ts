/**
 * @module `datasync secrets rotate [--new-key <hex>]`: re-encrypts every stored secret with a new key in one
 * transaction (src/app/rotate-secret-key.ts). Stop the servers and workers first: they hold the old key. With a
 * key file the new key replaces it; with DATASYNC_SECRET_KEY the new key is given with --new-key, so the person
 * rotating already holds it, and goes into the environment before the next start.
 */
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { rotateSecretKey } from '../../app/rotate-secret-key.js';
import { loadSecretKey, parseSecretKey } from '../../lib/crypto/secret-key.js';
import { DataSyncError } from '../../lib/errors.js';
import { configFromFlags, withDataOption } from './options.js';

export function secretsCommand(): Command {
  const secrets = new Command('secrets').description('manage the key that encrypts stored secrets');
  secrets.addCommand(
    withDataOption(new Command('rotate').description('re-encrypt every stored secret with a new key'))
      .option('--new-key <hex>', 'the new key, 64 hex characters (required with DATASYNC_SECRET_KEY)')
      .action(async (flags: { data?: string; newKey?: string }) => {
        const { config, logger } = configFromFlags(flags);
        if (config.secretKey !== undefined && flags.newKey === undefined) {
          throw new DataSyncError(
            'validation_failed',
            'DATASYNC_SECRET_KEY is set, so the new key must be given',
            {
              hint: 'pass --new-key "$(openssl rand -hex 32)" and set DATASYNC_SECRET_KEY to it before the next start',
            },
          );
        }
        const newKey = flags.newKey === undefined ? undefined : parseSecretKey(flags.newKey);
        const ctx = await openContext(config, logger, { migrate: true });
        try {
          const key = loadSecretKey(config.secretKey, config.dataDir);
          const result = await rotateSecretKey(ctx.store.db, { box: ctx.box, key }, newKey);
          process.stdout.write(
            key.source === 'file'
              ? `re-encrypted ${result.resealed} stored secrets; ${key.file} now holds the new key (back it up)\n`
              : `re-encrypted ${result.resealed} stored secrets; set DATASYNC_SECRET_KEY to the new key before the next start\n`,
          );
        } finally {
          await ctx.close();
        }
      }),
  );
  return secrets;
}
