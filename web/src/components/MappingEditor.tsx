/**
 * The field mapping of each object pair: one row per field, A path ↔ B path with the flow direction and the
 * transforms applied on the way to each side. Rows are checked as they are typed against both sides' schemas
 * with the same function the server runs on save (src/engine/mapping-check.ts), so a field a side does not
 * have or a type that cannot hold the other's values shows inline before anything is sent; the server's 400
 * details show the same way should it still refuse.
 */
import { checkMapping, type MappingIssue, type SchemaObject } from '../../../src/engine/mapping-check';
import { Button } from './ui';
import {
  TRANSFORM_OPS,
  type DefinitionDraft,
  type FieldRow,
  type PairDraft,
  type Transform,
} from '../lib/sync-definition';

export interface SideSchemaView {
  connector: string;
  connectionId: string | null;
  objects: SchemaObject[];
  error: string | null;
}

export const inputClass =
  'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/** Issues the browser can find: the schema check plus rows with no path at all. */
export function mappingIssues(
  draft: DefinitionDraft,
  schemas: { a: SideSchemaView; b: SideSchemaView } | undefined,
): MappingIssue[] {
  const issues: MappingIssue[] = [];
  draft.objects.forEach((pair, p) =>
    pair.fields.forEach((f, i) => {
      if (!f.a && !f.b) {
        issues.push({
          path: `objects.${p}.fields.${i}`,
          pair: pair.name,
          index: i,
          side: null,
          field: '',
          message: 'a row needs an A field, a B field or both',
        });
      }
    }),
  );
  if (!schemas) return issues;
  const objects = (s: SideSchemaView) => (s.error === null ? s.objects : null);
  return [...issues, ...checkMapping(draft.objects, { a: objects(schemas.a), b: objects(schemas.b) })];
}

function defaultTransform(op: Transform['op']): Transform {
  switch (op) {
    case 'truncate':
      return { op, length: 100 };
    case 'date':
      return { op, format: 'iso' };
    case 'default':
      return { op, value: '' };
    case 'template':
      return { op, template: '{name}' };
    default:
      return { op };
  }
}

