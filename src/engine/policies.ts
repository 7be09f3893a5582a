/**
 * @module Conflict policies: who wins a field both sides changed since the base.
 */
import type { ConflictPolicy } from './definition.js';

export type Winner = 'a' | 'b' | 'manual';

export interface PolicyInput {
  policy: ConflictPolicy;
  /** Canonical values (A's terms). */
  a: unknown;
  b: unknown;
  /** ISO-8601 last-modified times of each record, when the platforms report them. */
  aUpdatedAt: string | undefined;
  bUpdatedAt: string | undefined;
}

function rank(order: readonly (string | readonly string[])[], value: unknown): number {
  return order.findIndex((step) => (Array.isArray(step) ? step.includes(value as string) : step === value));
}

/** Ties go to the local side (A): a deterministic answer beats a coin flip. */
export function pickWinner(input: PolicyInput): Winner {
  const { policy } = input;
  switch (policy.policy) {
    case 'local_wins':
      return 'a';
    case 'remote_wins':
      return 'b';
    case 'manual':
      return 'manual';
    case 'newest_wins': {
      const a = input.aUpdatedAt ? Date.parse(input.aUpdatedAt) : NaN;
      const b = input.bUpdatedAt ? Date.parse(input.bUpdatedAt) : NaN;
      if (Number.isNaN(b)) return 'a';
      if (Number.isNaN(a)) return 'b';
      return b > a ? 'b' : 'a';
    }
    case 'state_order':
      return rank(policy.order, input.b) > rank(policy.order, input.a) ? 'b' : 'a';
  }
}
