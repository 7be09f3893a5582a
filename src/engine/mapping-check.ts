/**
 * @module A sync's field mapping checked against both sides' object schemas: every mapped path must name a field
 * of its side's object and the two fields' types must be able to hold each other's values. Pure and free of
 * imports (types are restated structurally) so the operator UI bundles the very same function the server runs
 * on `PATCH /api/v1/syncs/:id`: the UI shows the issues inline, the server refuses them with 400.
 */

/** A field as a schema describes it (the shape of the connector SDK's FieldSpec). */
export interface SchemaField {
  type: string;
  required?: boolean | undefined;
  readOnly?: boolean | undefined;
  values?: readonly string[] | undefined;
}

export interface SchemaObject {
  name: string;
  fields: Record<string, SchemaField>;
  /**
   * No declared schema (a collection without a content type): `fields` are the ones seen in its records, so a
   * path outside them is not an error.
   */
  freeForm: boolean;
}

/** What the check needs of a mapped field (a subset of the definition's FieldMapping). */
export interface MappedField {
  name?: string | undefined;
  a?: string | undefined;
  b?: string | undefined;
  values?: Record<string, unknown> | undefined;
  toA?: readonly { op: string }[] | undefined;
  toB?: readonly { op: string }[] | undefined;
}

export interface MappedPair {
  name: string;
  a: string;
  b: string;
  fields: readonly MappedField[];
}

export interface MappingIssue {
  /** Definition path of the offending entry, e.g. `objects.0.fields.2.b`. */
  path: string;
  pair: string;
  /** Index of the field row in the pair, or null for the pair's object itself. */
  index: number | null;
  side: 'a' | 'b' | null;
  /** The field (or object) name at fault. */
  field: string;
  message: string;
}

/** One side's objects; null (or absent) when that side's schema could not be read: its checks are skipped. */
export type SideObjects = readonly SchemaObject[] | null | undefined;

/** Values of these types are carried as strings (ISO dates, ids), so any of them holds any other. */
const STRINGY = new Set(['string', 'date', 'datetime', 'reference']);

/**
 * Whether a value of type `from` can be written into a field of type `to`. `json` holds anything; a date
 * transform turns strings into epoch numbers and back; a template always renders a string.
 */
export function typesCompatible(from: string, to: string, ops: readonly string[] = []): boolean {
  if (from === to || from === 'json' || to === 'json') return true;
  if (ops.includes('template')) return STRINGY.has(to);
  if (STRINGY.has(from) && STRINGY.has(to)) return true;
  const dateish = new Set(['number', 'date', 'datetime', 'string']);
  if (ops.includes('date') && dateish.has(from) && dateish.has(to)) return true;
  return false;
}

/** The schema field a dot path starts in (`meta.title` lives in `meta`). */
function topField(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

export function checkMapping(
  pairs: readonly MappedPair[],
  schemas: { a?: SideObjects; b?: SideObjects },
): MappingIssue[] {
  const issues: MappingIssue[] = [];
  pairs.forEach((pair, p) => {
    const objects: Partial<Record<'a' | 'b', SchemaObject>> = {};
    for (const side of ['a', 'b'] as const) {
      const known = schemas[side];
      if (!known) continue;
      const object = known.find((o) => o.name === pair[side]);
      if (object) objects[side] = object;
      else {
        issues.push({
          path: `objects.${p}.${side}`,
          pair: pair.name,
          index: null,
          side,
          field: pair[side],
          message: `side ${side} has no object "${pair[side]}"`,
        });
      }
    }
    pair.fields.forEach((field, i) => {
      const found: Partial<Record<'a' | 'b', SchemaField>> = {};
      for (const side of ['a', 'b'] as const) {
        const path = field[side];
        const object = objects[side];
        if (path === undefined || !object) continue;
        const spec = object.fields[topField(path)];
        if (spec) found[side] = spec;
        else if (!object.freeForm) {
          issues.push({
            path: `objects.${p}.fields.${i}.${side}`,
            pair: pair.name,
            index: i,
            side,
            field: path,
            message: `"${path}" is not a field of ${side === 'a' ? 'A' : 'B'}'s ${object.name}`,
          });
        }
      }
      // A nested path's type is not in the schema, and a value map rewrites values: neither can be judged here.
      const nested = [field.a, field.b].some((x) => x?.includes('.'));
      if (!found.a || !found.b || nested || field.values) return;
      const toB = (field.toB ?? []).map((t) => t.op);
      const toA = (field.toA ?? []).map((t) => t.op);
      if (
        !typesCompatible(found.a.type, found.b.type, toB) ||
        !typesCompatible(found.b.type, found.a.type, toA)
      ) {
        issues.push({
          path: `objects.${p}.fields.${i}`,
          pair: pair.name,
          index: i,
          side: null,
          field: field.name ?? field.a ?? field.b ?? '',
          message: `types do not match: A's "${field.a}" is ${found.a.type}, B's "${field.b}" is ${found.b.type}`,
        });
      }
    });
  });
  return issues;
}
