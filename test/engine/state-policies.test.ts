/**
 * The state-dependent field policies behind the Synup post flow, through `decide` with real compiled pairs:
 * `when` (a rule chosen by another field's value), `local_only` (a remote change refused even when only the remote
 * changed, and set back), `merge` (lists merged three-way by key), and newest_wins' timestamp guard.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryObjectSpec } from '../../src/connectors/memory/memory-connector.js';
import { decide, type Decision, type LinkView, type Observed } from '../../src/engine/decide.js';
import { parseSyncDefinition, type SyncDefinitionInput } from '../../src/engine/definition.js';
import { CompiledPair, NO_REFERENCES } from '../../src/engine/mapping.js';
import {
  effectivePolicy,
  explainPolicy,
  mergeLists,
  NEWEST_WINS_SKEW_MS,
  pickWinner,
} from '../../src/engine/policies.js';
import { SYNUP_POSTS_POLICY } from '../../src/policies/synup-posts.js';

/** The Synup flow's policy, as the product ships it. */
const POST_POLICIES: NonNullable<SyncDefinitionInput['conflicts']> = SYNUP_POSTS_POLICY;

function compile(
  direction: 'two-way' | 'pull' = 'two-way',
  afterPublish: unknown = { policy: 'local_only' },
) {
  const def = parseSyncDefinition({
    a: { connector: 'x' },
    b: { connector: 'y' },
    direction,
    objects: [
      {
        name: 'posts',
        a: 'posts',
        b: 'posts',
        fields: [
          { a: 'content', b: 'content' },
          { a: 'status', b: 'status' },
          { a: 'scheduledAt', b: 'scheduled_at' },
          { a: 'notes', b: 'notes' },
        ],
      },
    ],
    conflicts: {
      ...POST_POLICIES,
      fields: { ...POST_POLICIES.fields, content: { ...POST_POLICIES.fields!.content!, then: afterPublish } },
    },
  });
  return new CompiledPair(def.objects[0]!, def, {
    a: memoryObjectSpec('posts'),
    b: memoryObjectSpec('posts'),
  });
}

type Post = { content: string; status: string; scheduledAt: string | null; notes: unknown[] };
const toB = (p: Post) => ({
  content: p.content,
  status: p.status,
  scheduled_at: p.scheduledAt,
  notes: p.notes,
});

function observe(pair: CompiledPair, side: 'a' | 'b', data: Record<string, unknown>, at?: string): Observed {
  const projection = pair.project(side, data);
  return {
    kind: 'present',
    record: { id: `${side}1`, data, ...(at ? { updatedAt: at } : {}) },
    projection,
    checksum: pair.checksum(projection),
  };
}

/** Both sides agreed on `base`; now A holds `a` and B holds `b`. */
function run(
  base: Post,
  a: Post,
  b: Post,
  times: { a?: string; b?: string } = {},
  pair = compile(),
): Decision {
  const baseA = pair.project('a', base);
  const baseB = pair.project('b', toB(base));
  const link: LinkView = {
    id: 'lnk',
    aId: 'a1',
    bId: 'b1',
    baseA,
    baseB,
    aChecksum: pair.checksum(baseA),
    bChecksum: pair.checksum(baseB),
    status: 'ok',
    error: null,
  };
  return decide(
    { pair, refs: NO_REFERENCES },
    link,
    observe(pair, 'a', a, times.a),
    observe(pair, 'b', toB(b), times.b),
  );
}

const post = (over: Partial<Post> = {}): Post => ({
  content: 'Spring sale',
  status: 'draft',
  scheduledAt: '2026-03-01T09:00:00.000Z',
  notes: [],
  ...over,
});