function TransformList({
  label,
  transforms,
  onChange,
  disabled,
}: {
  label: string;
  transforms: Transform[];
  onChange: (next: Transform[]) => void;
  disabled: boolean;
}) {
  const set = (i: number, t: Transform) => onChange(transforms.map((x, j) => (j === i ? t : x)));
  return (
    <div className="flex flex-wrap items-center gap-1">
      <span className="text-xs text-zinc-500">{label}</span>
      {transforms.map((t, i) => (
        <span
          key={i}
          className="inline-flex items-center gap-1 rounded bg-indigo-50 px-1.5 py-0.5 text-xs dark:bg-indigo-950"
        >
          {t.op}
          {t.op === 'truncate' ? (
            <input
              aria-label={`${label} truncate length`}
              type="number"
              min={1}
              className="w-16 rounded border border-zinc-300 px-1 dark:border-zinc-700 dark:bg-zinc-900"
              value={t.length}
              disabled={disabled}
              onChange={(e) => set(i, { op: 'truncate', length: Math.max(1, Number(e.target.value) || 1) })}
            />
          ) : null}
          {t.op === 'date' ? (
            <select
              aria-label={`${label} date format`}
              className="rounded border border-zinc-300 dark:border-zinc-700 dark:bg-zinc-900"
              value={t.format}
              disabled={disabled}
              onChange={(e) => set(i, { op: 'date', format: e.target.value as 'iso' })}
            >
              {['iso', 'date', 'epoch_ms', 'epoch_s'].map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          ) : null}
          {t.op === 'default' ? (
            <input
              aria-label={`${label} default value`}
              className="w-24 rounded border border-zinc-300 px-1 dark:border-zinc-700 dark:bg-zinc-900"
              value={String(t.value ?? '')}
              disabled={disabled}
              onChange={(e) => set(i, { op: 'default', value: e.target.value })}
            />
          ) : null}
          {t.op === 'template' ? (
            <input
              aria-label={`${label} template`}
              className="w-40 rounded border border-zinc-300 px-1 font-mono dark:border-zinc-700 dark:bg-zinc-900"
              value={t.template}
              disabled={disabled}
              onChange={(e) => set(i, { op: 'template', template: e.target.value || '{}' })}
            />
          ) : null}
          {!disabled ? (
            <button
              type="button"
              aria-label={`Remove ${t.op}`}
              className="text-zinc-500 hover:text-red-600"
              onClick={() => onChange(transforms.filter((_, j) => j !== i))}
            >
              ×
            </button>
          ) : null}
        </span>
      ))}
      {!disabled ? (
        <select
          aria-label={`Add transform ${label}`}
          className="rounded border border-zinc-300 text-xs dark:border-zinc-700 dark:bg-zinc-900"
          value=""
          onChange={(e) => {
            if (e.target.value)
              onChange([...transforms, defaultTransform(e.target.value as Transform['op'])]);
          }}
        >
          <option value="">+ transform</option>
          {TRANSFORM_OPS.map((op) => (
            <option key={op} value={op}>
              {op}
            </option>
          ))}
        </select>
      ) : null}
    </div>
  );
}

function FieldInput({
  label,
  value,
  object,
  listId,
  disabled,
  invalid,
  onChange,
}: {
  label: string;
  value: string | undefined;
  object: SchemaObject | undefined;
  listId: string;
  disabled: boolean;
  invalid: boolean;
  onChange: (v: string | undefined) => void;
}) {
  const spec = object && value ? object.fields[value.split('.')[0]!] : undefined;
  return (
    <div className="flex items-center gap-1">
      <input
        aria-label={label}
        list={listId}
        className={`${inputClass} w-44 font-mono ${invalid ? 'border-red-500 dark:border-red-500' : ''}`}
        aria-invalid={invalid || undefined}
        value={value ?? ''}
        disabled={disabled}
        placeholder="—"
        onChange={(e) => onChange(e.target.value.trim() === '' ? undefined : e.target.value.trim())}
      />
      {spec ? <span className="text-xs text-zinc-500">{spec.type}</span> : null}
    </div>
  );
}

function PairEditor({
  pair,
  index,
  schemas,
  issues,
  readOnly,
  onChange,
}: {
  pair: PairDraft;
  index: number;
  schemas: { a: SideSchemaView; b: SideSchemaView } | undefined;
  issues: MappingIssue[];
  readOnly: boolean;
  onChange: (next: PairDraft) => void;
}) {
  const objectA = schemas?.a.objects.find((o) => o.name === pair.a);
  const objectB = schemas?.b.objects.find((o) => o.name === pair.b);
  const setRow = (i: number, row: FieldRow) =>
    onChange({ ...pair, fields: pair.fields.map((f, j) => (j === i ? row : f)) });
  const listA = `fields-a-${index}`;
  const listB = `fields-b-${index}`;
  const pairIssues = issues.filter((x) => x.index === null);
  const note = (o: SchemaObject | undefined, side: 'a' | 'b') => {
    const s = schemas?.[side];
    if (!s) return 'loading schema…';
    if (s.error) return `schema unavailable (${s.error}): not checked`;
    if (!o) return 'object not found';
    return o.freeForm
      ? 'free-form: fields seen in its records, not checked'
      : `${Object.keys(o.fields).length} fields`;
  };
  return (
    <div
      className="space-y-2 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
      data-testid={`pair-${pair.name}`}
    >
      <div className="flex flex-wrap items-baseline gap-x-4 text-sm">
        <span className="font-semibold">{pair.name}</span>
        <span>
          A: <code>{pair.a}</code> <span className="text-xs text-zinc-500">({note(objectA, 'a')})</span>
        </span>
        <span>
          B: <code>{pair.b}</code> <span className="text-xs text-zinc-500">({note(objectB, 'b')})</span>
        </span>
      </div>
      {pairIssues.map((x) => (
        <p key={x.path} role="alert" className="text-xs text-red-600 dark:text-red-400">
          {x.message}
        </p>
      ))}
      <datalist id={listA}>
        {Object.keys(objectA?.fields ?? {}).map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <datalist id={listB}>
        {Object.keys(objectB?.fields ?? {}).map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <ul className="space-y-2">
        {pair.fields.map((f, i) => {
          const rowIssues = issues.filter((x) => x.index === i);
          return (
            <li
              key={i}
              className="space-y-1 border-t border-zinc-100 pt-2 dark:border-zinc-800"
              data-testid="mapping-row"
            >
              <div className="flex flex-wrap items-center gap-2">
                <FieldInput
                  label={`A field ${i + 1}`}
                  value={f.a}
                  object={objectA}
                  listId={listA}
                  disabled={readOnly}
                  invalid={rowIssues.some((x) => x.side === 'a' || x.side === null)}
                  onChange={(v) => setRow(i, { ...f, a: v })}
                />
                <select
                  aria-label={`Direction ${i + 1}`}
                  className={inputClass}
                  value={f.direction ?? 'both'}
                  disabled={readOnly}
                  onChange={(e) => setRow(i, { ...f, direction: e.target.value as FieldRow['direction'] })}
                >
                  <option value="both">↔</option>
                  <option value="a_to_b">→</option>
                  <option value="b_to_a">←</option>
                </select>
                <FieldInput
                  label={`B field ${i + 1}`}
                  value={f.b}
                  object={objectB}
                  listId={listB}
                  disabled={readOnly}
                  invalid={rowIssues.some((x) => x.side === 'b' || x.side === null)}
                  onChange={(v) => setRow(i, { ...f, b: v })}
                />
                {!readOnly ? (
                  <Button
                    variant="ghost"
                    aria-label={`Remove row ${i + 1}`}
                    onClick={() => onChange({ ...pair, fields: pair.fields.filter((_, j) => j !== i) })}
                  >
                    Remove
                  </Button>
                ) : null}
              </div>
              <div className="flex flex-wrap gap-4 pl-1">
                <TransformList
                  label={`to B ${i + 1}`}
                  transforms={f.toB ?? []}
                  disabled={readOnly}
                  onChange={(toB) => setRow(i, { ...f, toB })}
                />
                <TransformList
                  label={`to A ${i + 1}`}
                  transforms={f.toA ?? []}
                  disabled={readOnly}
                  onChange={(toA) => setRow(i, { ...f, toA })}
                />
              </div>
              {rowIssues.map((x) => (
                <p
                  key={x.path + x.message}
                  role="alert"
                  className="text-xs text-red-600 dark:text-red-400"
                  data-testid="mapping-error"
                >
                  {x.message}
                </p>
              ))}
            </li>
          );
        })}
      </ul>
      {!readOnly ? (
        <Button
          variant="secondary"
          onClick={() =>
            onChange({ ...pair, fields: [...pair.fields, { direction: 'both', toA: [], toB: [] }] })
          }
        >
          Add row
        </Button>
      ) : null}
    </div>
  );
}

export function MappingEditor({
  draft,
  schemas,
  issues,
  readOnly,
  onChange,
}: {
  draft: DefinitionDraft;
  schemas: { a: SideSchemaView; b: SideSchemaView } | undefined;
  issues: MappingIssue[];
  readOnly: boolean;
  onChange: (next: DefinitionDraft) => void;
}) {
  return (
    <div className="space-y-3">
      {draft.objects.map((pair, p) => (
        <PairEditor
          key={pair.name}
          pair={pair}
          index={p}
          schemas={schemas}
          readOnly={readOnly}
          issues={issues.filter((x) => x.path.startsWith(`objects.${p}.`) || x.path === `objects.${p}`)}
          onChange={(next) =>
            onChange({ ...draft, objects: draft.objects.map((x, j) => (j === p ? next : x)) })
          }
        />
      ))}
    </div>
  );
}
