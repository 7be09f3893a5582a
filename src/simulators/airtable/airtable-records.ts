/**
 * @module Record operations shared by the HTTP routes (source "publicApi") and the platform-side controls a test
 * uses to play a person editing in the Airtable UI (source "client"). Batches are validated as a whole before
 * anything is written, as the API is all-or-nothing per request; each call is one webhook transaction.
 */
import { SimHttpError } from '../kit/platform-error.js';
import type { SimClock } from '../kit/sim-clock.js';
import { airtableError } from './airtable-errors.js';
import {
  fieldByName,
  toCells,
  type AirtableBase,
  type AirtableRecord,
  type AirtableTable,
} from './airtable-state.js';
import type { AirtableWebhooks, TableChange } from './airtable-webhooks.js';

export const MAX_RECORDS_PER_WRITE = 10;

export interface RecordWrite {
  id?: string;
  fields: unknown;
}

export interface WriteResult {
  records: AirtableRecord[];
  createdRecords: string[];
  updatedRecords: string[];
}

export class AirtableRecords {
  constructor(
    private readonly base: AirtableBase,
    private readonly clock: SimClock,
    private readonly webhooks: AirtableWebhooks,
  ) {}

  checkBatch(count: number, verb: string): void {
    if (count === 0) throw new SimHttpError(airtableError(422, 'INVALID_RECORDS', `No records to ${verb}`));
    if (count > MAX_RECORDS_PER_WRITE)
      throw new SimHttpError(
        airtableError(
          422,
          'INVALID_RECORDS',
          `You can ${verb} at most ${MAX_RECORDS_PER_WRITE} records per request`,
        ),
      );
  }

  private notFound(id: string): SimHttpError {
    return new SimHttpError(
      airtableError(404, 'MODEL_ID_NOT_FOUND', `Could not find a record with ID "${id}".`),
    );
  }

  create(table: AirtableTable, writes: RecordWrite[], typecast: boolean, source: 'publicApi' | 'client') {
    const cells = writes.map((w) => toCells(this.base, table, w.fields, typecast));
    const now = this.clock.now();
    const created = cells.map((c) => {
      const record: AirtableRecord = {
        id: this.base.ids.record(),
        createdMs: now,
        lastModifiedMs: now,
        cells: strip(c),
      };
      table.records.insert(record);
      return record;
    });
    this.webhooks.record({ tableId: table.id, created, changed: [], destroyed: [] }, source);
    return created;
  }

  /**
   * PATCH merges, PUT replaces. With `mergeOn`, writes without an id are matched on those fields: none → create,
   * one → update, several → 422.
   */
  update(
    table: AirtableTable,
    writes: RecordWrite[],
    opts: { replace: boolean; typecast: boolean; mergeOn?: string[] },
    source: 'publicApi' | 'client',
  ): WriteResult {
    const plan = writes.map((w) => {
      const cells = toCells(this.base, table, w.fields, opts.typecast);
      if (w.id !== undefined) {
        const existing = table.records.get(w.id);
        if (!existing) throw this.notFound(w.id);
        return { existing, cells };
      }
      if (!opts.mergeOn)
        throw new SimHttpError(
          airtableError(422, 'INVALID_RECORDS', 'Each record must have an "id" unless performUpsert is set'),
        );
      const mergeIds = opts.mergeOn.map((name) => {
        const field = fieldByName(table, name);
        if (!field)
          throw new SimHttpError(airtableError(422, 'UNKNOWN_FIELD_NAME', `Unknown field name: "${name}"`));
        if (cells[field.id] === undefined)
          throw new SimHttpError(
            airtableError(
              422,
              'INVALID_MERGE_FIELD',
              `Field "${name}" used in fieldsToMergeOn must have a value`,
            ),
          );
        return field.id;
      });
      const matches = table.records.values().filter((r) => mergeIds.every((id) => r.cells[id] === cells[id]));
      if (matches.length > 1)
        throw new SimHttpError(
          airtableError(
            422,
            'INVALID_MERGE_FIELD',
            'More than one record matches the fieldsToMergeOn values',
          ),
        );
      return { existing: matches[0], cells };
    });
    const now = this.clock.now();
    const result: WriteResult = { records: [], createdRecords: [], updatedRecords: [] };
    const change: TableChange = { tableId: table.id, created: [], changed: [], destroyed: [] };
    for (const { existing, cells } of plan) {
      if (!existing) {
        const record: AirtableRecord = {
          id: this.base.ids.record(),
          createdMs: now,
          lastModifiedMs: now,
          cells: strip(cells),
        };
        table.records.insert(record);
        result.records.push(record);
        result.createdRecords.push(record.id);
        change.created.push(record);
        continue;
      }
      const next = strip(opts.replace ? cells : { ...existing.cells, ...cells });
      const changedFieldIds = [...new Set([...Object.keys(existing.cells), ...Object.keys(next)])].filter(
        (id) => JSON.stringify(existing.cells[id]) !== JSON.stringify(next[id]),
      );
      const updated: AirtableRecord = {
        ...existing,
        cells: next,
        lastModifiedMs: changedFieldIds.length ? now : existing.lastModifiedMs,
      };
      table.records.replace(existing.id, updated);
      result.records.push(updated);
      result.updatedRecords.push(updated.id);
      if (changedFieldIds.length)
        change.changed.push({ record: updated, changedFieldIds, previous: existing.cells });
    }
    this.webhooks.record(change, source);
    return result;
  }

  destroy(table: AirtableTable, ids: string[], source: 'publicApi' | 'client'): string[] {
    for (const id of ids) if (!table.records.get(id)) throw this.notFound(id);
    for (const id of ids) table.records.delete(id);
    this.webhooks.record({ tableId: table.id, created: [], changed: [], destroyed: ids }, source);
    return ids;
  }
}

function strip(cells: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cells).filter(([, v]) => v !== undefined));
}