describe('content: local is the truth after publish', () => {
  it('refuses a remote-only content change once published: local stays, nothing is copied', () => {
    const base = post({ status: 'published' });
    const d = run(base, base, { ...base, content: 'Edited by support' });
    expect(d.kind).toBe('unchanged');
    if (d.kind !== 'unchanged') return;
    expect(d.refused).toEqual([
      {
        field: 'content',
        side: 'b',
        value: 'Edited by support',
        kept: 'Spring sale',
        reason: 'local_only: status is published|failed on either side',
      },
    ]);
    // The base follows what each side holds, so the same refusal is not logged again next run.
    expect(d.base?.a.content).toBe('Spring sale');
    expect(d.base?.b.content).toBe('Edited by support');
  });

  it('with restore, writes the local content back over the refused change', () => {
    const pair = compile('two-way', { policy: 'local_only', restore: true });
    const base = post({ status: 'published' });
    const d = run(base, base, { ...base, content: 'Edited by support' }, {}, pair);
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.a).toBeUndefined();
    expect(d.b?.diffs).toEqual([{ field: 'content', from: 'Edited by support', to: 'Spring sale' }]);
    expect(d.refused?.map((r) => [r.field, r.side])).toEqual([['content', 'b']]);
    expect(d.base.b.content).toBe('Spring sale');
  });

  it('refuses it when the platform publishes and edits in the same read (either side counts)', () => {
    const base = post({ status: 'queued' });
    const d = run(base, base, { ...base, status: 'published', content: 'Edited' });
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.a?.diffs).toEqual([{ field: 'status', from: 'queued', to: 'published' }]);
    expect(d.b).toBeUndefined();
    expect(d.refused?.map((r) => r.field)).toEqual(['content']);
  });

  it('lets a local edit after publish go out, without a refusal', () => {
    const base = post({ status: 'published' });
    const d = run(base, { ...base, content: 'Fixed typo' }, base);
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.b?.diffs).toEqual([{ field: 'content', from: 'Spring sale', to: 'Fixed typo' }]);
    expect(d.refused).toBeUndefined();
  });

  it('under a pull-only sync, restore writes nothing back (the direction forbids it)', () => {
    const base = post({ status: 'published' });
    const d = run(
      base,
      base,
      { ...base, content: 'Edited' },
      {},
      compile('pull', { policy: 'local_only', restore: true }),
    );
    expect(d.kind).toBe('unchanged');
    if (d.kind !== 'unchanged') return;
    expect(d.refused?.map((r) => r.field)).toEqual(['content']);
    // The base follows what B now holds, so the same refusal is not logged again next run.
    expect(d.base?.b.content).toBe('Edited');
    expect(d.base?.a.content).toBe('Spring sale');
  });

  it('before publish: newest wins, and a timestamp from the future cannot win', () => {
    const base = post();
    const a = { ...base, content: 'Local edit' };
    const b = { ...base, content: 'Remote edit' };
    const newer = run(base, a, b, { a: '2026-01-01T10:00:00Z', b: '2026-01-01T11:00:00Z' });
    if (newer.kind !== 'update') throw new Error(newer.kind);
    expect(newer.a?.diffs).toEqual([{ field: 'content', from: 'Local edit', to: 'Remote edit' }]);
    const future = new Date(Date.now() + 24 * 3600_000).toISOString();
    const forged = run(base, a, b, { a: '2026-01-01T10:00:00Z', b: future });
    if (forged.kind !== 'update') throw new Error(forged.kind);
    expect(forged.a).toBeUndefined();
    expect(forged.b?.diffs).toEqual([{ field: 'content', from: 'Remote edit', to: 'Local edit' }]);
  });
});

describe('status: the terminal state wins', () => {
  it('published on the platform beats a local queued → draft revert', () => {
    const base = post({ status: 'queued' });
    const d = run(base, { ...base, status: 'draft' }, { ...base, status: 'published' });
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.a?.diffs).toEqual([{ field: 'status', from: 'draft', to: 'published' }]);
  });

  const STATES = ['draft', 'queued', 'published', 'failed'] as const;
  const terminal = (s: string) => s === 'published' || s === 'failed';

  it('property: once local is terminal, no status change from the platform comes across, and it is logged', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATES),
        fc.constantFrom('published', 'failed'),
        fc.constantFrom(...STATES),
        (baseStatus, localStatus, remoteStatus) => {
          const base = post({ status: baseStatus });
          const d = run(base, { ...base, status: localStatus }, { ...base, status: remoteStatus });
          const toLocal = d.kind === 'update' ? d.a?.diffs.find((x) => x.field === 'status') : undefined;
          expect(toLocal).toBeUndefined();
          if (remoteStatus !== localStatus && remoteStatus !== baseStatus) {
            expect(d.kind === 'update' || d.kind === 'unchanged' ? d.refused : undefined).toContainEqual(
              expect.objectContaining({ field: 'status', side: 'b', value: remoteStatus }),
            );
          }
        },
      ),
    );
  });

  it('property: a terminal state on the platform reaches a local post that is not terminal', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STATES),
        fc.constantFrom('draft', 'queued'),
        fc.constantFrom('published', 'failed'),
        (baseStatus, localStatus, remoteStatus) => {
          // The platform moved a post that was not terminal yet to a terminal state.
          fc.pre(!terminal(baseStatus));
          const base = post({ status: baseStatus });
          const d = run(base, { ...base, status: localStatus }, { ...base, status: remoteStatus });
          const toLocal = d.kind === 'update' ? d.a?.diffs.find((x) => x.field === 'status') : undefined;
          expect(toLocal?.to).toBe(remoteStatus);
        },
      ),
    );
  });
});

describe('scheduled time: while queued locally, the platform wins', () => {
  it('queued: the platform’s new time wins over a newer local change', () => {
    const base = post({ status: 'queued' });
    const d = run(
      base,
      { ...base, scheduledAt: '2026-03-02T09:00:00.000Z' },
      { ...base, scheduledAt: '2026-03-03T09:00:00.000Z' },
      { a: '2026-01-02T00:00:00Z', b: '2026-01-01T00:00:00Z' },
    );
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.a?.diffs).toEqual([
      { field: 'scheduledAt', from: '2026-03-02T09:00:00.000Z', to: '2026-03-03T09:00:00.000Z' },
    ]);
  });

  it('draft: newest wins, so the newer local time stands', () => {
    const base = post({ status: 'draft' });
    const d = run(
      base,
      { ...base, scheduledAt: '2026-03-02T09:00:00.000Z' },
      { ...base, scheduledAt: '2026-03-03T09:00:00.000Z' },
      { a: '2026-01-02T00:00:00Z', b: '2026-01-01T00:00:00Z' },
    );
    if (d.kind !== 'update') throw new Error(d.kind);
    expect(d.b?.diffs[0]?.to).toBe('2026-03-02T09:00:00.000Z');
  });
});

