/**
 * @module A sliding-window rate limiter per key (a base, a token, an app), read from the simulator clock. It
 * answers how long the caller must wait; the platform decides how to say so (Retry-After, a body, nothing).
 * `lockoutMs` models platforms that punish an overflow with a fixed wait (Airtable: 30 s).
 */
import type { SimClock } from './sim-clock.js';

export interface RateLimitPolicy {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
  /** After an overflow, every request is refused for this long (measured from the overflow). */
  lockoutMs?: number;
}

export type RateLimitDecision =
  { allowed: true; remaining: number } | { allowed: false; retryAfterMs: number };

export class RateLimiter {
  private readonly hits = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();
  policy: RateLimitPolicy;
  private readonly clock: SimClock;

  constructor(policy: RateLimitPolicy, clock: SimClock) {
    RateLimiter.validate(policy);
    this.policy = policy;
    this.clock = clock;
  }

  static validate(policy: RateLimitPolicy): void {
    if (!Number.isInteger(policy.limit) || policy.limit < 1)
      throw new RangeError('limit must be an integer >= 1');
    if (!(policy.windowMs > 0)) throw new RangeError('windowMs must be > 0');
    if (policy.lockoutMs !== undefined && !(policy.lockoutMs >= 0))
      throw new RangeError('lockoutMs must be >= 0');
  }

  /** Counts one request for `key` if allowed. Refused requests are not counted. */
  take(key: string): RateLimitDecision {
    const now = this.clock.now();
    const locked = this.lockedUntil.get(key);
    if (locked !== undefined) {
      if (now < locked) return { allowed: false, retryAfterMs: locked - now };
      this.lockedUntil.delete(key);
      this.hits.delete(key);
    }
    const windowStart = now - this.policy.windowMs;
    const recent = (this.hits.get(key) ?? []).filter((t) => t > windowStart);
    if (recent.length >= this.policy.limit) {
      this.hits.set(key, recent);
      if (this.policy.lockoutMs) {
        this.lockedUntil.set(key, now + this.policy.lockoutMs);
        return { allowed: false, retryAfterMs: this.policy.lockoutMs };
      }
      return { allowed: false, retryAfterMs: Math.max(1, recent[0]! + this.policy.windowMs - now) };
    }
    recent.push(now);
    this.hits.set(key, recent);
    return { allowed: true, remaining: this.policy.limit - recent.length };
  }

  reset(): void {
    this.hits.clear();
    this.lockedUntil.clear();
  }
}
