/**
 * @module Options shared by every command that serves or stores: --port and --data, over PORT and
 * DATASYNC_DATA_DIR.
 */
import type { Command } from 'commander';
import { loadConfig, loadDotEnv, type Config, type ConfigFlags } from '../../config/config.js';
import { createLogger, type Logger } from '../../lib/logger.js';

export function withDataOption(command: Command): Command {
  return command.option('-d, --data <dir>', 'data directory (env DATASYNC_DATA_DIR, default ./.datasync)');
}

export function withPortOption(command: Command): Command {
  return command.option('-p, --port <port>', 'HTTP port (env PORT, default 4000)');
}

export function configFromFlags(flags: ConfigFlags): { config: Config; logger: Logger } {
  loadDotEnv();
  const config = loadConfig(process.env, flags);
  return { config, logger: createLogger({ level: config.logLevel, format: config.logFormat }) };
}
