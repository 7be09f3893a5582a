/**
 * @module Value equality as the engine means it: structural, key order ignored, undefined the same as null.
 */
import { canonicalJson } from '../lib/checksum.js';

export function sameValue(x: unknown, y: unknown): boolean {
  const a = x === undefined ? null : x;
  const b = y === undefined ? null : y;
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}
