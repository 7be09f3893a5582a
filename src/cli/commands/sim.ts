/**
 * @module `datasync sim <platform> --port N`: runs one platform simulator with seeded data on loopback and
 * prints its URL, the credentials a connection needs, and the side-channel controls. Stops on Ctrl-C.
 */
import { Command } from 'commander';
import { DataSyncError, systemErrorCode } from '../../lib/errors.js';
import { createLogger } from '../../lib/logger.js';
import { handleSignals } from '../../app/lifecycle.js';
import { SIDE_CHANNEL_PREFIX } from '../../simulators/kit/sim-server.js';
import { isSimulatorPlatform, SIMULATOR_PLATFORMS, startSimulator } from '../../simulators/registry.js';

interface SimFlags {
  port?: string;
  host?: string;
  seed?: string;
  rateLimit?: boolean;
}

function parseIntFlag(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new DataSyncError('config_invalid', `--${name} must be an integer between ${min} and ${max}`, {
      hint: `got "${value}"`,
    });
  return n;
}

export function simCommand(): Command {
  return new Command('sim')
    .description(`run a platform simulator with seeded data (${SIMULATOR_PLATFORMS.join(', ')})`)
    .argument('<platform>', SIMULATOR_PLATFORMS.join(' | '))
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '0')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--seed <count>', 'how many records to seed')
    .option('--no-rate-limit', "turn the platform's rate limit off")
    .action(async (platform: string, flags: SimFlags) => {
      if (!isSimulatorPlatform(platform))
        throw new DataSyncError('config_invalid', `unknown platform "${platform}"`, {
          hint: `choose one of ${SIMULATOR_PLATFORMS.join(', ')}`,
        });
      const port = parseIntFlag(flags.port, 'port', 0, 65_535);
      const seedRecords = parseIntFlag(flags.seed, 'seed', 0, 1_000_000);
      let sim;
      try {
        sim = await startSimulator(platform, {
          port,
          host: flags.host,
          seedRecords,
          ...(flags.rateLimit === false ? { rateLimit: false as const } : {}),
        });
      } catch (error) {
        if (systemErrorCode(error) === 'EADDRINUSE')
          throw new DataSyncError('port_in_use', `port ${port} is already in use`, {
            hint: 'choose another port with --port (0 picks a free one)',
          });
        throw error;
      }
      const lines = [
        `${platform} simulator running at ${sim.url}`,
        ...Object.entries(sim.credentials).map(([k, v]) => `  ${k}: ${v}`),
        `  controls: ${sim.url}${SIDE_CHANNEL_PREFIX}/faults, ${SIDE_CHANNEL_PREFIX}/requests, ${SIDE_CHANNEL_PREFIX}/rate-limits/reset`,
        '  stop:     Ctrl-C',
      ];
      process.stdout.write(lines.join('\n') + '\n');
      const logger = createLogger({ level: 'warn', format: 'json' });
      handleSignals(logger, [{ name: 'simulator', run: () => sim.close() }], 5_000);
    });
}
