/**
 * @module What one site receives: published items only, minus those blocked for the site, with the site's
 * overrides applied. A cell that was never set means "not syndicated to this site" (opt-in): content reaches
 * a site only by a decision, and `block` records a decision to keep it away that bulk "set to full" must not
 * silently undo. Pure, so the planner, the preview and the tests agree on one definition.
 */
import { checksum } from '../lib/checksum.js';

export type MappingMode = 'full' | 'override' | 'block';

export interface SyndicationItem {
  id: string;
  status: 'draft' | 'published' | 'archived';
  data: Record<string, unknown>;
  updatedAt: string;
}

export interface MappingCell {
  itemId: string;
  mode: MappingMode;
  overrides?: Record<string, unknown> | null;
}

export interface EffectiveItem {
  id: string;
  data: Record<string, unknown>;
  /** Field keys whose value came from the site's overrides. */
  overridden: string[];
  updatedAt: string;
}

export interface EffectivePayload {
  siteId: string;
  items: EffectiveItem[];
  /** Over the items only: an unchanged payload is not re-sent. */
  checksum: string;
}

export function effectivePayload(
  siteId: string,
  items: readonly SyndicationItem[],
  cells: readonly MappingCell[],
): EffectivePayload {
  const byItem = new Map(cells.map((c) => [c.itemId, c]));
  const out: EffectiveItem[] = [];
  for (const item of items) {
    if (item.status !== 'published') continue;
    const cell = byItem.get(item.id);
    if (!cell || cell.mode === 'block') continue;
    const overrides = cell.mode === 'override' ? (cell.overrides ?? {}) : {};
    out.push({
      id: item.id,
      data: { ...item.data, ...overrides },
      overridden: Object.keys(overrides).sort(),
      updatedAt: item.updatedAt,
    });
  }
  out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { siteId, items: out, checksum: checksum(out.map(({ id, data }) => ({ id, data }))) };
}
