import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/sdk/errors.js';
import { DataSyncError } from '../../src/lib/errors.js';
import { backoffMs, decideRetry } from '../../src/runtime/retry-policy.js';

const state = { attempt: 1, maxAttempts: 5, authRefreshed: false };

describe('retry policy', () => {
  it('backs off exponentially with full jitter, capped', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const ms = backoffMs(attempt, { baseMs: 100, maxMs: 10_000, random: () => r });
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(Math.min(10_000, 100 * 2 ** (attempt - 1)));
        },
      ),
    );
    expect(backoffMs(4, { baseMs: 100, random: () => 0.999999 })).toBe(799);
  });

  it('retries network and server errors until the attempts run out, then dead-letters', () => {
    for (const kind of ['network', 'server'] as const) {
      expect(decideRetry(new ConnectorError(kind, 'x'), state, { random: () => 0.5 }).action).toBe('retry');
      expect(decideRetry(new ConnectorError(kind, 'x'), { ...state, attempt: 5 }).action).toBe('dead');
    }
    expect(decideRetry(new Error('socket hang up'), state).action).toBe('retry');
  });

  it('waits for Retry-After on 429', () => {
    expect(
      decideRetry(new ConnectorError('rate_limited', 'slow down', { retryAfterMs: 7000 }), state),
    ).toEqual({
      action: 'retry',
      delayMs: 7000,
      reason: 'rate_limited: slow down',
    });
  });

  it('refreshes auth once, then fails and marks the connection unhealthy', () => {
    const error = new ConnectorError('auth', 'expired', { status: 401 });
    expect(decideRetry(error, state).action).toBe('refresh_auth');
    expect(decideRetry(error, { ...state, authRefreshed: true })).toMatchObject({
      action: 'fail',
      markUnhealthy: true,
    });
  });

  it('never retries validation, conflict or not-found errors', () => {
    for (const kind of ['validation', 'conflict', 'not_found'] as const) {
      expect(decideRetry(new ConnectorError(kind, 'no'), state)).toMatchObject({
        action: 'fail',
        markUnhealthy: false,
      });
    }
    expect(decideRetry(new DataSyncError('validation_failed', 'bad mapping'), state).action).toBe('fail');
  });
});
