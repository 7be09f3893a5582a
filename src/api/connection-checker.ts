/**
 * @module How `POST /api/v1/connections/:id/test` checks credentials: an interface the connector registry will
 * implement (one call to the platform with the stored credentials). Until connectors exist the default answers a
 * typed `not_implemented` (HTTP 501), so the route, its permission and its audit entry are real already.
 */
import { DataSyncError } from '../lib/errors.js';
import type { Credentials } from '../store/repositories/connections.js';

export interface ConnectionCheckInput {
  orgId: string;
  connectionId: string;
  connector: string;
  settings: Record<string, unknown>;
  credentials: Credentials;
}

export interface ConnectionCheckResult {
  ok: boolean;
  /** For people: what worked or what failed (never a secret). */
  message: string;
}

/** Checks a connection's credentials against its platform. Expected failures are results, not throws. */
export interface ConnectionChecker {
  check(input: ConnectionCheckInput): Promise<ConnectionCheckResult>;
}

export const unavailableConnectionChecker: ConnectionChecker = {
  async check(input) {
    throw new DataSyncError(
      'not_implemented',
      `no connector can check "${input.connector}" connections yet`,
      {
        details: { connector: input.connector },
      },
    );
  },
};
