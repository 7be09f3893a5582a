/**
 * @module The patch semantics of `update` (see UpdateInput): nested objects merge, everything else replaces.
 * Shared by connectors over JSON stores so they all mean the same thing by a patch.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A new object: `base` with `patch` merged in; neither input is modified. */
export function applyPatch(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? applyPatch(current, value) : value;
  }
  return out;
}
