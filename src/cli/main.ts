#!/usr/bin/env node
/**
 * @module The `datasync` command. Each subcommand lives in its own file under cli/commands; this file wires them
 * and turns every failure into one line on stderr and a non-zero exit (never a stack trace).
 */
import { Command, CommanderError } from 'commander';
import { DataSyncError, errorMessage } from '../lib/errors.js';
import { applyCommand, exportCommand, planCommand } from './commands/config.js';
import { migrateCommand } from './commands/migrate.js';
import { simCommand } from './commands/sim.js';
import { startCommand } from './commands/start.js';
import { syncCommand } from './commands/sync.js';
import { orgCommand } from './commands/org.js';
import { secretsCommand } from './commands/secrets.js';
import { workerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('datasync')
    .description('Self-hostable data synchronization engine.')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(startCommand());
  program.addCommand(workerCommand());
  program.addCommand(migrateCommand());
  program.addCommand(simCommand());
  program.addCommand(syncCommand());
  program.addCommand(orgCommand());
  program.addCommand(secretsCommand());
  program.addCommand(planCommand());
  program.addCommand(applyCommand());
  program.addCommand(exportCommand());
  return program;
}

export function reportAndExit(error: unknown): never {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  const line =
    error instanceof DataSyncError ? error.toOneLine() : `unexpected error: ${errorMessage(error)}`;
  process.stderr.write(`datasync: ${line}\n`);
  if (process.env.DATASYNC_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(1);
}

buildProgram().parseAsync(process.argv).catch(reportAndExit);
