import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, checksum } from '../../src/lib/checksum.js';

describe('checksum', () => {
  it('ignores key order at every depth', () => {
    expect(checksum({ a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } })).toBe(
      checksum({ b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 }),
    );
  });

  it('ignores undefined fields but not null ones', () => {
    expect(checksum({ a: 1, b: undefined })).toBe(checksum({ a: 1 }));
    expect(checksum({ a: 1, b: null })).not.toBe(checksum({ a: 1 }));
  });

  it('is stable across a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(checksum(JSON.parse(JSON.stringify(value)))).toBe(checksum(value));
        expect(canonicalJson(JSON.parse(canonicalJson(value)))).toBe(canonicalJson(value));
      }),
    );
  });
});
