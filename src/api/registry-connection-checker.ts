/**
 * @module The ConnectionChecker backed by the connector registry: each connector's own credential check (one
 * cheap authenticated call to its platform). A connector without a check keeps the typed `not_implemented`.
 */
import type { Kysely } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { connectionPacer, type RateLimiter } from '../runtime/rate-limiter.js';
import type { Database } from '../store/schema.js';
import { unavailableConnectionChecker, type ConnectionChecker } from './connection-checker.js';

/** How long a connection test may wait for its platform's rate budget before it answers. */
const CHECK_RATE_WAIT_MS = 15_000;

export function registryConnectionChecker(
  registry: ConnectorRegistry,
  db: Kysely<Database>,
  /** The runtime's shared buckets: a connection test is a request like any other and draws on them. */
  limiter?: RateLimiter,
): ConnectionChecker {
  return {
    async check(input) {
      const check = registry.checker(input.connector);
      if (!check) return unavailableConnectionChecker.check(input);
      const pacer =
        limiter && registry.pacesRequests(input.connector)
          ? connectionPacer(limiter, input.connectionId, registry.declaredBuckets(input.connector), {
              deadline: Date.now() + CHECK_RATE_WAIT_MS,
            })
          : undefined;
      return check({
        orgId: input.orgId,
        settings: input.settings,
        credentials: input.credentials,
        db,
        connectionId: input.connectionId,
        ...(pacer ? { pacer } : {}),
      });
    },
  };
}
