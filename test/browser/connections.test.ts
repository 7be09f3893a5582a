/**
 * In chromium against a real `datasync start`: Notion's webhook set-up (the simulator's subscription POSTs its
 * verification token to the hook URL; the Connections page reveals it once, then says it was copied), and a
 * person creating a second organization from the switcher, which then acts in it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNotionSimulator, type NotionSimulator } from '../../src/simulators/notion/notion-simulator.js';
import { startUi, type UiHarness } from '../helpers/browser.js';

describe('connections and organizations in the admin', () => {
  let ui: UiHarness;
  let notion: NotionSimulator;

  beforeAll(async () => {
    ui = await startUi('connections', { apiKey: `dsk_${randomBytes(24).toString('hex')}` });
    notion = await startNotionSimulator({ seedRecords: 0, rateLimit: false });
  });

  afterAll(async () => {
    await notion?.close();
    await ui?.close();
  });

  it('reveals the token Notion sent once, then shows it as copied', async () => {
    const connection = await ui.api<{ id: string }>('POST', '/connections', {
      name: 'Notion tasks',
      connector: 'notion',
      settings: { baseUrl: notion.url, databaseId: notion.credentials.databaseId },
      credentials: { token: notion.credentials.token },
    });
    const sub = await notion.subscribe(`${ui.url}/api/v1/hooks/${connection.id}`);
    expect(notion.webhooks.deliveries().at(-1)?.status).toBe(200);

    const page = await ui.signIn();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Notion tasks' });
    await row.getByRole('button', { name: 'Reveal verification token' }).click();
    await page.getByTestId('once-secret').waitFor();
    expect(await page.getByTestId('once-secret').textContent()).toBe(sub.verificationToken);
    await page.getByRole('button', { name: 'Done' }).click();
    await row.getByText(/token copied/).waitFor();
    expect(await row.getByRole('button', { name: 'Reveal verification token' }).count()).toBe(0);
    await page.close();
  });

  it('creates a second organization from the switcher and works in it', async () => {
    const page = await ui.signIn();
    await page.getByRole('button', { name: '+ New organization' }).click();
    await page.getByLabel('Organization name').fill('Second Brand');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    const switcher = page.getByRole('combobox', { name: /^Organization/ });
    const selected = async () => {
      const value = await switcher.inputValue({ timeout: 2000 });
      return switcher.locator(`option[value="${value}"]`).textContent({ timeout: 2000 });
    };
    await expect.poll(selected, { timeout: 10_000 }).toBe('Second Brand');
    // The new organization is empty: its connections list has none of the first one's.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Connections' }).click();
    await page.getByText('No connections yet').waitFor();
    await page.close();
  });
});
