/**
 * @module What every platform simulator returns and accepts, so tests, the CLI and the demo drive them alike.
 */
import type { FaultInjector } from './fault-injector.js';
import type { RateLimitPolicy } from './rate-limiter.js';
import type { RequestLog } from './request-log.js';
import type { SimClock } from './sim-clock.js';
import type { WebhookSender } from './webhook-sender.js';

export interface SimulatorOptions {
  port?: number;
  /** Loopback by default; the simulators are test doubles, not services. */
  host?: string;
  /** Defaults to the wall clock; tests pass a manual clock. */
  clock?: SimClock;
  /** Replaces the platform's documented limit (small windows keep tests fast); `false` turns it off. */
  rateLimit?: RateLimitPolicy | false;
  /** How many records to seed (each simulator has a small default). */
  seedRecords?: number;
}

export interface SimulatorHandle {
  platform: string;
  /** Server root, e.g. http://127.0.0.1:41234 (the connector's configurable base URL). */
  url: string;
  /** What a connection to this simulator needs (tokens, ids), for printing and for tests. */
  credentials: Record<string, string>;
  clock: SimClock;
  faults: FaultInjector;
  log: RequestLog;
  webhooks: WebhookSender;
  close(): Promise<void>;
}
