/**
 * @module The pure decision for one record: given the link (or none) and what each side holds now, what must be
 * written where. No I/O: the executor gathers the inputs page by page and applies the outputs in batches, and
 * property tests drive this function against a reference model.
 *
 * Merge rule, per field, against the link's base (the projections both sides last agreed on):
 * - changed on one side only (and allowed to flow): the value goes across;
 * - changed on both to the same canonical value: nothing to write;
 * - changed on both differently: the field's conflict policy picks a winner, or `manual` holds the whole record
 *   (no write on either side) and raises a Conflict;
 * - a side that was not read counts as unchanged (its base stands in for it).
 * Echo suppression falls out of checksums: after every write the link stores the checksum of what the side then
 * holds, so our own write read back is "unchanged".
 */
import type { RemoteRecord } from '../connectors/sdk/types.js';
import type { Side } from './definition.js';
import {
  UnresolvedReference,
  type CompiledPair,
  type Projection,
  type ReferenceResolver,
} from './mapping.js';
import { setPath } from './paths.js';
import { effectivePolicy, explainPolicy, mergeLists, pickWinner, refusedSide } from './policies.js';
import { sameValue } from './values.js';

export type LinkStatus =
  | 'ok'
  | 'pending_create_a'
  | 'pending_create_b'
  | 'retry'
  | 'conflict'
  | 'ambiguous'
  | 'detached'
  | 'unverified'
  | 'pending_delete_a'
  | 'pending_delete_b'
  | 'pending_archive_a'
  | 'pending_archive_b';

export interface LinkView {
  id: string;
  aId: string | null;
  bId: string | null;
  baseA: Projection | null;
  baseB: Projection | null;
  aChecksum: string | null;
  bChecksum: string | null;
  status: LinkStatus;
  error: string | null;
  /**
   * Projections an update was about to write when a run stopped before committing. A side holding exactly that
   * value has our write, not a person's edit: without this, a crash between a write and its commit would make our
   * own write look like a remote change and could let it beat a newer edit.
   */
  inflight?: { a?: Projection; b?: Projection } | null;
}

export type Observed =
  | { kind: 'present'; record: RemoteRecord; projection: Projection; checksum: string }
  | { kind: 'deleted'; id: string }
  | { kind: 'unread' };

export interface FieldDiff {
  field: string;
  from: unknown;
  to: unknown;
}

export interface SideWrite {
  /** Deep patch in the side's own shape. */
  patch: Record<string, unknown>;
  diffs: FieldDiff[];
}

export interface ConflictField {
  field: string;
  base: unknown;
  local: unknown;
  remote: unknown;
}

/**
 * A change a side made that its field's policy does not accept (local_only / remote_only): it is not copied (with
 * `restore`, the kept value is written back over it) and the run log says so.
 */
export interface Refusal {
  field: string;
  /** The side whose change was refused. */
  side: Side;
  value: unknown;
  kept: unknown;
  reason: string;
}

export interface Bases {
  a: Projection;
  b: Projection;
}

export type Decision =
  /** Nothing to write; `base` set when the link's base must still move (converged values, a fresh match). */
  | { kind: 'unchanged'; echo: boolean; base?: Bases; refused?: Refusal[] }
  | { kind: 'create'; side: Side; data: Record<string, unknown>; base: Bases }
  | { kind: 'update'; a?: SideWrite; b?: SideWrite; base: Bases; refused?: Refusal[] }
  | { kind: 'conflict'; fields: ConflictField[] }
  /** Delete (or archive) the record on `side`, because the other side deleted it. */
  | { kind: 'delete'; side: Side; action: 'delete' | 'archive' }
  | { kind: 'detach'; reason: string }
  | { kind: 'drop' }
  | { kind: 'skip'; reason: string; hold?: 'retry' | 'ambiguous' };

/** A person's answer for one field of a conflict: keep side a's value, side b's, or a value they edited. */
export type FieldAnswer = 'a' | 'b' | { value: unknown };

export interface DecideContext {
  pair: CompiledPair;
  refs: ReferenceResolver;
  /** Per field, a person's answer to a manual conflict. */
  resolution?: Record<string, FieldAnswer>;
}

const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

export function decide(ctx: DecideContext, link: LinkView | undefined, a: Observed, b: Observed): Decision {
  try {
    return decideUnsafe(ctx, link, a, b);
  } catch (error) {
    if (error instanceof UnresolvedReference) return { kind: 'skip', reason: error.message, hold: 'retry' };
    throw error;
  }
}

