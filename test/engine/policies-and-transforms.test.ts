/**
 * Table tests of the pure core: every conflict policy through `decide`, and every mapping transform and mapping
 * feature (rename, nested paths, value maps, per-direction transforms, computed fields, defaults).
 */
import { describe, expect, it } from 'vitest';
import { memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import { decide, type LinkView, type Observed } from '../../src/engine/decide.js';
import {
  parseSyncDefinition,
  type ConflictPolicy,
  type SyncDefinitionInput,
} from '../../src/engine/definition.js';
import { CompiledPair, NO_REFERENCES } from '../../src/engine/mapping.js';
import { applyTransform } from '../../src/engine/transforms.js';
import { dependencyLevels } from '../../src/engine/dependencies.js';

function compile(
  fields: unknown[],
  extra: Partial<SyncDefinitionInput> = {},
  pairExtra: Record<string, unknown> = {},
) {
  const def = parseSyncDefinition({
    a: { connector: 'x' },
    b: { connector: 'y' },
    direction: 'two-way',
    objects: [{ name: 'p', a: 'items', b: 'items', fields, ...pairExtra }],
    ...extra,
  });
  return new CompiledPair(def.objects[0]!, def, {
    a: memoryObjectSpec('items'),
    b: memoryObjectSpec('items', { archive: { field: 'state', value: 'archived' } }),
  });
}

function present(
  pair: CompiledPair,
  side: 'a' | 'b',
  data: Record<string, unknown>,
  updatedAt?: string,
): Observed {
  const projection = pair.project(side, data);
  return {
    kind: 'present',
    record: { id: `${side}1`, data, ...(updatedAt ? { updatedAt } : {}) },
    projection,
    checksum: pair.checksum(projection),
  };
}

function linkFor(pair: CompiledPair, a: Record<string, unknown>, b: Record<string, unknown>): LinkView {
  const baseA = pair.project('a', a);
  const baseB = pair.project('b', b);
  return {
    id: 'lnk_1',
    aId: 'a1',
    bId: 'b1',
    baseA,
    baseB,
    aChecksum: pair.checksum(baseA),
    bChecksum: pair.checksum(baseB),
    status: 'ok',
    error: null,
  };
}

describe('conflict policies (both sides changed one field)', () => {
  const cases: {
    policy: ConflictPolicy;
    a: string;
    b: string;
    aAt?: string;
    bAt?: string;
    expect: 'a' | 'b' | 'manual';
  }[] = [
    { policy: { policy: 'local_wins' }, a: 'draft', b: 'published', expect: 'a' },
    { policy: { policy: 'remote_wins' }, a: 'draft', b: 'published', expect: 'b' },
    {
      policy: { policy: 'newest_wins' },
      a: 'draft',
      b: 'published',
      aAt: '2024-01-02T00:00:00Z',
      bAt: '2024-01-03T00:00:00Z',
      expect: 'b',
    },
    {
      policy: { policy: 'newest_wins' },
      a: 'draft',
      b: 'published',
      aAt: '2024-01-04T00:00:00Z',
      bAt: '2024-01-03T00:00:00Z',
      expect: 'a',
    },
    {
      policy: { policy: 'newest_wins' },
      a: 'draft',
      b: 'published',
      aAt: '2024-01-03T00:00:00Z',
      bAt: '2024-01-03T00:00:00Z',
      expect: 'a',
    },
    { policy: { policy: 'newest_wins' }, a: 'draft', b: 'published', expect: 'a' },
    {
      policy: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] },
      a: 'queued',
      b: 'published',
      expect: 'b',
    },
    {
      policy: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] },
      a: 'published',
      b: 'queued',
      expect: 'a',
    },
    {
      policy: { policy: 'state_order', order: ['draft', 'queued', ['published', 'failed']] },
      a: 'failed',
      b: 'published',
      expect: 'a',
    },
    { policy: { policy: 'manual' }, a: 'draft', b: 'published', expect: 'manual' },
  ];
  for (const c of cases) {
    it(`${c.policy.policy} ${c.a} vs ${c.b}${c.aAt ? ` (${c.aAt} vs ${c.bAt})` : ''} → ${c.expect}`, () => {
      const pair = compile([
        { a: 'status', b: 'state', conflict: c.policy },
        { a: 'title', b: 'name' },
      ]);
      const link = linkFor(pair, { status: 'base', title: 't' }, { state: 'base', name: 't' });
      const d = decide(
        { pair, refs: NO_REFERENCES },
        link,
        present(pair, 'a', { status: c.a, title: 't' }, c.aAt),
        present(pair, 'b', { state: c.b, name: 't' }, c.bAt),
      );
      if (c.expect === 'manual') {
        expect(d.kind).toBe('conflict');
        if (d.kind === 'conflict')
          expect(d.fields).toEqual([{ field: 'status', base: 'base', local: c.a, remote: c.b }]);
        return;
      }
      expect(d.kind).toBe('update');
      if (d.kind !== 'update') return;
      if (c.expect === 'a') {
        expect(d.b?.patch).toEqual({ state: c.a });
        expect(d.a).toBeUndefined();
      } else {
        expect(d.a?.patch).toEqual({ status: c.b });
        expect(d.b).toBeUndefined();
      }
      expect(d.base.a.status).toBe(d.base.b.status);
    });
  }

  it('fields changed on one side only flow across without a conflict, even under manual', () => {
    const pair = compile(
      [
        { a: 'title', b: 'name' },
        { a: 'body', b: 'text' },
      ],
      { conflicts: { default: { policy: 'manual' } } },
    );
    const link = linkFor(pair, { title: 't', body: 'b' }, { name: 't', text: 'b' });
    const d = decide(
      { pair, refs: NO_REFERENCES },
      link,
      present(pair, 'a', { title: 'T2', body: 'b' }),
      present(pair, 'b', { name: 't', text: 'B2' }),
    );
    expect(d).toMatchObject({ kind: 'update', a: { patch: { body: 'B2' } }, b: { patch: { name: 'T2' } } });
  });

  it('both sides changed to the same value: nothing to write, the base moves', () => {
    const pair = compile([{ a: 'title', b: 'name' }], { conflicts: { default: { policy: 'manual' } } });
    const link = linkFor(pair, { title: 't' }, { name: 't' });
    const d = decide(
      { pair, refs: NO_REFERENCES },
      link,
      present(pair, 'a', { title: 'x' }),
      present(pair, 'b', { name: 'x' }),
    );
    expect(d).toMatchObject({ kind: 'unchanged', base: { a: { title: 'x' }, b: { title: 'x' } } });
  });

  it('per-field policy overrides the default; a resolution overrides manual', () => {
    const pair = compile(
      [
        { a: 'title', b: 'name' },
        { a: 'status', b: 'state' },
      ],
      {
        conflicts: { default: { policy: 'manual' }, fields: { status: { policy: 'remote_wins' } } },
      },
    );
    const link = linkFor(pair, { title: 't', status: 's' }, { name: 't', state: 's' });
    const a = present(pair, 'a', { title: 'A', status: 'sa' });
    const b = present(pair, 'b', { name: 'B', state: 'sb' });
    expect(decide({ pair, refs: NO_REFERENCES }, link, a, b)).toMatchObject({
      kind: 'conflict',
      fields: [{ field: 'title' }],
    });
    expect(decide({ pair, refs: NO_REFERENCES, resolution: { title: 'b' } }, link, a, b)).toMatchObject({
      kind: 'update',
      a: { patch: { title: 'B', status: 'sb' } },
    });
  });

  it('delete policies: propagate, archive, ignore; delete wins over an edit', () => {
    for (const [policy, expected] of [
      ['propagate', { kind: 'delete', side: 'b', action: 'delete' }],
      ['archive', { kind: 'delete', side: 'b', action: 'archive' }],
      ['ignore', { kind: 'detach' }],
    ] as const) {
      const pair = compile([{ a: 'title', b: 'name' }], { deletes: { policy } });
      const link = linkFor(pair, { title: 't' }, { name: 't' });
      const d = decide(
        { pair, refs: NO_REFERENCES },
        link,
        { kind: 'deleted', id: 'a1' },
        present(pair, 'b', { name: 'edited' }),
      );
      expect(d).toMatchObject(expected);
    }
  });
});

