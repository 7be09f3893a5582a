/**
 * @module OAuth access tokens that expire: a connector's client asks the keeper for the current token and, when
 * the platform refuses it, asks for one refresh. The refresh runs at most once per connector instance (one run),
 * concurrent callers share it, and the new tokens go to `save` (the runtime seals them on the connection) before
 * any call uses them. A refresh that fails is reported to `failed` (the connection is marked unhealthy) and the
 * call fails with `auth`, which stops the run.
 */
import { ConnectorError, isConnectorError } from './errors.js';
import type { OAuthTokens } from './types.js';

/** What the runtime gives a connector to keep refreshed tokens (absent: refreshed tokens live for the run only). */
export interface TokenSink {
  save(tokens: OAuthTokens): Promise<void>;
  failed(message: string): Promise<void>;
}

export class TokenKeeper {
  private tokens: OAuthTokens;
  private refreshing: Promise<boolean> | undefined;

  constructor(
    tokens: OAuthTokens,
    private readonly refresh: ((tokens: OAuthTokens) => Promise<OAuthTokens>) | undefined,
    private readonly sink?: TokenSink,
  ) {
    this.tokens = tokens;
  }

  get accessToken(): string {
    return this.tokens.accessToken;
  }

  /**
   * After an auth failure with `used`: true when a fresh token is available (refreshed now, or by a concurrent
   * caller since). False when this connector cannot refresh or already spent its one refresh.
   */
  async renew(used: string): Promise<boolean> {
    if (used !== this.tokens.accessToken) return true;
    if (!this.refresh || !this.tokens.refreshToken) return false;
    if (this.refreshing) return (await this.refreshing) && used !== this.tokens.accessToken;
    this.refreshing = this.run(this.refresh);
    return this.refreshing;
  }

  private async run(refresh: (tokens: OAuthTokens) => Promise<OAuthTokens>): Promise<boolean> {
    let next: OAuthTokens;
    try {
      next = await refresh(this.tokens);
    } catch (error) {
      const message = `token refresh failed: ${error instanceof Error ? error.message : String(error)}`;
      await this.sink?.failed(message);
      throw new ConnectorError('auth', message, {
        ...(isConnectorError(error) && error.status ? { status: error.status } : {}),
        cause: error,
      });
    }
    await this.sink?.save(next);
    this.tokens = next;
    return true;
  }
}