function decideUnsafe(ctx: DecideContext, link: LinkView | undefined, a: Observed, b: Observed): Decision {
  if (!link || (link.aId === null && link.bId === null)) {
    if (a.kind === 'present') return createFrom(ctx, 'a', a);
    if (b.kind === 'present') return createFrom(ctx, 'b', b);
    return { kind: 'unchanged', echo: false };
  }
  switch (link.status) {
    case 'detached':
      return { kind: 'skip', reason: 'detached: the other side deleted it and the delete policy is ignore' };
    case 'ambiguous':
      return { kind: 'skip', reason: link.error ?? 'ambiguous match', hold: 'ambiguous' };
    case 'unverified':
      return { kind: 'skip', reason: link.error ?? 'an interrupted create needs checking' };
    case 'pending_delete_a':
    case 'pending_delete_b':
    case 'pending_archive_a':
    case 'pending_archive_b':
      return { kind: 'skip', reason: 'a delete is pending' };
    default:
      break;
  }
  // A link with one id missing is a create that has not happened yet (failed, deferred, or interrupted).
  if (link.bId === null) return a.kind === 'present' ? createFrom(ctx, 'a', a) : { kind: 'drop' };
  if (link.aId === null) return b.kind === 'present' ? createFrom(ctx, 'b', b) : { kind: 'drop' };

  if (a.kind === 'deleted' && b.kind === 'deleted') return { kind: 'drop' };
  if (a.kind === 'deleted') return deleted(ctx, 'a');
  if (b.kind === 'deleted') return deleted(ctx, 'b');
  return merge(ctx, link, a, b);
}

function createFrom(ctx: DecideContext, side: Side, observed: Observed & { kind: 'present' }): Decision {
  const { pair, refs } = ctx;
  const target = other(side);
  if (!pair.reads(side)) {
    return { kind: 'skip', reason: `direction ${pair.direction} does not create on ${target}` };
  }
  if (!pair.passes(side, observed.record.data)) return { kind: 'skip', reason: 'filtered out' };
  const canonical = pair.canonical(side, observed.projection, refs);
  const data: Record<string, unknown> = {};
  for (const f of pair.fields) {
    const path = f.path[target];
    if (path === undefined) continue;
    if (target === 'b' ? !f.flows.aToB : !f.flows.bToA) continue;
    const value = target === 'b' ? pair.pushValue(f, canonical, refs) : canonical[f.name];
    if (value !== null && value !== undefined) setPath(data, path, value);
  }
  const written = pair.project(target, data);
  return {
    kind: 'create',
    side: target,
    data,
    base: side === 'a' ? { a: observed.projection, b: written } : { a: written, b: observed.projection },
  };
}

function deleted(ctx: DecideContext, gone: Side): Decision {
  const { pair } = ctx;
  const target = other(gone);
  const flows = gone === 'a' ? pair.direction !== 'pull' : pair.direction !== 'push';
  if (!flows)
    return { kind: 'detach', reason: `deleted on ${gone}; direction ${pair.direction} keeps ${target}` };
  switch (pair.deletes.policy) {
    case 'ignore':
      return { kind: 'detach', reason: `deleted on ${gone}; delete policy is ignore` };
    case 'archive':
      if (!pair.specs[target].archive) {
        return { kind: 'detach', reason: `deleted on ${gone}; ${target} cannot archive` };
      }
      return { kind: 'delete', side: target, action: 'archive' };
    case 'propagate':
      return { kind: 'delete', side: target, action: 'delete' };
  }
}

