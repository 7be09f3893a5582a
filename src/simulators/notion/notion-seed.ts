/**
 * @module Seeded Notion data: a "Tasks" database (Name, Status, Notes, Key, Estimate, Done) with pages, the same
 * on every run. The integration token and bot user are fixed so tests and the demo can rely on them.
 */
import { SimStore } from '../kit/sim-store.js';
import { truncateToMinute, uuidFactory, type NotionDatabase, type NotionPage } from './notion-state.js';

export const NOTION_TOKEN = 'ntn_simulator_datasync_000000000000000000000000';
export const NOTION_BOT_ID = '0b0b0b0b-0000-4000-8000-000000000001';
export const NOTION_WORKSPACE_ID = '0a0a0a0a-0000-4000-8000-000000000001';
export const NOTION_DATABASE_ID = 'dbdbdbdb-0000-4000-8000-000000000001';
export const NOTION_DATA_SOURCE_ID = 'd5d5d5d5-0000-4000-8000-000000000001';

const STATUSES = ['Todo', 'In progress', 'Done'];

export function seedNotion(count: number, nowMs: number): NotionDatabase {
  const nextUuid = uuidFactory('5a9e0000');
  const pages = new SimStore<NotionPage>();
  for (let n = 1; n <= count; n++) {
    const at = truncateToMinute(nowMs - (count - n + 1) * 60_000);
    pages.insert({
      id: nextUuid(),
      createdMs: at,
      lastEditedMs: at,
      archived: false,
      createdBy: NOTION_BOT_ID,
      lastEditedBy: NOTION_BOT_ID,
      props: {
        Name: `Task ${n}`,
        Status: STATUSES[n % STATUSES.length]!,
        Key: `task-${n}`,
        Done: n % 3 === 0,
        ...(n % 2 === 0 ? { Estimate: n } : {}),
      },
    });
  }
  return {
    id: NOTION_DATABASE_ID,
    dataSourceId: NOTION_DATA_SOURCE_ID,
    title: 'Tasks',
    nextUuid,
    pages,
    properties: [
      { id: 'title', name: 'Name', type: 'title' },
      {
        id: 'St%3Ax',
        name: 'Status',
        type: 'select',
        options: STATUSES.map((name, i) => ({ id: `opt-${i}`, name, color: 'default' })),
      },
      { id: 'No%3Ax', name: 'Notes', type: 'rich_text' },
      { id: 'Ke%3Ax', name: 'Key', type: 'rich_text' },
      { id: 'Es%3Ax', name: 'Estimate', type: 'number' },
      { id: 'Do%3Ax', name: 'Done', type: 'checkbox' },
    ],
  };
}
