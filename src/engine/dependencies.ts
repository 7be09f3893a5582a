/**
 * @module Dependency order between the pairs of a sync: parents (referenced objects) before children, as
 * topological levels. Creates and updates run level by level; deletes run in reverse (children first).
 */
import { DataSyncError } from '../lib/errors.js';

/** `parents` of each node → levels (each a list of nodes whose parents are all in earlier levels). */
export function dependencyLevels(nodes: readonly { name: string; parents: readonly string[] }[]): string[][] {
  const remaining = new Map(nodes.map((n) => [n.name, new Set(n.parents.filter((p) => p !== n.name))]));
  const levels: string[][] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, parents]) => [...parents].every((p) => !remaining.has(p)));
    if (ready.length === 0) {
      throw new DataSyncError(
        'validation_failed',
        'the objects of this sync reference each other in a cycle',
        {
          details: { cycle: [...remaining.keys()] },
        },
      );
    }
    levels.push(ready.map(([name]) => name).sort());
    for (const [name] of ready) remaining.delete(name);
  }
  return levels;
}