describe('mapping transforms', () => {
  const table: [string, unknown, Parameters<typeof applyTransform>[1], unknown][] = [
    ['trim', '  hi  ', { op: 'trim' }, 'hi'],
    ['trim leaves numbers', 4, { op: 'trim' }, 4],
    ['lowercase', 'HeLLo', { op: 'lowercase' }, 'hello'],
    ['uppercase', 'HeLLo', { op: 'uppercase' }, 'HELLO'],
    ['truncate', 'abcdefgh', { op: 'truncate', length: 3 }, 'abc'],
    ['truncate short', 'ab', { op: 'truncate', length: 3 }, 'ab'],
    ['date iso from epoch s', 1704067200, { op: 'date', format: 'iso' }, '2024-01-01T00:00:00.000Z'],
    ['date date from iso', '2024-03-05T10:11:12Z', { op: 'date', format: 'date' }, '2024-03-05'],
    ['date epoch_ms', '2024-01-01T00:00:00Z', { op: 'date', format: 'epoch_ms' }, 1704067200000],
    ['date epoch_s', '2024-01-01T00:00:01Z', { op: 'date', format: 'epoch_s' }, 1704067201],
    ['date unparseable passes', 'soon', { op: 'date', format: 'iso' }, 'soon'],
    ['default on null', null, { op: 'default', value: 'n/a' }, 'n/a'],
    ['default on empty', '', { op: 'default', value: 'n/a' }, 'n/a'],
    ['default keeps value', 'v', { op: 'default', value: 'n/a' }, 'v'],
    ['template (computed)', null, { op: 'template', template: '{first} {last}' }, 'Ada Lovelace'],
  ];
  for (const [name, input, transform, expected] of table) {
    it(name, () => {
      expect(applyTransform(input, transform, { first: 'Ada', last: 'Lovelace' })).toEqual(expected);
    });
  }

  it('renames, nested paths, value maps and per-direction transforms on create and read-back', () => {
    const pair = compile([
      { a: 'title', b: 'props.Name', toB: [{ op: 'trim' }, { op: 'truncate', length: 5 }] },
      { a: 'status', b: 'props.Status', values: { draft: 'Draft', published: 'Live' } },
      {
        name: 'full',
        b: 'props.Full',
        direction: 'a_to_b',
        toB: [{ op: 'template', template: '{title}/{status}' }],
      },
      { a: 'meta.when', b: 'date', toB: [{ op: 'date', format: 'date' }] },
      { a: 'email', b: 'mail', toA: [{ op: 'lowercase' }] },
    ]);
    const a = present(pair, 'a', {
      title: '  Hello world ',
      status: 'published',
      meta: { when: '2024-02-03T04:05:06Z' },
    });
    const d = decide({ pair, refs: NO_REFERENCES }, undefined, a, { kind: 'unread' });
    expect(d).toMatchObject({
      kind: 'create',
      side: 'b',
      data: {
        props: { Name: 'Hello', Status: 'Live', Full: 'Hello world /published' },
        date: '2024-02-03',
      },
    });
    const fromB = decide(
      { pair, refs: NO_REFERENCES },
      undefined,
      { kind: 'unread' },
      present(pair, 'b', { props: { Name: 'X', Status: 'Draft' }, mail: 'ANN@EXAMPLE.COM' }),
    );
    expect(fromB).toMatchObject({
      kind: 'create',
      side: 'a',
      data: { title: 'X', status: 'draft', email: 'ann@example.com' },
    });
  });

  it('a lossy transform does not look like a change on the next read (projections are compared per side)', () => {
    const pair = compile([{ a: 'title', b: 'name', toB: [{ op: 'truncate', length: 3 }] }]);
    const link = linkFor(pair, { title: 'abcdef' }, { name: 'abc' });
    const d = decide(
      { pair, refs: NO_REFERENCES },
      link,
      present(pair, 'a', { title: 'abcdef' }),
      present(pair, 'b', { name: 'abc' }),
    );
    expect(d).toEqual({ kind: 'unchanged', echo: false });
  });

  it('volatile fields are left out of checksums', () => {
    const pair = compile([
      { a: 'title', b: 'name' },
      { a: 'views', b: 'views', volatile: true },
    ]);
    expect(pair.checksum(pair.project('a', { title: 't', views: 1 }))).toBe(
      pair.checksum(pair.project('a', { title: 't', views: 99 })),
    );
  });

  it('filters skip records that do not pass', () => {
    const pair = compile(
      [{ a: 'title', b: 'name' }],
      {},
      { filters: [{ side: 'a', path: 'status', op: 'eq', value: 'published' }] },
    );
    expect(
      decide({ pair, refs: NO_REFERENCES }, undefined, present(pair, 'a', { title: 't', status: 'draft' }), {
        kind: 'unread',
      }),
    ).toMatchObject({
      kind: 'skip',
      reason: 'filtered out',
    });
  });
});

