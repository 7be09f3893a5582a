/**
 * Conflict review against a real `datasync start` and an Airtable simulator over HTTP: a two-way sync whose
 * Name and Notes policies are manual; one task edited on both sides raises a conflict; in the browser a person
 * filters the Conflicts list by sync, opens the conflict, keeps the local Name and the remote Notes, applies, and
 * watches the run that writes the answer end. Both sides then hold the chosen values: the local record read back
 * through the API, the Airtable record read back through Airtable's own API.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startAirtableSimulator,
  type AirtableSimulator,
} from '../../src/simulators/airtable/airtable-simulator.js';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

const KEY = 'dsk_browser_conflicts_key_0123456789abcdef';
const FINAL = ['success', 'partial', 'failed', 'cancelled'];

interface Run {
  id: string;
  status: string;
  counts: { created: number; updated: number; conflicts: number };
}
interface LocalRecord {
  id: string;
  version: number;
  data: Record<string, unknown>;
}
interface AirtableRecordJson {
  id: string;
  fields: Record<string, unknown>;
}

describe('conflict review', () => {
  let ui: UiHarness;
  let sim: AirtableSimulator;
  const call = <T>(method: string, route: string, body?: unknown) => ui.api<T>(method, route, body);

  /** Airtable's own list endpoint, as a third party reads the table. */
  async function airtableTasks(): Promise<AirtableRecordJson[]> {
    const res = await fetch(`${sim.url}/v0/${sim.baseId}/${sim.tableId}?pageSize=100`, {
      headers: { authorization: `Bearer ${sim.credentials.token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { records: AirtableRecordJson[] }).records;
  }

  /** Queues a run and polls it to its end (the worker runs inside `datasync start`). */
  async function runToEnd(syncId: string): Promise<Run> {
    const queued = await call<Run>('POST', `/syncs/${syncId}/runs`, { dryRun: false });
    for (;;) {
      const run = await call<Run>('GET', `/runs/${queued.id}`);
      if (FINAL.includes(run.status)) return run;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  beforeAll(async () => {
    sim = await startAirtableSimulator({ seedRecords: 5, rateLimit: false });
    ui = await startUi('conflicts-ui', { apiKey: KEY });
  });

  afterAll(async () => {
    await ui?.close();
    await sim?.close();
  });

  it('resolves a conflict by keeping the local Name and the remote Notes; both sides end with them', async () => {
    const connection = await call<{ id: string }>('POST', '/connections', {
      name: 'Airtable (conflicts test)',
      connector: 'airtable',
      settings: { baseUrl: sim.url, baseId: sim.baseId },
      credentials: { token: sim.credentials.token },
    });
    await call('POST', '/collections', { key: 'review_tasks', name: 'Review tasks' });
    const sync = await call<{ id: string }>('POST', '/syncs', {
      name: 'Tasks under review',
      definition: {
        a: { connector: 'collection' },
        b: { connectionId: connection.id },
        direction: 'two-way',
        objects: [
          {
            name: 'tasks',
            a: 'review_tasks',
            b: sim.tableId,
            matchKeys: ['key'],
            fields: [
              { a: 'name', b: 'Name' },
              { a: 'key', b: 'Key' },
              { a: 'notes', b: 'Notes' },
            ],
          },
        ],
        conflicts: {
          default: { policy: 'newest_wins' },
          fields: { name: { policy: 'manual' }, notes: { policy: 'manual' } },
        },
      },
    });
    const first = await runToEnd(sync.id);
    expect(first.status).toBe('success');
    expect(first.counts.created).toBe(5);

    // The same task rewritten on both sides, both fields.
    const local = (
      await call<{ data: LocalRecord[] }>('GET', '/collections/review_tasks/records?limit=100')
    ).data.find((r) => r.data.key === 'task-3')!;
    const remote = (await airtableTasks()).find((r) => r.fields.Key === 'task-3')!;
    expect(local && remote).toBeTruthy();
    await call('PUT', `/collections/review_tasks/records/${local.id}`, {
      data: { ...local.data, name: 'Task 3 (renamed in DataSync)', notes: 'notes written in DataSync' },
      version: local.version,
    });
    sim.ui.update(sim.tableId, remote.id, {
      Name: 'Task 3 (renamed on Airtable)',
      Notes: 'notes from Airtable',
    });
    const held = await runToEnd(sync.id);
    expect(held.counts.conflicts).toBe(1);

    const page: Page = await ui.signIn();
    await page.getByRole('link', { name: 'Conflicts' }).click();
    await page.getByLabel('Filter by status').selectOption('open');
    await page.getByLabel('Filter by sync').selectOption(sync.id);
    await page.waitForURL(/status=open/);
    await page.waitForURL(new RegExp(`syncId=${sync.id}`));
    const rows = page.locator('tbody tr');
    // Each filter refetches the list: wait until it has settled on the one row both filters leave.
    // (Read through locators: the UI's CSP forbids the string evaluation waitForFunction would need.)
    await expect
      .poll(
        async () => {
          const shown = await rows.allTextContents();
          return shown.length === 1 && shown[0]!.includes('name, notes');
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(await rows.count()).toBe(1);
    await screenshotBothThemes(page, 'conflicts-list');
    await rows.first().getByRole('link').first().click();

    const names = page.getByRole('table', { name: 'Values of name' });
    await names.getByText('Task 3 (renamed in DataSync)').waitFor();
    await names.getByText('Task 3 (renamed on Airtable)').waitFor();
    await names.getByText('Task 3', { exact: true }).waitFor(); // the base both sides last agreed on
    const apply = page.getByRole('button', { name: 'Apply' });
    expect(await apply.isDisabled()).toBe(true);
    await page.getByRole('radiogroup', { name: 'Answer for name' }).getByLabel('Keep local').check();
    expect(await apply.isDisabled()).toBe(true); // notes still has no answer
    await page.getByRole('radiogroup', { name: 'Answer for notes' }).getByLabel('Keep remote').check();
    await screenshotBothThemes(page, 'conflict-detail');
    await apply.click();

    const outcome = page.getByTestId('run-outcome');
    await outcome.getByText('success').waitFor({ timeout: 30_000 });
    // One write per side: the local record takes the remote Notes, the Airtable record the local Name.
    expect(await outcome.textContent()).toContain('2 updated · 0 errors');
    await page.getByTestId('answer-name').getByText('Kept local').waitFor();
    await page.getByTestId('answer-notes').getByText('Kept remote').waitFor();

    const localAfter = await call<LocalRecord>('GET', `/collections/review_tasks/records/${local.id}`);
    expect(localAfter.data).toMatchObject({
      name: 'Task 3 (renamed in DataSync)',
      notes: 'notes from Airtable',
    });
    const remoteAfter = (await airtableTasks()).find((r) => r.id === remote.id)!;
    expect(remoteAfter.fields).toMatchObject({
      Name: 'Task 3 (renamed in DataSync)',
      Notes: 'notes from Airtable',
    });

    // Settled: the next run finds both sides equal and raises nothing.
    const quiet = await runToEnd(sync.id);
    expect(quiet.status).toBe('success');
    expect(quiet.counts.updated + quiet.counts.conflicts).toBe(0);
    await page.close();
  }, 120_000);
});
