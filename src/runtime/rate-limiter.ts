/**
 * @module A per-connection token bucket kept in the database (`runtime_rate_buckets`), so every run and every
 * worker process using a connection draws from one budget. Each take is one atomic UPDATE (refill by elapsed
 * time, then spend), which is safe under concurrent processes on SQLite and Postgres alike. A 429 blocks the
 * bucket until Retry-After and halves its rate for a minute.
 *
 * Time is the workers' clock (milliseconds since the epoch): workers sharing a database are expected to run
 * NTP-synchronised clocks; a skew only shifts when tokens appear.
 */
import { sql, type Kysely } from 'kysely';
import type { RequestPacer } from '../connectors/sdk/pacing.js';
import type { RateLimit as WindowLimit } from '../connectors/sdk/types.js';
import { RunInterruption } from '../lib/errors.js';
import type { DialectName } from '../store/dialect.js';
import type { Database } from '../store/schema.js';
import { sleep } from './sleep.js';

/** A connector's declared limit. */
export interface RateLimit {
  /** Sustained requests per second. */
  perSecond: number;
  /** Requests allowed at once after a quiet period. Default 1 (evenly spaced). */
  burst?: number;
  /**
   * Fraction of `perSecond` actually used; the limiter's own headroom when absent. 1 for a bucket already sized
   * with its margin (`bucketForWindow`).
   */
  headroom?: number;
}

/**
 * Network and scheduling jitter allowed between our clock taking a token and the platform counting the request:
 * a request that left late may arrive with the next ones, so every window is planned this much longer.
 */
export const WINDOW_JITTER_MS = 30;

/**
 * The bucket for a platform that allows `requests` per `intervalMs`, counted over a sliding window (Airtable,
 * HubSpot) or a fixed one: no `intervalMs + jitterMs` span may hold more than `requests` takes. A bucket of
 * capacity C refilled at r lets C requests go at once and one per 1/r after, so requests + 1 takes span at least
 * (requests + 1 - C) / r; r follows from that span. The burst is the platform's declared one, else 1: a bucket as
 * large as the window's allowance and refilled at the window's rate lets through almost twice the allowance in
 * one window (Airtable answers the sixth request of a second with 429 and 30 s of refusals).
 */
export function bucketForWindow(
  declared: { requests: number; intervalMs: number; burst?: number },
  jitterMs = WINDOW_JITTER_MS,
): RateLimit {
  const burst = Math.min(declared.requests, Math.max(1, Math.floor(declared.burst ?? 1)));
  return {
    perSecond: ((declared.requests + 1 - burst) * 1000) / (declared.intervalMs + jitterMs),
    burst,
    headroom: 1,
  };
}

export interface RateLimiterOptions {
  /** Fraction of the declared rate actually used, leaving room for clock and network jitter. Default 0.9. */
  headroom?: number;
  /** How long a 429 halves the rate. Default 60 s. */
  slowdownMs?: number;
  now?: () => number;
}

export type TakeResult = { ok: true } | { ok: false; waitMs: number };

/** Waiting for a token would pass the run's deadline: the run should checkpoint and continue later. */
export class RateBudgetExhausted extends RunInterruption {
  override readonly name = 'RateBudgetExhausted';
  constructor(
    readonly key: string,
    resumeAt: Date,
  ) {
    super(`rate limit budget for ${key} exhausted until ${resumeAt.toISOString()}`, resumeAt);
  }
}

