/**
 * @module Counts failed credential checks per client (fixed window) so a client guessing API keys or session
 * tokens is refused before its next guess is even checked. Successful checks cost nothing: busy automation with a
 * valid key is never slowed. In memory, per process: a second line behind a proxy's own limits, not the only one.
 */
export interface FailureLimiterOptions {
  /** Failures allowed per window before the client is refused. */
  max: number;
  windowMs: number;
  now?: () => number;
}

export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();
  private readonly now: () => number;

  constructor(private readonly options: FailureLimiterOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const w = this.windows.get(key);
    if (!w) return 0;
    const elapsed = this.now() - w.start;
    if (elapsed >= this.options.windowMs) {
      this.windows.delete(key);
      return 0;
    }
    return w.failures >= this.options.max ? this.options.windowMs - elapsed : 0;
  }

  recordFailure(key: string): void {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.options.windowMs) {
      this.windows.set(key, { start: now, failures: 1 });
      // Bound memory under a flood of distinct clients: drop windows that have ended.
      if (this.windows.size > 10_000) this.sweep(now);
      return;
    }
    w.failures++;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= this.options.windowMs) this.windows.delete(key);
  }
}
