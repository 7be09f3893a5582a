/**
 * @module `datasync org create --name <name> [--slug <slug>] [--owner <email>]`: makes a tenant from the command
 * line. The owner is an existing person (who then sees it in the admin's organization switcher); either way the
 * command prints an owner API key for the new organization, once, so it can be configured by API or config as
 * code straight away.
 */
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { createOrganization } from '../../app/create-organization.js';
import { DataSyncError } from '../../lib/errors.js';
import { configFromFlags, withDataOption } from './options.js';

export function orgCommand(): Command {
  const org = new Command('org').description('work with organizations (tenants)');
  org.addCommand(
    withDataOption(new Command('create').description('create an organization'))
      .requiredOption('--name <name>', 'the organization name')
      .option('--slug <slug>', 'its slug (default: from the name)')
      .option('--owner <email>', 'an existing user who becomes its owner')
      .action(async (flags: { data?: string; name: string; slug?: string; owner?: string }) => {
        const { config, logger } = configFromFlags(flags);
        const name = flags.name.trim();
        if (!name || name.length > 200) {
          throw new DataSyncError('validation_failed', '--name must be 1 to 200 characters', {
            hint: 'datasync org create --name "Acme Europe"',
          });
        }
        const ctx = await openContext(config, logger, { migrate: true });
        try {
          let ownerUserId: string | undefined;
          if (flags.owner) {
            const user = await ctx.repos.users.byEmailWithHash(flags.owner);
            if (!user) {
              throw new DataSyncError('not_found', `no user with email ${flags.owner}`, {
                hint: 'leave out --owner and use the printed API key, or invite the person from the admin',
              });
            }
            ownerUserId = user.id;
          }
          const made = await createOrganization(ctx.store.db, ctx.box, {
            name,
            slug: flags.slug,
            ownerUserId,
            ownerApiKey: true,
            actor: { type: 'system', id: null },
          });
          process.stdout.write(
            `created organization ${made.organization.name} (${made.organization.slug}, ${made.organization.id})` +
              `${flags.owner ? `, owner ${flags.owner}` : ''}\n` +
              `owner API key (shown once): ${made.apiKey}\n`,
          );
        } finally {
          await ctx.close();
        }
      }),
  );
  return org;
}
