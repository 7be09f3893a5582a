/**
 * @module Ids of the social tables, in the same prefixed-ULID form as every other id (src/lib/ids.ts), so they sort
 * by creation time and keyset pagination works on them.
 */
import { monotonicFactory } from 'ulidx';

const ulid = monotonicFactory();

export function socialId(prefix: 'sac' | 'spo' | 'slg'): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}
