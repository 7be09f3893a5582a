/**
 * @module Conflict policies: who wins a field, resolved from the record's state, and the three-way list merge.
 * Pure: decide() asks these while it merges one record.
 */
import { canonicalJson } from '../lib/checksum.js';
import type { ConflictPolicy } from './definition.js';
import { sameValue } from './values.js';

export type Winner = 'a' | 'b' | 'manual';

/** A policy with its `when` conditions resolved for one record. */
export type FlatPolicy = Exclude<ConflictPolicy, { policy: 'when' }>;

/**
 * How far in the future a last-modified time may be and still count: a clock a little ahead is normal, a year
 * ahead is a bug (or a forged timestamp) that would otherwise win every newest_wins contest from then on.
 */
export const NEWEST_WINS_SKEW_MS = 5 * 60_000;

export interface PolicyInput {
  policy: FlatPolicy;
  /** Canonical values (A's terms). */
  a: unknown;
  b: unknown;
  /** ISO-8601 last-modified times of each record, when the platforms report them. */
  aUpdatedAt: string | undefined;
  bUpdatedAt: string | undefined;
  /** Epoch ms standing for "now" in the timestamp guard; injectable for tests. */
  now?: number;
}

/**
 * Resolves `when` steps against the record's current canonical values on each side, so a field's rule can depend
 * on another field (content is local_only once the post's status is published). `either` matches when one side
 * holds a listed value: a publish seen on the platform protects local content in the same run.
 */
export function effectivePolicy(
  policy: ConflictPolicy,
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): FlatPolicy {
  let step = policy;
  while (step.policy === 'when') step = conditionHolds(step, a, b) ? step.then : step.else;
  return step;
}

function conditionHolds(
  step: Extract<ConflictPolicy, { policy: 'when' }>,
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): boolean {
  const matches = (value: unknown) => step.in.some((v) => sameValue(v, value ?? null));
  if (step.side === 'a') return matches(a[step.field]);
  if (step.side === 'b') return matches(b[step.field]);
  return matches(a[step.field]) || matches(b[step.field]);
}

/** Why a field's effective policy is what it is, for the run log ("local_only: status is published on either side"). */
export function explainPolicy(
  policy: ConflictPolicy,
  a: Readonly<Record<string, unknown>>,
  b: Readonly<Record<string, unknown>>,
): string {
  const because: string[] = [];
  let step = policy;
  while (step.policy === 'when') {
    const hit = conditionHolds(step, a, b);
    const where = step.side === 'either' ? 'either side' : step.side === 'a' ? 'local' : 'remote';
    because.push(`${step.field} ${hit ? 'is' : 'is not'} ${step.in.map(String).join('|')} on ${where}`);
    step = hit ? step.then : step.else;
  }
  return because.length > 0 ? `${step.policy}: ${because.join(', ')}` : step.policy;
}

/** The side whose change is refused outright (even when only that side changed), if the policy names one. */
export function refusedSide(policy: FlatPolicy): 'a' | 'b' | undefined {
  if (policy.policy === 'local_only') return 'b';
  if (policy.policy === 'remote_only') return 'a';
  return undefined;
}

function rank(order: readonly (string | readonly string[])[], value: unknown): number {
  return order.findIndex((step) => (Array.isArray(step) ? step.includes(value as string) : step === value));
}

/** A last-modified time that may take part in newest_wins: present, parseable, and not from the future. */
function trustedTime(iso: string | undefined, now: number): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t > now + NEWEST_WINS_SKEW_MS) return undefined;
  return t;
}

/** Ties go to the local side (A): a deterministic answer beats a coin flip. */
export function pickWinner(input: PolicyInput): Winner {
  const { policy } = input;
  switch (policy.policy) {
    case 'local_wins':
    case 'prefer_local':
    case 'local_only':
      return 'a';
    case 'remote_wins':
    case 'prefer_remote':
    case 'remote_only':
      return 'b';
    case 'manual':
    case 'manual_review':
      return 'manual';
    // A merge policy on values that are not both lists falls back to newest_wins.
    case 'merge':
    case 'newest_wins': {
      const now = input.now ?? Date.now();
      const a = trustedTime(input.aUpdatedAt, now);
      const b = trustedTime(input.bUpdatedAt, now);
      if (b === undefined) return 'a';
      if (a === undefined) return 'b';
      return b > a ? 'b' : 'a';
    }
    case 'state_order':
      return rank(policy.order, input.b) > rank(policy.order, input.a) ? 'b' : 'a';
  }
}

/**
 * Three-way merge of two lists against their common base (notes added on each side are all kept). Items are
 * matched by `key` when they are objects holding it, else by their whole value. An item removed on one side is
 * removed; an item edited on one side takes that edit; edited on both, side A's edit stands (the same tie rule as
 * pickWinner). Order: A's items in A's order, then items only B has, in B's order.
 */
export function mergeLists(
  base: unknown,
  a: readonly unknown[],
  b: readonly unknown[],
  key: string | undefined,
): unknown[] {
  const identity = (item: unknown): string =>
    key !== undefined && item !== null && typeof item === 'object' && key in item
      ? `k:${canonicalJson((item as Record<string, unknown>)[key])}`
      : `v:${canonicalJson(item)}`;
  const index = (list: readonly unknown[]) => {
    const map = new Map<string, unknown>();
    for (const item of list) if (!map.has(identity(item))) map.set(identity(item), item);
    return map;
  };
  const inBase = index(Array.isArray(base) ? base : []);
  const inA = index(a);
  const inB = index(b);
  const merged: unknown[] = [];
  for (const [id, itemA] of inA) {
    const original = inBase.get(id);
    if (inBase.has(id) && !inB.has(id)) continue; // removed on B
    const itemB = inB.get(id);
    if (itemB === undefined) merged.push(itemA);
    else if (inBase.has(id) && sameValue(itemA, original))
      merged.push(itemB); // only B edited it
    else merged.push(itemA);
  }
  for (const [id, itemB] of inB) {
    if (inA.has(id) || inBase.has(id)) continue; // already placed, or removed on A
    merged.push(itemB);
  }
  return merged;
}
