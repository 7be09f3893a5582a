/**
 * @module First-run matching: link records that already exist on both sides by their match keys instead of
 * creating duplicates. A key held by two records on either side is ambiguous: reported, never guessed.
 *
 * The index holds one entry per distinct key of the other side, so it is only built on a pair's first run (when
 * nothing is linked yet); later runs create new records without matching.
 */
import { canonicalJson } from '../lib/checksum.js';
import type { Projection } from './mapping.js';

export type MatchOutcome =
  { kind: 'none' } | { kind: 'match'; id: string } | { kind: 'ambiguous'; reason: string };

/** A key for a canonical record, or undefined when a key field is empty (empty keys never match). */
export function matchKey(keys: readonly string[], canonical: Projection): string | undefined {
  if (keys.length === 0) return undefined;
  const values = keys.map((k) => canonical[k]);
  if (values.some((v) => v === null || v === undefined || v === '')) return undefined;
  return canonicalJson(values);
}

export class MatchIndex {
  /** key → the one id holding it, or null once a second record holds it too. */
  private readonly byKey = new Map<string, string | null>();
  private readonly claimed = new Map<string, string>();

  add(key: string, id: string): void {
    this.byKey.set(key, this.byKey.has(key) ? null : id);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** Claims the other side's record for `id`; a second claim on the same key is ambiguous. */
  claim(key: string | undefined, id: string): MatchOutcome {
    if (key === undefined || !this.byKey.has(key)) return { kind: 'none' };
    const candidate = this.byKey.get(key);
    if (candidate === null)
      return { kind: 'ambiguous', reason: `match key ${key} is held by several records on the other side` };
    const previous = this.claimed.get(key);
    if (previous !== undefined && previous !== id) {
      return { kind: 'ambiguous', reason: `match key ${key} is held by several records on this side` };
    }
    this.claimed.set(key, id);
    return { kind: 'match', id: candidate! };
  }

  /** For the other side's own pass: is this record's key one that could not be matched safely? */
  isAmbiguous(key: string | undefined): boolean {
    return key !== undefined && this.byKey.get(key) === null;
  }
}