describe('definition and dependency order', () => {
  it('rejects a bad definition with a typed error naming the problem', () => {
    expect(() =>
      parseSyncDefinition({
        a: { connector: 'x' },
        b: { connector: 'y' },
        direction: 'sideways',
        objects: [],
      }),
    ).toThrow(expect.objectContaining({ code: 'validation_failed' }));
    expect(() =>
      parseSyncDefinition({
        a: { connector: 'x' },
        b: { connector: 'y' },
        direction: 'push',
        objects: [{ name: 'c', a: 'c', b: 'c', fields: [{ a: 'parent', reference: 'nope' }] }],
      }),
    ).toThrow(/unknown pair "nope"/);
  });

  it('orders pairs parents first and refuses cycles', () => {
    expect(
      dependencyLevels([
        { name: 'placements', parents: ['campaigns', 'zones'] },
        { name: 'campaigns', parents: ['advertisers'] },
        { name: 'advertisers', parents: ['networks'] },
        { name: 'zones', parents: ['networks'] },
        { name: 'networks', parents: [] },
      ]),
    ).toEqual([['networks'], ['advertisers', 'zones'], ['campaigns'], ['placements']]);
    expect(() =>
      dependencyLevels([
        { name: 'x', parents: ['y'] },
        { name: 'y', parents: ['x'] },
      ]),
    ).toThrow(/cycle/);
  });
});