function merge(ctx: DecideContext, link: LinkView, a: Observed, b: Observed): Decision {
  const { pair, refs } = ctx;
  if (a.kind === 'present' && !pair.passes('a', a.record.data))
    return { kind: 'skip', reason: 'filtered out' };
  if (b.kind === 'present' && !pair.passes('b', b.record.data))
    return { kind: 'skip', reason: 'filtered out' };
  const aChanged = a.kind === 'present' && a.checksum !== link.aChecksum;
  const bChanged = b.kind === 'present' && b.checksum !== link.bChecksum;
  const fresh = link.baseA === null || link.baseB === null;
  if (!aChanged && !bChanged && !fresh && link.status === 'ok') return { kind: 'unchanged', echo: false };

  const pa = a.kind === 'present' ? a.projection : (link.baseA ?? {});
  const pb = b.kind === 'present' ? b.projection : (link.baseB ?? {});
  const canonA = pair.canonical('a', pa, refs);
  const canonB = pair.canonical('b', pb, refs);
  const writeA: SideWrite = { patch: {}, diffs: [] };
  const writeB: SideWrite = { patch: {}, diffs: [] };
  const conflicts: ConflictField[] = [];
  const newA: Projection = { ...pa };
  const newB: Projection = { ...pb };

  const baseOf = (side: Side, name: string, current: unknown): unknown => {
    const flight = link.inflight?.[side];
    if (flight && name in flight && sameValue(current, flight[name])) return flight[name];
    return (side === 'a' ? link.baseA : link.baseB)?.[name];
  };
  const refused: Refusal[] = [];
  /** Writes one canonical value to each side that does not hold it yet (an edited answer, a merged list). */
  const writeBoth = (f: (typeof pair.fields)[number], value: unknown) => {
    if (f.path.a !== undefined && !sameValue(value, pa[f.name])) {
      setPath(writeA.patch, f.path.a, value);
      writeA.diffs.push({ field: f.name, from: pa[f.name] ?? null, to: value });
      newA[f.name] = value;
    }
    const pushed = pair.pushValue(f, { ...canonA, [f.name]: value }, refs);
    if (f.path.b !== undefined && !sameValue(pushed, pb[f.name])) {
      setPath(writeB.patch, f.path.b, pushed);
      writeB.diffs.push({ field: f.name, from: pb[f.name] ?? null, to: pushed });
      newB[f.name] = pushed;
    }
  };
  for (const f of pair.fields) {
    const answer = ctx.resolution?.[f.name];
    if (typeof answer === 'object') {
      // An edited value is canonical (side a's form).
      writeBoth(f, answer.value);
      continue;
    }
    const hasA = f.path.a !== undefined;
    const hasB = f.path.b !== undefined;
    const aCh = hasA ? fresh || !sameValue(pa[f.name], baseOf('a', f.name, pa[f.name])) : aChanged || fresh;
    const bCh = hasB ? fresh || !sameValue(pb[f.name], baseOf('b', f.name, pb[f.name])) : bChanged || fresh;
    let toB = aCh && f.flows.aToB;
    let toA = bCh && f.flows.bToA;
    const policy = effectivePolicy(f.policy, canonA, canonB);
    const locked = refusedSide(policy);
    if (locked && hasA && hasB && !fresh && !answer && !sameValue(canonA[f.name], canonB[f.name])) {
      // One side is the source of truth for this field: the other side's change does not come across (and with
      // `restore` the truth is written back over it, where the direction lets it flow there).
      const lockedChanged = locked === 'a' ? aCh : bCh;
      if (lockedChanged) {
        refused.push({
          field: f.name,
          side: locked,
          value: (locked === 'a' ? canonA : canonB)[f.name] ?? null,
          kept: (locked === 'a' ? canonB : canonA)[f.name] ?? null,
          reason: explainPolicy(f.policy, canonA, canonB),
        });
        const restore = 'restore' in policy && policy.restore === true;
        if (locked === 'b') {
          toA = false;
          if (restore) toB = f.flows.aToB;
        } else {
          toB = false;
          if (restore) toA = f.flows.bToA;
        }
      }
    }
    let winner: 'a' | 'b' | 'manual' | undefined;
    if (toB && toA) {
      if (hasA && hasB && sameValue(canonA[f.name], canonB[f.name])) continue;
      const listA = canonA[f.name];
      const listB = canonB[f.name];
      if (!answer && policy.policy === 'merge' && Array.isArray(listA) && Array.isArray(listB)) {
        writeBoth(f, mergeLists(link.baseA?.[f.name], listA, listB, policy.key));
        continue;
      }
      winner =
        answer ??
        pickWinner({
          policy,
          a: canonA[f.name],
          b: canonB[f.name],
          aUpdatedAt: a.kind === 'present' ? a.record.updatedAt : undefined,
          bUpdatedAt: b.kind === 'present' ? b.record.updatedAt : undefined,
        });
    } else if (toB) winner = 'a';
    else if (toA) winner = 'b';
    if (winner === 'manual') {
      conflicts.push({
        field: f.name,
        base: link.baseA?.[f.name] ?? null,
        local: canonA[f.name] ?? null,
        remote: canonB[f.name] ?? null,
      });
    } else if (winner === 'a' && f.flows.aToB) {
      const value = pair.pushValue(f, canonA, refs);
      if (!sameValue(value, pb[f.name])) {
        setPath(writeB.patch, f.path.b!, value);
        writeB.diffs.push({ field: f.name, from: pb[f.name] ?? null, to: value });
        newB[f.name] = value;
      }
    } else if (winner === 'b' && f.flows.bToA) {
      const value = canonB[f.name] ?? null;
      if (!sameValue(value, pa[f.name])) {
        setPath(writeA.patch, f.path.a!, value);
        writeA.diffs.push({ field: f.name, from: pa[f.name] ?? null, to: value });
        newA[f.name] = value;
      }
    }
  }
  if (conflicts.length > 0) return { kind: 'conflict', fields: conflicts };
  const base = { a: newA, b: newB };
  const refusals = refused.length > 0 ? { refused } : {};
  if (writeA.diffs.length === 0 && writeB.diffs.length === 0) {
    // Both sides already agree: only the base moves (and a checksum-equal read was our own write: an echo).
    return { kind: 'unchanged', echo: false, base, ...refusals };
  }
  return {
    kind: 'update',
    ...(writeA.diffs.length > 0 ? { a: writeA } : {}),
    ...(writeB.diffs.length > 0 ? { b: writeB } : {}),
    base,
    ...refusals,
  };
}
