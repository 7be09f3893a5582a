import { describe, expect, it } from 'vitest';
import { diffVersions } from '../../src/content/revision-diff.js';

describe('diffVersions', () => {
  it('lists status, then the type’s fields in order, then other keys alphabetically', () => {
    const changes = diffVersions(
      { status: 'draft', data: { b: 1, headline: 'A', zeta: 1, alpha: 'x', same: [1, { k: 1 }] } },
      { status: 'published', data: { headline: 'B', cta: 'Go', zeta: 2, same: [1, { k: 1 }] } },
      ['headline', 'cta', 'b'],
    );
    expect(changes).toEqual([
      { field: '$status', change: 'changed', before: 'draft', after: 'published' },
      { field: 'headline', change: 'changed', before: 'A', after: 'B' },
      { field: 'cta', change: 'added', after: 'Go' },
      { field: 'b', change: 'removed', before: 1 },
      { field: 'alpha', change: 'removed', before: 'x' },
      { field: 'zeta', change: 'changed', before: 1, after: 2 },
    ]);
  });

  it('compares objects by value whatever their key order, and finds nothing between equal versions', () => {
    const a = { status: 'draft', data: { meta: { x: 1, y: [1, 2] } } };
    const b = { status: 'draft', data: { meta: { y: [1, 2], x: 1 } } };
    expect(diffVersions(a, b)).toEqual([]);
    expect(diffVersions(a, { status: 'draft', data: { meta: { x: 1, y: [2, 1] } } })).toEqual([
      { field: 'meta', change: 'changed', before: { x: 1, y: [1, 2] }, after: { x: 1, y: [2, 1] } },
    ]);
  });
});
