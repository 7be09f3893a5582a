/**
 * @module Graceful shutdown: the first SIGINT/SIGTERM runs the stop steps in order (stop taking work, let
 * in-flight work finish or checkpoint, close the database); a second signal, or the timeout, exits at once.
 * Either way SQLite's WAL and Postgres's transactions leave the data consistent.
 */
import type { Logger } from '../lib/logger.js';

export type StopStep = { name: string; run: () => Promise<void> };

export function handleSignals(logger: Logger, steps: StopStep[], timeoutMs: number): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting; unfinished work resumes on next start');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    clearTimeout(timer);
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}
