/**
 * @module The simulators' notion of "now". Every timestamp a simulator writes and every rate-limit window it
 * counts reads this clock, so a test can freeze time, step it, and get the same answers on every run.
 */

/** A source of epoch milliseconds. */
export interface SimClock {
  now(): number;
}

/** A clock a test moves by hand: time only passes when `advance` or `set` is called. */
export interface ManualClock extends SimClock {
  advance(ms: number): void;
  set(epochMs: number): void;
}

/** The wall clock, for `datasync sim` and the demo. */
export const systemClock: SimClock = { now: () => Date.now() };

export function createManualClock(startMs: number = Date.UTC(2025, 0, 1, 9, 0, 0)): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot advance the clock by ${ms} ms`);
      current += ms;
    },
    set(epochMs: number) {
      if (!Number.isFinite(epochMs)) throw new RangeError(`invalid clock value ${epochMs}`);
      current = epochMs;
    },
  };
}

/** True when the clock can be moved (the side channel refuses to move the wall clock). */
export function isManualClock(clock: SimClock): clock is ManualClock {
  return typeof (clock as Partial<ManualClock>).advance === 'function';
}
