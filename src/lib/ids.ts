/**
 * @module Identifiers: a short type prefix plus a ULID, so ids sort by creation time (cursor pagination needs
 * that) and say what they point at when they show up in a log line.
 */
import { monotonicFactory } from 'ulidx';

const ulid = monotonicFactory();

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
  | 'site';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}
