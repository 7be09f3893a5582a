/**
 * @module `datasync start`: the API and a worker in one process, on SQLite by default. Prints where to go,
 * where the data lives and the demo login.
 */
import net from 'node:net';
import { Command } from 'commander';
import {
  ensureBootstrapApiKey,
  ensureDemo,
  ensureSocialDemo,
  ensureTwoWayDemo,
} from '../../app/bootstrap.js';
import { openContext } from '../../app/context.js';
import { handleSignals } from '../../app/lifecycle.js';
import { RateLimiter } from '../../runtime/rate-limiter.js';
import { registryConnectionChecker } from '../../api/registry-connection-checker.js';
import { buildServer } from '../../api/server.js';
import { builtInConnectors } from '../../connectors/registry.js';
import { DataSyncError, systemErrorCode } from '../../lib/errors.js';
import { createAppRuntime } from '../../app/app-runtime.js';
import { defaultPublicUrl } from '../../syndication/site-url.js';
import { configFromFlags, withDataOption, withPortOption } from './options.js';
import { startDemoAdServer } from '../../app/demo-adserver.js';

/** A listen failure as one line and its fix; anything else unchanged. */
function listenError(error: unknown, port: number): unknown {
  if (systemErrorCode(error) === 'EADDRINUSE') {
    return new DataSyncError('port_in_use', `port ${port} is already in use`, {
      hint: 'stop the other process or choose another port with --port or PORT',
    });
  }
  if (systemErrorCode(error) === 'EACCES') {
    return new DataSyncError('port_in_use', `not allowed to listen on port ${port}`, {
      hint: 'choose a port above 1023 with --port or PORT',
    });
  }
  return error;
}

/** Binds the port for a moment and lets it go: the real listen comes after start-up (a port 0 always works). */
async function probePort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (error) => reject(listenError(error, port)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export function startCommand(): Command {
  return withPortOption(withDataOption(new Command('start').description('run the API and a worker')))
    .option('--no-worker', 'serve the API only; `datasync worker` processes run the jobs (scale-out)')
    .action(async (flags: { port?: string; data?: string; worker: boolean }) => {
      const { config, logger } = configFromFlags(flags);
      // Before anything touches the data dir: a port in use must not leave a database and a key behind.
      await probePort(config.port, config.host);
      const ctx = await openContext(config, logger, { migrate: true });
      const demo = config.demo ? await ensureDemo(ctx) : undefined;
      await ensureBootstrapApiKey(ctx);
      const socialDemo = config.demo ? await ensureSocialDemo(ctx) : undefined;
      const demoAdServer = demo ? await startDemoAdServer(ctx) : undefined;
      const twoWayDemo = demo ? await ensureTwoWayDemo(ctx) : undefined;
      // The runtime exists before the server: runs started by the API, the webhook receiver, cron ticks and
      // /metrics hand work to it, and live logs follow its events. Its worker starts after listen, once the
      // public URL (for sites on the built-in receiver) is known.
      const listening: { url?: string } = {};
      const runtime = await createAppRuntime(ctx, {
        publicUrl: () => config.publicUrl ?? listening.url ?? defaultPublicUrl(config),
      });
      const server = await buildServer(ctx, {
        runtime,
        connectionChecker: registryConnectionChecker(
          builtInConnectors(),
          ctx.store.db,
          new RateLimiter(ctx.store.db, ctx.store.dialect),
        ),
      });
      let address: string;
      try {
        address = await server.listen({ port: config.port, host: config.host });
      } catch (error) {
        await demoAdServer?.close();
        await twoWayDemo?.close();
        await runtime.stop();
        await socialDemo?.close();
        await ctx.close();
        throw listenError(error, config.port);
      }
      // The worker runs in this process: jobs left running at shutdown finish within the grace period or
      // resume from their checkpoint when the next start (or another worker) picks up their lease.
      const bound = server.server.address();
      listening.url = `http://127.0.0.1:${typeof bound === 'object' && bound ? bound.port : config.port}`;
      // Without a worker, this process only enqueues: the jobs (and cron ticks) are the workers' to run.
      if (flags.worker) await runtime.start();
      await socialDemo?.connectWebhooks(listening.url, runtime.queue);
      twoWayDemo?.connect(listening.url, runtime);
      handleSignals(
        logger,
        [
          { name: 'http', run: () => server.close() },
          { name: 'worker', run: () => runtime.stop(Math.max(0, config.shutdownTimeoutMs - 1000)) },
          ...(socialDemo ? [{ name: 'social demo simulators', run: () => socialDemo.close() }] : []),
          // After the worker (its runs talk to them), before the database (the first-start seed writes to it).
          ...(twoWayDemo ? [{ name: 'synup and airtable simulators', run: () => twoWayDemo.close() }] : []),
          { name: 'database', run: () => ctx.close() },
          ...(demoAdServer ? [{ name: 'broadstreet simulator', run: () => demoAdServer.close() }] : []),
        ],
        config.shutdownTimeoutMs,
      );
      const port = server.server.address();
      const url = `http://localhost:${typeof port === 'object' && port ? port.port : config.port}`;
      const lines = [
        `DataSync is running at ${url}`,
        `  data:     ${config.dataDir}`,
        `  database: ${ctx.store.dialect === 'sqlite' ? 'SQLite ' : 'Postgres '}${ctx.store.location}`,
        ...(flags.worker
          ? []
          : ['  worker:   none here (--no-worker): `datasync worker` processes run the jobs']),
        ...(demo ? [`  login:    ${demo.email} / ${demo.password}`] : []),
        ...(demoAdServer ? [`  ad server: Broadstreet simulator at ${demoAdServer.url} (demo)`] : []),
        ...(twoWayDemo ? twoWayDemo.lines.map((line) => `  ${line}`) : []),
        '  stop:     Ctrl-C',
      ];
      process.stdout.write(lines.join('\n') + '\n');
      logger.debug({ address }, 'listening');
    });
}
