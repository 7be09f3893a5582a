/**
 * @module `datasync worker`: a process that only runs jobs, beside one or more API servers (scale-out on
 * Postgres). It never migrates: it refuses to run against a schema older than its build.
 */
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { handleSignals } from '../../app/lifecycle.js';
import { configFromFlags, withDataOption } from './options.js';

export function workerCommand(): Command {
  return withDataOption(new Command('worker').description('run a worker only (jobs, no HTTP)')).action(
    async (flags: { data?: string }) => {
      const { config, logger } = configFromFlags(flags);
      const ctx = await openContext(config, logger, { migrate: false });
      handleSignals(logger, [{ name: 'database', run: () => ctx.close() }], config.shutdownTimeoutMs);
      process.stdout.write(`DataSync worker started (${ctx.store.dialect} ${ctx.store.location})\n`);
    },
  );
}
