/**
 * @module Seeded Airtable data: base `appSimBase0000001` with a "Tasks" table (Name, Status, Notes, Key, Estimate,
 * Done), the same on every run so tests and the demo can rely on it.
 */
import { SimStore } from '../kit/sim-store.js';
import { createAirtableIds, type AirtableBase, type AirtableRecord } from './airtable-state.js';

export const AIRTABLE_BASE_ID = 'appSimBase0000001';
export const AIRTABLE_TABLE_ID = 'tblSimTasks000001';
export const AIRTABLE_TOKEN = 'patSimulator.datasync0000000000000000000000000000';

const STATUSES = ['Todo', 'In progress', 'Done'];

export function seedAirtable(count: number, startMs: number): AirtableBase {
  const ids = createAirtableIds();
  const records = new SimStore<AirtableRecord>();
  for (let n = 1; n <= count; n++) {
    const at = startMs - (count - n + 1) * 60_000;
    records.insert({
      id: ids.record(),
      createdMs: at,
      lastModifiedMs: at,
      cells: {
        fldName0000000001: `Task ${n}`,
        fldStatus00000001: STATUSES[n % STATUSES.length],
        fldKey00000000001: `task-${n}`,
        ...(n % 2 === 0 ? { fldEstimate000001: n } : {}),
      },
    });
  }
  return {
    id: AIRTABLE_BASE_ID,
    name: 'DataSync simulator',
    ids,
    tables: [
      {
        id: AIRTABLE_TABLE_ID,
        name: 'Tasks',
        fields: [
          { id: 'fldName0000000001', name: 'Name', type: 'singleLineText' },
          {
            id: 'fldStatus00000001',
            name: 'Status',
            type: 'singleSelect',
            options: { choices: STATUSES.map((name, i) => ({ id: `selStatus0000000${i}`, name })) },
          },
          { id: 'fldNotes000000001', name: 'Notes', type: 'multilineText' },
          { id: 'fldKey00000000001', name: 'Key', type: 'singleLineText' },
          { id: 'fldEstimate000001', name: 'Estimate', type: 'number' },
          { id: 'fldDone0000000001', name: 'Done', type: 'checkbox' },
        ],
        records,
      },
    ],
  };
}
