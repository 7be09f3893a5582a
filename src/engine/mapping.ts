/**
 * @module A pair's field mapping compiled once per run: projections (the mapped part of a record, by canonical
 * field name, raw as the side stores it), checksums of projections, and the conversions between each side and the
 * canonical shape (A's terms). Projections, not whole records, are what the engine compares and stores, so
 * unmapped fields never cause syncs and lossy transforms never look like changes.
 */
import { checksum } from '../lib/checksum.js';
import type { ObjectSpec } from '../connectors/sdk/types.js';
import {
  fieldName,
  type ConflictPolicy,
  type DeletePolicy,
  type Direction,
  type Filter,
  type PairDefinition,
  type Side,
  type SyncDefinition,
  type Transform,
} from './definition.js';
import { getPath } from './paths.js';
import { applyTransforms } from './transforms.js';

export type Projection = Record<string, unknown>;

export interface CompiledField {
  name: string;
  path: { a: string | undefined; b: string | undefined };
  /** May a value flow this way (field direction, sync direction, read-only target)? */
  flows: { aToB: boolean; bToA: boolean };
  valueMap: Map<string, unknown> | undefined;
  inverseMap: Map<string, unknown> | undefined;
  toB: readonly Transform[];
  toA: readonly Transform[];
  reference: string | undefined;
  volatile: boolean;
  policy: ConflictPolicy;
}

/** Rewrites reference values through the referenced pair's links; undefined when the parent is not linked. */
export interface ReferenceResolver {
  aToB(pair: string, aId: string): string | undefined;
  bToA(pair: string, bId: string): string | undefined;
  /** Why a parent is missing, for the deferral reason (e.g. "create failed: …"). */
  why(pair: string, side: Side, id: string): string | undefined;
}

export class UnresolvedReference extends Error {
  constructor(
    readonly pair: string,
    readonly side: Side,
    readonly id: string,
    readonly reason: string | undefined,
  ) {
    super(`parent ${pair} ${id} is not linked${reason ? ` (${reason})` : ''}`);
  }
}

function key(value: unknown): string {
  return typeof value === 'string' ? `s:${value}` : `j:${JSON.stringify(value)}`;
}

/**
 * A platform's recommended policy with the fields its `when` steps name rewritten from the platform's field
 * names to the sync's canonical ones; undefined when one of them is not mapped (the condition could not be read).
 */
function inCanonicalTerms(
  policy: ConflictPolicy | undefined,
  canonicalOfB: ReadonlyMap<string, string>,
): ConflictPolicy | undefined {
  if (!policy || policy.policy !== 'when') return policy;
  const field = canonicalOfB.get(policy.field);
  const then = inCanonicalTerms(policy.then, canonicalOfB);
  const otherwise = inCanonicalTerms(policy.else, canonicalOfB);
  if (field === undefined || !then || !otherwise) return undefined;
  return { ...policy, field, then, else: otherwise };
}

export class CompiledPair {
  readonly name: string;
  readonly fields: CompiledField[];
  readonly matchKeys: readonly string[];
  readonly deletes: DeletePolicy;
  readonly filters: readonly Filter[];
  readonly direction: Direction;
  /** Pairs this one references (its parents in dependency order). */
  readonly parents: string[];

  constructor(
    readonly definition: PairDefinition,
    sync: SyncDefinition,
    readonly specs: { a: ObjectSpec; b: ObjectSpec },
  ) {
    this.name = definition.name;
    this.direction = sync.direction;
    this.matchKeys = definition.matchKeys;
    this.deletes = definition.deletes ?? sync.deletes;
    this.filters = definition.filters;
    const conflicts = definition.conflicts ?? sync.conflicts;
    const derived = new Map<string, string>();
    for (const ref of specs.a.references ?? []) {
      const parent = sync.objects.find((p) => p.a === ref.object);
      if (parent) derived.set(ref.field, parent.name);
    }
    // A platform declares its references on its own side (a campaign's advertiser_id), the local side rarely does.
    const derivedB = new Map<string, string>();
    for (const ref of specs.b.references ?? []) {
      const parent = sync.objects.find((p) => p.b === ref.object);
      if (parent) derivedB.set(ref.field, parent.name);
    }
    const canonicalOfB = new Map(
      definition.fields.flatMap((f) => (f.b !== undefined ? [[f.b, fieldName(f)] as const] : [])),
    );
    this.fields = definition.fields.map((f) => {
      const name = fieldName(f);
      const recommended =
        f.b !== undefined ? inCanonicalTerms(specs.b.fields[f.b]?.conflict, canonicalOfB) : undefined;
      const readOnlyA = f.a !== undefined && specs.a.fields[f.a.split('.')[0]!]?.readOnly === true;
      const readOnlyB = f.b !== undefined && specs.b.fields[f.b.split('.')[0]!]?.readOnly === true;
      const values = f.values ? new Map(Object.entries(f.values).map(([k, v]) => [k, v])) : undefined;
      return {
        name,
        path: { a: f.a, b: f.b },
        flows: {
          aToB: f.direction !== 'b_to_a' && sync.direction !== 'pull' && f.b !== undefined && !readOnlyB,
          bToA: f.direction !== 'a_to_b' && sync.direction !== 'push' && f.a !== undefined && !readOnlyA,
        },
        valueMap: values,
        inverseMap: values ? new Map([...values].map(([k, v]) => [key(v), k])) : undefined,
        toB: f.toB,
        toA: f.toA,
        reference:
          f.reference ??
          (f.a !== undefined ? derived.get(f.a) : undefined) ??
          (f.b !== undefined ? derivedB.get(f.b) : undefined),
        volatile: f.volatile,
        policy: f.conflict ?? conflicts.fields[name] ?? recommended ?? conflicts.default,
      };
    });
    this.parents = [...new Set(this.fields.flatMap((f) => (f.reference ? [f.reference] : [])))].filter(
      (p) => p !== this.name,
    );
  }