export class RateLimiter {
  private readonly headroom: number;
  private readonly slowdownMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
    options: RateLimiterOptions = {},
  ) {
    this.headroom = options.headroom ?? 0.9;
    this.slowdownMs = options.slowdownMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Spends one token if there is one; otherwise says how long until there may be. */
  async tryTake(key: string, limit: RateLimit): Promise<TakeResult> {
    const now = this.now();
    const least = this.dialect === 'postgres' ? sql.raw('least') : sql.raw('min');
    const greatest = this.dialect === 'postgres' ? sql.raw('greatest') : sql.raw('max');
    const rate = sql`(case when slowed_until_ms > ${now} then per_second * 0.5 else per_second end)`;
    const refilled = sql`${least}(capacity, tokens + ${greatest}(0, ${now} - updated_ms) * ${rate} / 1000.0)`;
    const taken = await sql<{ tokens: number }>`
      update runtime_rate_buckets
      set tokens = ${refilled} - 1, updated_ms = ${greatest}(updated_ms, ${now})
      where key = ${key} and blocked_until_ms <= ${now} and ${refilled} >= 1
      returning tokens`.execute(this.db);
    if (taken.rows.length > 0) return { ok: true };

    const perSecond = limit.perSecond * (limit.headroom ?? this.headroom);
    const capacity = Math.max(1, limit.burst ?? 1);
    const row = await this.db
      .selectFrom('runtime_rate_buckets')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) {
      await this.db
        .insertInto('runtime_rate_buckets')
        .values({
          key,
          tokens: capacity,
          capacity,
          per_second: perSecond,
          updated_ms: now,
          blocked_until_ms: 0,
          slowed_until_ms: 0,
        })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      return { ok: false, waitMs: 0 };
    }
    if (Number(row.per_second) !== perSecond || Number(row.capacity) !== capacity) {
      // The connector's declared limit changed: adopt it.
      await this.db
        .updateTable('runtime_rate_buckets')
        .set({ per_second: perSecond, capacity })
        .where('key', '=', key)
        .execute();
    }
    const currentRate = Number(row.slowed_until_ms) > now ? perSecond * 0.5 : perSecond;
    const tokens = Math.min(
      capacity,
      Number(row.tokens) + (Math.max(0, now - Number(row.updated_ms)) * currentRate) / 1000,
    );
    const refillWait = tokens >= 1 ? 0 : ((1 - tokens) / currentRate) * 1000;
    const blockedWait = Math.max(0, Number(row.blocked_until_ms) - now);
    return { ok: false, waitMs: Math.max(1, Math.ceil(Math.max(refillWait, blockedWait))) };
  }

  /**
   * Waits for a token. With a `deadline` (ms since the epoch), throws RateBudgetExhausted instead of waiting
   * past it. `onWait` hears about every wait (the worker turns it into a `ratelimit.wait` event).
   */
  async acquire(
    key: string,
    limit: RateLimit,
    options: { signal?: AbortSignal; deadline?: number; onWait?: (waitMs: number) => void } = {},
  ): Promise<void> {
    for (let woke = false; ;) {
      options.signal?.throwIfAborted();
      const result = await this.tryTake(key, limit);
      if (result.ok) return;
      if (result.waitMs === 0) continue;
      if (options.deadline !== undefined && this.now() + result.waitMs > options.deadline) {
        throw new RateBudgetExhausted(key, new Date(this.now() + result.waitMs));
      }
      options.onWait?.(result.waitMs);
      // Jitter spreads workers that woke for the same token and lost it to another. A first wait has none: with
      // a bucket of one, every millisecond slept past the token is throughput lost for good.
      await sleep(result.waitMs + (woke ? Math.random() * Math.min(50, result.waitMs) : 0), options.signal);
      woke = true;
    }
  }

  /** The platform said 429: block until Retry-After and slow down for a while. */
  async penalize(key: string, retryAfterMs: number): Promise<void> {
    const now = this.now();
    const greatest = this.dialect === 'postgres' ? sql.raw('greatest') : sql.raw('max');
    await sql`
      update runtime_rate_buckets
      set blocked_until_ms = ${greatest}(blocked_until_ms, ${now + Math.max(0, retryAfterMs)}),
          slowed_until_ms = ${now + this.slowdownMs},
          tokens = 0,
          updated_ms = ${now}
      where key = ${key}`.execute(this.db);
  }
}

/** The bucket key for a connection. */
export function connectionKey(connectionId: string): string {
  return `connection:${connectionId}`;
}

/** The key of one of a connection's documented buckets: `default` is the connection's own key. */
export function bucketKey(connectionId: string, bucket: string): string {
  return bucket === 'default' ? connectionKey(connectionId) : `${connectionKey(connectionId)}:${bucket}`;
}

export interface PacerOptions {
  /** Waits that would end after this (ms since the epoch) throw RateBudgetExhausted instead. */
  deadline?: number;
  signal?: AbortSignal;
  onWait?: (key: string, waitMs: number) => void;
  onRefused?: (bucket: string, waitMs: number) => unknown;
}

/**
 * The RequestPacer of one connection (connectors/sdk/pacing.ts) over this limiter: one bucket per documented
 * limit, sized by bucketForWindow; a bucket the connector did not declare draws on `default`.
 */
export function connectionPacer(
  limiter: RateLimiter,
  connectionId: string,
  buckets: Readonly<Record<string, WindowLimit>>,
  options: PacerOptions = {},
): RequestPacer {
  return {
    take: async (bucket, signal) => {
      const declared = buckets[bucket] ?? buckets.default;
      if (!declared) return;
      const key = bucketKey(connectionId, buckets[bucket] ? bucket : 'default');
      const abort = signal ?? options.signal;
      await limiter.acquire(key, bucketForWindow(declared), {
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
        ...(abort ? { signal: abort } : {}),
        onWait: (waitMs) => options.onWait?.(key, waitMs),
      });
    },
    refused: async (bucket, waitMs) => {
      await limiter.penalize(bucketKey(connectionId, buckets[bucket] ? bucket : 'default'), waitMs);
      await options.onRefused?.(bucket, waitMs);
    },
  };
}
