/**
 * @module `datasync sync run <syncId>`: queues a manual run of a sync (a second request while one is queued
 * returns the queued run) and prints its id; with --follow, prints its log lines until it ends and exits
 * non-zero unless it succeeded. A worker (`datasync start` or `datasync worker`) runs it.
 */
import { Command } from 'commander';
import { openContext } from '../../app/context.js';
import { DataSyncError } from '../../lib/errors.js';
import { createQueue } from '../../runtime/queue/create-queue.js';
import { streamRunLogs } from '../../runtime/run-log-stream.js';
import { enqueueRun } from '../../runtime/triggers.js';
import { configFromFlags, withDataOption } from './options.js';

export function syncCommand(): Command {
  const sync = new Command('sync').description('work with syncs');
  sync.addCommand(
    withDataOption(
      new Command('run').description('queue a run of a sync now').argument('<syncId>', 'the sync id'),
    )
      .option('-f, --follow', 'print the run log until the run ends')
      .action(async (syncId: string, flags: { data?: string; follow?: boolean }) => {
        const { config, logger } = configFromFlags(flags);
        const ctx = await openContext(config, logger, { migrate: false });
        try {
          const row = await ctx.store.db
            .selectFrom('syncs')
            .select(['id', 'org_id', 'status'])
            .where('id', '=', syncId)
            .executeTakeFirst();
          if (!row) {
            throw new DataSyncError('not_found', `no sync with id ${syncId}`, {
              hint: 'check the id (syncs are listed in the admin and by the API)',
            });
          }
          const queue = await createQueue(ctx.store, config.database);
          try {
            const run = await ctx.store.db.transaction().execute((trx) =>
              enqueueRun(trx, queue, {
                orgId: row.org_id,
                kind: 'sync.run',
                trigger: 'manual',
                syncId,
                priority: 'high',
              }),
            );
            process.stdout.write(`${run.deduped ? 'already queued' : 'queued'}: run ${run.runId}\n`);
            if (!flags.follow) return;
            for await (const line of streamRunLogs(ctx.store, row.org_id, run.runId)) {
              process.stdout.write(`${line.createdAt} ${line.level.padEnd(5)} ${line.message}\n`);
            }
            const final = await ctx.repos.runs.get(row.org_id, run.runId);
            process.stdout.write(
              `run ${run.runId} ${final?.status}${final?.error ? `: ${final.error}` : ''}\n`,
            );
            if (final?.status !== 'success') process.exitCode = 1;
          } finally {
            await queue.close();
          }
        } finally {
          await ctx.close();
        }
      }),
  );
  return sync;
}
