/**
 * @module `datasync plan`, `datasync apply` and `datasync export`: configuration as code.
 */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { DEFAULT_CONFIG_FILE, loadConfigFile, planConfig } from '../../config-as-code/apply-config.js';
import { exportConfig } from '../../config-as-code/export-config.js';
import { formatChanges } from '../../config-as-code/plan.js';
import { configFromFlags, withDataOption } from './options.js';

type Flags = { data?: string; config?: string };

function withConfigOption(command: Command): Command {
  return withDataOption(command).option('-c, --config <file>', 'config file', DEFAULT_CONFIG_FILE);
}

async function run(flags: Flags, applyIt: boolean): Promise<void> {
  const { config, logger } = configFromFlags(flags);
  const file = await loadConfigFile(flags.config ?? DEFAULT_CONFIG_FILE);
  const ctx = await openContext(config, logger.child({}, { level: 'warn' }), { migrate: applyIt });
  try {
    const plan = await planConfig(ctx, file);
    process.stdout.write(formatChanges(plan.changes) + '\n');
    if (applyIt && plan.changes.length > 0) {
      await plan.apply();
      process.stdout.write(`applied ${plan.changes.length} change(s)\n`);
    }
  } finally {
    await ctx.close();
  }
}

export function planCommand(): Command {
  return withConfigOption(new Command('plan').description('show what `apply` would change')).action(
    (flags: Flags) => run(flags, false),
  );
}

export function applyCommand(): Command {
  return withConfigOption(new Command('apply').description('make the database match the config file')).action(
    (flags: Flags) => run(flags, true),
  );
}

export function exportCommand(): Command {
  return withDataOption(new Command('export').description('write the current configuration as a config file'))
    .option('-o, --out <file>', 'write here instead of stdout')
    .option('--organization <slug>', 'organization to export (default: the first)')
    .action(async (flags: { data?: string; out?: string; organization?: string }) => {
      const { config, logger } = configFromFlags(flags);
      const ctx = await openContext(config, logger.child({}, { level: 'warn' }), { migrate: false });
      try {
        const org = flags.organization
          ? await ctx.repos.organizations.bySlug(flags.organization)
          : await ctx.repos.organizations.first();
        if (!org) throw new Error('no such organization');
        const text = await exportConfig(ctx, org.id);
        if (flags.out) writeFileSync(flags.out, text);
        else process.stdout.write(text);
      } finally {
        await ctx.close();
      }
    });
}
