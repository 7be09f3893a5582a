/**
 * @module Field transforms. Each is total: a value it cannot handle (a number to trim, an unparseable date) passes
 * through unchanged rather than failing the record, because the other side's validation is the judge of values.
 */
import type { Transform } from './definition.js';

function formatDate(value: unknown, format: 'iso' | 'date' | 'epoch_ms' | 'epoch_s'): unknown {
  let ms: number;
  if (typeof value === 'number') ms = value > 1e11 ? value : value * 1000;
  else if (typeof value === 'string' && value.trim() !== '') ms = Date.parse(value);
  else return value;
  if (Number.isNaN(ms)) return value;
  const iso = new Date(ms).toISOString();
  switch (format) {
    case 'iso':
      return iso;
    case 'date':
      return iso.slice(0, 10);
    case 'epoch_ms':
      return ms;
    case 'epoch_s':
      return Math.floor(ms / 1000);
  }
}

/** Fills `{name}` placeholders from the canonical record; missing values render empty. */
export function renderTemplate(template: string, record: Record<string, unknown>): string {
  return template
    .replace(/\{([^{}]+)\}/g, (_, name: string) => {
      const v = record[name.trim()];
      return v === null || v === undefined ? '' : String(v);
    })
    .trim();
}

export function applyTransform(value: unknown, t: Transform, record: Record<string, unknown>): unknown {
  switch (t.op) {
    case 'trim':
      return typeof value === 'string' ? value.trim() : value;
    case 'lowercase':
      return typeof value === 'string' ? value.toLowerCase() : value;
    case 'uppercase':
      return typeof value === 'string' ? value.toUpperCase() : value;
    case 'truncate':
      return typeof value === 'string' && value.length > t.length ? value.slice(0, t.length) : value;
    case 'date':
      return formatDate(value, t.format);
    case 'default':
      return value === null || value === undefined || value === '' ? t.value : value;
    case 'template':
      return renderTemplate(t.template, record);
  }
}

export function applyTransforms(
  value: unknown,
  transforms: readonly Transform[],
  record: Record<string, unknown>,
): unknown {
  let out = value;
  for (const t of transforms) out = applyTransform(out, t, record);
  return out ?? null;
}