  /** The mapped part of a side's record, by canonical name; missing values are null. */
  project(side: Side, data: Record<string, unknown>): Projection {
    const out: Projection = {};
    for (const f of this.fields) {
      const path = f.path[side];
      if (path !== undefined) out[f.name] = getPath(data, path) ?? null;
    }
    return out;
  }

  /** Checksum of a projection without volatile fields: equal checksums mean "nothing to sync". */
  checksum(projection: Projection): string {
    let stable = projection;
    if (this.fields.some((f) => f.volatile)) {
      stable = { ...projection };
      for (const f of this.fields) if (f.volatile) delete stable[f.name];
    }
    return checksum(stable);
  }

  /** A projection in canonical terms (A's): B values go through references, the inverse map and `toA`. */
  canonical(side: Side, projection: Projection, refs: ReferenceResolver): Projection {
    if (side === 'a') {
      const out: Projection = {};
      for (const f of this.fields) out[f.name] = f.path.a !== undefined ? (projection[f.name] ?? null) : null;
      return out;
    }
    const out: Projection = {};
    for (const f of this.fields) {
      if (f.path.b === undefined) continue;
      out[f.name] = this.pullValue(f, projection[f.name], out, refs);
    }
    for (const f of this.fields) {
      if (f.path.b === undefined) out[f.name] = applyTransforms(null, f.toA, out);
    }
    return out;
  }

  pullValue(f: CompiledField, raw: unknown, record: Projection, refs: ReferenceResolver): unknown {
    let v = raw ?? null;
    if (f.reference !== undefined && v !== null) {
      const id = refs.bToA(f.reference, String(v));
      if (id === undefined) {
        throw new UnresolvedReference(f.reference, 'b', String(v), refs.why(f.reference, 'b', String(v)));
      }
      v = id;
    } else if (f.inverseMap && v !== null) {
      const mapped = f.inverseMap.get(key(v));
      if (mapped !== undefined) v = mapped;
    }
    return applyTransforms(v, f.toA, record);
  }

  /** The value to write on B for a canonical record. */
  pushValue(f: CompiledField, canonical: Projection, refs: ReferenceResolver): unknown {
    let v = f.path.a !== undefined ? (canonical[f.name] ?? null) : null;
    if (f.reference !== undefined && v !== null) {
      const id = refs.aToB(f.reference, String(v));
      if (id === undefined) {
        throw new UnresolvedReference(f.reference, 'a', String(v), refs.why(f.reference, 'a', String(v)));
      }
      v = id;
    } else if (f.valueMap && v !== null) {
      const mapped = f.valueMap.get(String(v));
      if (mapped !== undefined) v = mapped;
    }
    return applyTransforms(v, f.toB, canonical);
  }

  /** Does the side's record pass the pair's filters? */
  passes(side: Side, data: Record<string, unknown>): boolean {
    for (const filter of this.filters) {
      if (filter.side !== side) continue;
      const v = getPath(data, filter.path);
      const ok = (() => {
        switch (filter.op) {
          case 'eq':
            return v === filter.value;
          case 'neq':
            return v !== filter.value;
          case 'in':
            return Array.isArray(filter.value) && filter.value.includes(v);
          case 'nin':
            return !(Array.isArray(filter.value) && filter.value.includes(v));
          case 'exists':
            return v !== undefined && v !== null;
          case 'missing':
            return v === undefined || v === null;
        }
      })();
      if (!ok) return false;
    }
    return true;
  }

  /** Which sides this pair reads and writes. */
  reads(side: Side): boolean {
    return side === 'a' ? this.direction !== 'pull' : this.direction !== 'push';
  }
}

/** A resolver for pairs without references. */
export const NO_REFERENCES: ReferenceResolver = {
  aToB: () => undefined,
  bToA: () => undefined,
  why: () => undefined,
};
