/**
 * A sync's conflict and delete rules: the default conflict policy, per-field overrides (by canonical field
 * name), the delete policy and the mass-delete guard. `state_order` takes its ranks as text: comma between
 * ranks, `|` inside one (`draft, queued, published|failed`).
 */
import { useState } from 'react';
import { Button } from './ui';
import { inputClass } from './MappingEditor';
import {
  canonicalName,
  orderToText,
  POLICIES,
  POLICY_HINTS,
  textToOrder,
  type DefinitionDraft,
  type Guard,
  type Policy,
  type PolicyName,
} from '../lib/sync-definition';

function PolicyPicker({
  label,
  value,
  disabled,
  onChange,
}: {
  label: string;
  value: Policy;
  disabled: boolean;
  onChange: (p: Policy) => void;
}) {
  // The order is kept as typed so a trailing comma or `|` does not vanish under the cursor.
  const [orderText, setOrderText] = useState(value.policy === 'state_order' ? orderToText(value.order) : '');
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <select
        aria-label={label}
        className={inputClass}
        value={value.policy}
        disabled={disabled}
        onChange={(e) => {
          const policy = e.target.value as PolicyName;
          onChange(
            policy === 'state_order'
              ? {
                  policy,
                  order: textToOrder(orderText).length ? textToOrder(orderText) : ['draft', 'published'],
                }
              : { policy },
          );
          if (policy === 'state_order' && !orderText) setOrderText('draft, published');
        }}
      >
        {POLICIES.map((p) => (
          <option key={p} value={p} title={POLICY_HINTS[p]}>
            {p}
          </option>
        ))}
      </select>
      {value.policy === 'state_order' ? (
        <input
          aria-label={`${label} order`}
          className={`${inputClass} w-64 font-mono`}
          value={orderText}
          disabled={disabled}
          placeholder="draft, queued, published|failed"
          onChange={(e) => {
            setOrderText(e.target.value);
            const order = textToOrder(e.target.value);
            if (order.length > 0) onChange({ policy: 'state_order', order });
          }}
        />
      ) : null}
    </span>
  );
}

function NumberInput({
  label,
  value,
  disabled,
  onChange,
  max,
}: {
  label: string;
  value: number | undefined;
  disabled: boolean;
  onChange: (v: number | undefined) => void;
  max?: number;
}) {
  return (
    <label className="inline-flex items-center gap-1 text-sm">
      {label}
      <input
        aria-label={label}
        type="number"
        min={0}
        max={max}
        className={`${inputClass} w-24`}
        value={value ?? ''}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    </label>
  );
}

export function PolicyEditor({
  draft,
  readOnly,
  onChange,
}: {
  draft: DefinitionDraft;
  readOnly: boolean;
  onChange: (next: DefinitionDraft) => void;
}) {
  const conflicts = draft.conflicts ?? { default: { policy: 'local_wins' as const }, fields: {} };
  const deletes = draft.deletes ?? { policy: 'propagate' as const, guard: { maxPercent: 25, minCount: 10 } };
  const names = [...new Set(draft.objects.flatMap((p) => p.fields.map(canonicalName)).filter(Boolean))];
  const overridden = Object.keys(conflicts.fields);
  const free = names.filter((n) => !overridden.includes(n));
  const [adding, setAdding] = useState('');
  const setConflicts = (next: typeof conflicts) => onChange({ ...draft, conflicts: next });
  const setGuard = (guard: Guard | null) => onChange({ ...draft, deletes: { ...deletes, guard } });
  return (
    <div className="space-y-5 text-sm">
      <section className="space-y-2">
        <h3 className="font-semibold">Conflicts</h3>
        <div className="flex items-center gap-2">
          <span className="w-40">Default policy</span>
          <PolicyPicker
            label="Default conflict policy"
            value={conflicts.default}
            disabled={readOnly}
            onChange={(p) => setConflicts({ ...conflicts, default: p })}
          />
        </div>
        <ul className="space-y-1">
          {overridden.map((field) => (
            <li key={field} className="flex items-center gap-2" data-testid={`policy-${field}`}>
              <code className="w-40">{field}</code>
              <PolicyPicker
                label={`Policy for ${field}`}
                value={conflicts.fields[field]!}
                disabled={readOnly}
                onChange={(p) => setConflicts({ ...conflicts, fields: { ...conflicts.fields, [field]: p } })}
              />
              {!readOnly ? (
                <Button
                  variant="ghost"
                  aria-label={`Remove override ${field}`}
                  onClick={() => {
                    const { [field]: _, ...rest } = conflicts.fields;
                    setConflicts({ ...conflicts, fields: rest });
                  }}
                >
                  Remove
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
        {!readOnly && free.length > 0 ? (
          <div className="flex items-center gap-2">
            <select
              aria-label="Field to override"
              className={inputClass}
              value={adding}
              onChange={(e) => setAdding(e.target.value)}
            >
              <option value="">field…</option>
              {free.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <Button
              variant="secondary"
              disabled={!adding}
              onClick={() => {
                setConflicts({
                  ...conflicts,
                  fields: { ...conflicts.fields, [adding]: { policy: 'remote_wins' } },
                });
                setAdding('');
              }}
            >
              Add field policy
            </Button>
          </div>
        ) : null}
      </section>
      <section className="space-y-2">
        <h3 className="font-semibold">Deletes</h3>
        <div className="flex items-center gap-2">
          <span className="w-40">Delete policy</span>
          <select
            aria-label="Delete policy"
            className={inputClass}
            value={deletes.policy}
            disabled={readOnly}
            onChange={(e) =>
              onChange({ ...draft, deletes: { ...deletes, policy: e.target.value as typeof deletes.policy } })
            }
          >
            <option value="propagate">propagate</option>
            <option value="ignore">ignore</option>
            <option value="archive">archive</option>
          </select>
        </div>
        <label className="flex items-center gap-2">
          <input
            type="checkbox"
            checked={deletes.guard !== null}
            disabled={readOnly}
            onChange={(e) => setGuard(e.target.checked ? { maxPercent: 25, minCount: 10 } : null)}
          />
          Mass-delete guard: hold a run's deletes for approval past these limits
        </label>
        {deletes.guard ? (
          <div className="flex flex-wrap gap-4 pl-6">
            <NumberInput
              label="Max count"
              value={deletes.guard.maxCount}
              disabled={readOnly}
              onChange={(v) => setGuard({ ...deletes.guard, maxCount: v })}
            />
            <NumberInput
              label="Max percent"
              max={100}
              value={deletes.guard.maxPercent}
              disabled={readOnly}
              onChange={(v) => setGuard({ ...deletes.guard, maxPercent: v })}
            />
            <NumberInput
              label="Min count"
              value={deletes.guard.minCount}
              disabled={readOnly}
              onChange={(v) => setGuard({ ...deletes.guard, minCount: v })}
            />
          </div>
        ) : null}
      </section>
    </div>
  );
}
