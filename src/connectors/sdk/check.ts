/**
 * @module Credential checks for `POST /connections/:id/test`: one cheap authenticated call per platform. Every
 * ConnectorError (bad settings, refused token, unreachable host) is a failed check with a message for people,
 * never a throw; the message never contains a secret.
 */
import { isConnectorError } from './errors.js';

export interface ConnectionCheck {
  ok: boolean;
  message: string;
}

/** Runs `probe`; its string is the success message, a ConnectorError the failure message. */
export async function checkWith(platform: string, probe: () => Promise<string>): Promise<ConnectionCheck> {
  try {
    return { ok: true, message: await probe() };
  } catch (error) {
    if (!isConnectorError(error)) throw error;
    const why =
      error.kind === 'auth'
        ? 'credentials rejected'
        : error.kind === 'network'
          ? 'platform unreachable'
          : error.kind === 'rate_limited'
            ? 'rate limited, try again later'
            : error.kind === 'not_found'
              ? 'not found'
              : error.kind === 'validation'
                ? 'connection settings are incomplete or invalid'
                : 'platform error';
    return { ok: false, message: `${platform}: ${why} (${error.message})` };
  }
}