describe('notes: merged', () => {
  it('keeps notes added on each side, drops one removed on a side, and writes the union to both', () => {
    const n = (id: string, body: string) => ({ id, body });
    const base = post({ notes: [n('1', 'first'), n('2', 'second')] });
    const d = run(
      base,
      { ...base, notes: [n('1', 'first'), n('2', 'second'), n('3', 'local note')] },
      { ...base, notes: [n('1', 'first (edited)'), n('4', 'remote note')] },
    );
    if (d.kind !== 'update') throw new Error(d.kind);
    const merged = [n('1', 'first (edited)'), n('3', 'local note'), n('4', 'remote note')];
    expect(d.base.a.notes).toEqual(merged);
    expect(d.base.b.notes).toEqual(merged);
    expect(d.a?.diffs.map((x) => x.field)).toEqual(['notes']);
    expect(d.b?.diffs.map((x) => x.field)).toEqual(['notes']);
  });

  it('is a three-way merge: the result keeps every item only one side added and none a side removed', () => {
    const item = fc.record({ id: fc.constantFrom('1', '2', '3', '4', '5', '6'), body: fc.string() });
    const list = fc.uniqueArray(item, { selector: (x) => x.id, maxLength: 6 });
    fc.assert(
      fc.property(list, list, list, (base, a, b) => {
        const merged = mergeLists(base, a, b, 'id') as { id: string }[];
        const ids = merged.map((x) => x.id);
        const baseIds = new Set(base.map((x) => x.id));
        expect(new Set(ids).size).toBe(ids.length);
        for (const x of [...a, ...b])
          if (!baseIds.has(x.id) && [...a, ...b].filter((y) => y.id === x.id).length === 1)
            expect(ids).toContain(x.id);
        for (const x of base)
          if (!a.some((y) => y.id === x.id) || !b.some((y) => y.id === x.id)) expect(ids).not.toContain(x.id);
        // Merging with an unchanged side gives the other side's items (in the unchanged side's order).
        const byId = (l: unknown[]) => [...(l as { id: string }[])].sort((x, y) => x.id.localeCompare(y.id));
        expect(byId(mergeLists(base, base, b, 'id'))).toEqual(byId(b));
      }),
    );
  });
});

describe('policy helpers', () => {
  it('resolves nested when steps and explains them', () => {
    const policy = POST_POLICIES.fields!.content!;
    expect(effectivePolicy(parse(policy), { status: 'published' }, { status: 'draft' })).toEqual({
      policy: 'local_only',
    });
    expect(effectivePolicy(parse(policy), { status: 'draft' }, { status: 'queued' })).toEqual({
      policy: 'newest_wins',
    });
    expect(explainPolicy(parse(policy), { status: 'draft' }, { status: 'queued' })).toBe(
      'newest_wins: status is not published|failed on either side',
    );
  });

  it('newest_wins distrusts missing, unparseable and far-future timestamps', () => {
    const now = Date.parse('2026-06-01T00:00:00Z');
    const at = (ms: number) => new Date(now + ms).toISOString();
    const pick = (aUpdatedAt: string | undefined, bUpdatedAt: string | undefined) =>
      pickWinner({ policy: { policy: 'newest_wins' }, a: 1, b: 2, aUpdatedAt, bUpdatedAt, now });
    expect(pick(at(-2000), at(-1000))).toBe('b');
    expect(pick(at(-2000), at(NEWEST_WINS_SKEW_MS - 1000))).toBe('b'); // a clock slightly ahead still counts
    expect(pick(at(-2000), at(NEWEST_WINS_SKEW_MS + 1000))).toBe('a');
    expect(pick(at(NEWEST_WINS_SKEW_MS + 1000), at(-2000))).toBe('b');
    expect(pick(at(-2000), 'yesterday')).toBe('a');
    expect(pick(undefined, at(-1000))).toBe('b');
    expect(pick(undefined, undefined)).toBe('a');
  });

  it('rejects a malformed when policy with the path of the problem', () => {
    expect(() =>
      parseSyncDefinition({
        a: { connector: 'x' },
        b: { connector: 'y' },
        direction: 'two-way',
        objects: [{ name: 'p', a: 'x', b: 'y', fields: [{ a: 'f', b: 'f' }] }],
        conflicts: { fields: { f: { policy: 'when', field: 'status', in: [], then: { policy: 'nope' } } } },
      }),
    ).toThrow(/invalid sync definition/);
  });
});

function parse(policy: unknown) {
  const def = parseSyncDefinition({
    a: { connector: 'x' },
    b: { connector: 'y' },
    direction: 'two-way',
    objects: [{ name: 'p', a: 'x', b: 'y', fields: [{ a: 'f', b: 'f' }] }],
    conflicts: { fields: { f: policy } },
  });
  return def.conflicts.fields.f!;
}
