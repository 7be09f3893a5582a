/**
 * @module `datasync worker`: a process that only runs jobs, beside one or more API servers (scale-out on
 * Postgres). It never migrates: it refuses to run against a schema older than its build. SIGINT/SIGTERM stop
 * it gracefully: no new jobs, running ones get DATASYNC_SHUTDOWN_TIMEOUT_MS to finish, the rest resume on
 * another worker (their leases) from their last checkpoint.
 */
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { handleSignals } from '../../app/lifecycle.js';
import { createAppRuntime } from '../../app/app-runtime.js';
import { configFromFlags, withDataOption } from './options.js';

export function workerCommand(): Command {
  return withDataOption(new Command('worker').description('run a worker only (jobs, no HTTP)')).action(
    async (flags: { data?: string }) => {
      const { config, logger } = configFromFlags(flags);
      const ctx = await openContext(config, logger, { migrate: false });
      const runtime = await createAppRuntime(ctx);
      await runtime.start();
      handleSignals(
        logger,
        [
          // Leave the lifecycle's own timeout a moment to close the database after the grace period.
          { name: 'worker', run: () => runtime.stop(Math.max(0, config.shutdownTimeoutMs - 1000)) },
          { name: 'database', run: () => ctx.close() },
        ],
        config.shutdownTimeoutMs,
      );
      process.stdout.write(
        `DataSync worker started (${ctx.store.dialect} ${ctx.store.location}, concurrency ${config.workerConcurrency})\n`,
      );
    },
  );
}
