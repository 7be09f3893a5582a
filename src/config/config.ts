/**
 * @module Configuration: read once at start from the environment (and a `.env` file in the working directory),
 * overridden by command-line flags, validated with zod. A bad value stops the program with one line per problem.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { DataSyncError } from '../lib/errors.js';

const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const envSchema = z.object({
  PORT: portSchema.default(4000),
  HOST: z.string().min(1).default('localhost'),
  DATASYNC_DATA_DIR: z.string().min(1, 'must not be empty').default('./.datasync'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset to use SQLite in the data dir)')
    .optional(),
  DATASYNC_SECRET_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['pretty', 'json', 'auto']).default('auto'),
  CRON_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  DATASYNC_BOOTSTRAP_API_KEY: z
    .string()
    .regex(/^dsk_[A-Za-z0-9_-]{20,}$/, 'must look like dsk_ followed by at least 20 letters, digits, _ or -')
    .optional(),
  DATASYNC_DEMO: z.enum(['true', 'false', '1', '0']).default('true'),
  DATASYNC_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  DATASYNC_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
  DATASYNC_TRUST_PROXY: z.enum(['true', 'false', '1', '0']).default('false'),
  DATASYNC_PUBLIC_URL: z.url({ error: 'must be an absolute http(s) URL' }).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  DATASYNC_SITE_DISABLE_HOURS: z.coerce.number().positive().default(72),
  DATASYNC_SITE_MIN_FAILURES: z.coerce.number().int().min(1).default(3),
});

export type DatabaseTarget = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: DatabaseTarget;
  secretKey: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  logFormat: 'pretty' | 'json';
  cronSecret: string | undefined;
  bootstrapApiKey: string | undefined;
  demo: boolean;
  shutdownTimeoutMs: number;
  workerConcurrency: number;
  /** Believe X-Forwarded-For (client IPs for rate limits and the audit log) only behind a trusted proxy. */
  trustProxy: boolean;
  /** How this server is reached from outside (links, the built-in receiver); defaults to http://localhost:PORT. */
  publicUrl: string | undefined;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, /metrics is open (scrape on a private network). */
  metricsToken: string | undefined;
  /** A site failing this long, this many pushes in a row, is disabled with a reason (deliveries/endpoint-health.ts). */
  endpointHealth: { disableAfterMs: number; minFailures: number };
}

/** Flags given on the command line win over the environment. */
export interface ConfigFlags {
  port?: string | number;
  data?: string;
}

/** Loads `.env` from the working directory into process.env without overriding what is already set. */
export function loadDotEnv(cwd: string = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (!existsSync(file)) return;
  try {
    process.loadEnvFile(file);
  } catch (error) {
    throw new DataSyncError('config_invalid', `cannot read ${file}`, {
      hint: 'fix its syntax (KEY=value per line) or remove it',
      cause: error,
    });
  }
}

export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  flags: ConfigFlags = {},
): Config {
  const input: Record<string, string | undefined> = { ...env };
  if (flags.port !== undefined) input.PORT = String(flags.port);
  if (flags.data !== undefined) input.DATASYNC_DATA_DIR = flags.data;
  // An empty variable means "not set", as in most twelve-factor tools.
  for (const [key, value] of Object.entries(input)) if (value === '') delete input[key];

  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? 'config');
      const flag = key === 'PORT' ? ' / --port' : key === 'DATASYNC_DATA_DIR' ? ' / --data' : '';
      const got = input[key];
      const shown =
        key.includes('SECRET') || key.includes('KEY') || key.includes('TOKEN') || key === 'DATABASE_URL'
          ? ''
          : ` (got "${got}")`;
      return `${key}${flag} ${issue.message}${got === undefined ? '' : shown}`;
    });
    throw new DataSyncError('config_invalid', `invalid configuration: ${lines.join('; ')}`, {
      hint: 'fix the value in the environment, .env or the command-line flag',
      details: { problems: lines },
    });
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATASYNC_DATA_DIR);
  const logFormat = e.LOG_FORMAT === 'auto' ? (process.stdout.isTTY ? 'pretty' : 'json') : e.LOG_FORMAT;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: e.DATABASE_URL
      ? { dialect: 'postgres', url: e.DATABASE_URL }
      : { dialect: 'sqlite', file: path.join(dataDir, 'datasync.db') },
    secretKey: e.DATASYNC_SECRET_KEY,
    logLevel: e.LOG_LEVEL,
    logFormat,
    cronSecret: e.CRON_SECRET,
    bootstrapApiKey: e.DATASYNC_BOOTSTRAP_API_KEY,
    demo: e.DATASYNC_DEMO === 'true' || e.DATASYNC_DEMO === '1',
    shutdownTimeoutMs: e.DATASYNC_SHUTDOWN_TIMEOUT_MS,
    workerConcurrency: e.DATASYNC_WORKER_CONCURRENCY,
    trustProxy: e.DATASYNC_TRUST_PROXY === 'true' || e.DATASYNC_TRUST_PROXY === '1',
    publicUrl: e.DATASYNC_PUBLIC_URL?.replace(/\/$/, ''),
    metricsToken: e.METRICS_TOKEN,
    endpointHealth: {
      disableAfterMs: e.DATASYNC_SITE_DISABLE_HOURS * 60 * 60 * 1000,
      minFailures: e.DATASYNC_SITE_MIN_FAILURES,
    },
  };
}

/** A database URL for messages: never prints the password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured database URL';
  }
}
