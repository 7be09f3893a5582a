/**
 * @module Identifiers: a short type prefix plus a ULID, so ids sort by creation time (cursor pagination needs
 * that) and say what they point at when they show up in a log line.
 */
import { randomFillSync } from 'node:crypto';
import { encodeTime, monotonicFactory } from 'ulidx';

// ulidx's default draws each of an id's 16 random characters with its own crypto call; hot paths (a webhook
// ack makes two ids) take them from a pooled buffer instead, refilled 4 KiB at a time from the same CSPRNG.
const pool = Buffer.alloc(4096);
let next = pool.length;
function pooledRandom(): number {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
}

const ulid = monotonicFactory(pooledRandom);

export type IdPrefix =
  | 'org'
  | 'usr'
  | 'key'
  | 'aud'
  | 'con'
  | 'col'
  | 'rec'
  | 'syn'
  | 'lnk'
  | 'run'
  | 'cfl'
  | 'dlv'
  | 'whe'
  | 'job'
  | 'ses'
  | 'site'
  | 'svw'
  | 'ntf';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

/**
 * The smallest id of `prefix` created at `time` (or the largest, with `fill` "z"): ids sort by creation time, so a
 * time range becomes an id range and stays on the id indexes.
 */
export function idBound(prefix: IdPrefix, time: Date, fill: '0' | 'z' = '0'): string {
  return `${prefix}_${encodeTime(Math.max(0, time.getTime()), 10).toLowerCase()}${fill.repeat(16)}`;
}
