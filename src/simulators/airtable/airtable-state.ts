/**
 * @module The data behind the Airtable simulator: one base with tables (a schema of typed fields) and records
 * whose cell values are stored by field id, as Airtable does. Writes validate like the API: unknown field
 * names, wrong value types and unknown select options (without typecast) are 422s.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimStore } from '../kit/sim-store.js';
import { createIdFactory } from '../kit/sim-store.js';
import { airtableError } from './airtable-errors.js';

export type AirtableFieldType = 'singleLineText' | 'multilineText' | 'singleSelect' | 'number' | 'checkbox';

export interface AirtableField {
  id: string;
  name: string;
  type: AirtableFieldType;
  options?: { choices: { id: string; name: string }[] };
}

export interface AirtableRecord {
  id: string;
  createdMs: number;
  lastModifiedMs: number;
  /** Cell values by field id; empty cells are absent. */
  cells: Record<string, unknown>;
}

export interface AirtableTable {
  id: string;
  name: string;
  fields: AirtableField[];
  records: SimStore<AirtableRecord>;
}

export interface AirtableBase {
  id: string;
  name: string;
  tables: AirtableTable[];
  /** Per-simulator id sequences, so a fresh simulator always hands out the same ids. */
  ids: { record: () => string; choice: () => string; webhook: () => string };
}

export function createAirtableIds(): AirtableBase['ids'] {
  return {
    record: createIdFactory('rec', 14),
    choice: createIdFactory('sel', 14),
    webhook: createIdFactory('ach', 14),
  };
}

export function findTable(base: AirtableBase, idOrName: string): AirtableTable | undefined {
  const decoded = decodeURIComponent(idOrName);
  return base.tables.find((t) => t.id === decoded) ?? base.tables.find((t) => t.name === decoded);
}

export function fieldByName(table: AirtableTable, nameOrId: string): AirtableField | undefined {
  return table.fields.find((f) => f.name === nameOrId) ?? table.fields.find((f) => f.id === nameOrId);
}

const reject = (type: string, message: string) => new SimHttpError(airtableError(422, type, message));

/** Turns API `fields` (by name or id) into stored cells; throws the API's 422 on bad input. */
export function toCells(
  base: AirtableBase,
  table: AirtableTable,
  fields: unknown,
  typecast: boolean,
): Record<string, unknown> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields))
    throw reject('INVALID_REQUEST_MISSING_FIELDS', 'Could not find field "fields" in the request body');
  const cells: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(fields as Record<string, unknown>)) {
    const field = fieldByName(table, key);
    if (!field) throw reject('UNKNOWN_FIELD_NAME', `Unknown field name: "${key}"`);
    cells[field.id] = coerce(base, field, raw, typecast);
  }
  return cells;
}

function coerce(base: AirtableBase, field: AirtableField, raw: unknown, typecast: boolean): unknown {
  if (raw === null || raw === undefined || raw === '') return undefined;
  const wrong = () =>
    reject('INVALID_VALUE_FOR_COLUMN', `Field "${field.name}" cannot accept the provided value`);
  switch (field.type) {
    case 'singleLineText':
    case 'multilineText':
      if (typeof raw === 'string') return raw;
      if (typecast && (typeof raw === 'number' || typeof raw === 'boolean')) return String(raw);
      throw wrong();
    case 'number': {
      if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
      if (typecast && typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(Number(raw)))
        return Number(raw);
      throw wrong();
    }
    case 'checkbox':
      if (typeof raw === 'boolean') return raw || undefined;
      throw wrong();
    case 'singleSelect': {
      if (typeof raw !== 'string') throw wrong();
      const choices = field.options!.choices;
      if (!choices.some((c) => c.name === raw)) {
        if (!typecast)
          throw reject(
            'INVALID_MULTIPLE_CHOICE_OPTIONS',
            `Insufficient permissions to create new select option ""${raw}""`,
          );
        choices.push({ id: base.ids.choice(), name: raw });
      }
      return raw;
    }
  }
}

/** The API shape of a record: fields by name (or id), empty cells omitted. */
export function recordJson(table: AirtableTable, record: AirtableRecord, byFieldId = false, only?: string[]) {
  const fields: Record<string, unknown> = {};
  for (const field of table.fields) {
    const value = record.cells[field.id];
    if (value === undefined) continue;
    if (only && !only.includes(field.name) && !only.includes(field.id)) continue;
    fields[byFieldId ? field.id : field.name] = value;
  }
  return { id: record.id, createdTime: new Date(record.createdMs).toISOString(), fields };
}
