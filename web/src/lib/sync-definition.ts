/**
 * The parts of a sync definition the detail page edits, typed as the API answers them (defaults filled in by the
 * engine's parser). The server re-validates whatever is saved; these types only keep the editors honest.
 */
export type Transform =
  | { op: 'trim' | 'lowercase' | 'uppercase' }
  | { op: 'truncate'; length: number }
  | { op: 'date'; format: 'iso' | 'date' | 'epoch_ms' | 'epoch_s' }
  | { op: 'default'; value: unknown }
  | { op: 'template'; template: string };

export const TRANSFORM_OPS = [
  'trim',
  'lowercase',
  'uppercase',
  'truncate',
  'date',
  'default',
  'template',
] as const;

export type PolicyName =
  | 'local_wins'
  | 'remote_wins'
  | 'newest_wins'
  | 'manual'
  | 'state_order'
  | 'prefer_local'
  | 'prefer_remote'
  | 'manual_review';
export const POLICIES: readonly PolicyName[] = [
  'local_wins',
  'remote_wins',
  'newest_wins',
  'manual',
  'state_order',
  // The sync-engine API's names (seed 002): the same as local_wins, remote_wins and manual.
  'prefer_local',
  'prefer_remote',
  'manual_review',
];

/** What a policy does, for the option's tooltip. */
export const POLICY_HINTS: Record<PolicyName, string> = {
  local_wins: 'this side (a) wins a conflict',
  remote_wins: 'the other side (b) wins a conflict',
  newest_wins: 'the later change wins (times more than 5 minutes ahead do not count)',
  manual: 'a person decides in Conflicts',
  state_order: 'the value further along the order wins',
  prefer_local: 'the same as local_wins',
  prefer_remote: 'the same as remote_wins',
  manual_review: 'the same as manual',
};

export type Policy =
  { policy: Exclude<PolicyName, 'state_order'> } | { policy: 'state_order'; order: (string | string[])[] };

export interface FieldRow {
  name?: string;
  a?: string;
  b?: string;
  direction?: 'both' | 'a_to_b' | 'b_to_a';
  values?: Record<string, unknown>;
  toB?: Transform[];
  toA?: Transform[];
  conflict?: Policy;
  [other: string]: unknown;
}

export interface PairDraft {
  name: string;
  a: string;
  b: string;
  fields: FieldRow[];
  [other: string]: unknown;
}

export interface Guard {
  maxCount?: number;
  maxPercent?: number;
  minCount?: number;
}

export interface DefinitionDraft {
  a: { connectionId?: string; connector?: string; settings?: Record<string, unknown> };
  b: { connectionId?: string; connector?: string; settings?: Record<string, unknown> };
  direction: 'push' | 'pull' | 'two-way';
  objects: PairDraft[];
  conflicts?: { default: Policy; fields: Record<string, Policy> };
  deletes?: { policy: 'propagate' | 'ignore' | 'archive'; guard: Guard | null };
  timezone?: string;
  [other: string]: unknown;
}

export function draftOf(definition: Record<string, unknown>): DefinitionDraft {
  return structuredClone(definition) as DefinitionDraft;
}

export function canonicalName(f: FieldRow): string {
  return f.name ?? f.a ?? f.b ?? '';
}

/** `draft, queued, published|failed` ⇄ ['draft', 'queued', ['published', 'failed']]: `|` joins one rank. */
export function orderToText(order: (string | string[])[]): string {
  return order.map((r) => (Array.isArray(r) ? r.join('|') : r)).join(', ');
}

export function textToOrder(text: string): (string | string[])[] {
  return text
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .map((r) =>
      r.includes('|')
        ? r
            .split('|')
            .map((x) => x.trim())
            .filter(Boolean)
        : r,
    );
}

export function sideLabel(side: DefinitionDraft['a']): string {
  return side.connectionId ?? side.connector ?? '?';
}
