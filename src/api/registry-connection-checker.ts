/**
 * @module The ConnectionChecker backed by the connector registry: each connector's own credential check (one
 * cheap authenticated call to its platform). A connector without a check keeps the typed `not_implemented`.
 */
import type { Kysely } from 'kysely';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { Database } from '../store/schema.js';
import { unavailableConnectionChecker, type ConnectionChecker } from './connection-checker.js';

export function registryConnectionChecker(
  registry: ConnectorRegistry,
  db: Kysely<Database>,
): ConnectionChecker {
  return {
    async check(input) {
      const check = registry.checker(input.connector);
      if (!check) return unavailableConnectionChecker.check(input);
      return check({ orgId: input.orgId, settings: input.settings, credentials: input.credentials, db });
    },
  };
}
