import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshotBothThemes, startUi, type UiHarness } from '../helpers/browser.js';

describe('admin UI shell', () => {
  let ui: UiHarness;

  beforeAll(async () => {
    ui = await startUi('ui');
  });

  afterAll(() => ui?.close());

  it('serves the sign-in page for a deep link, and the page works in both themes', async () => {
    const page = await ui.browser.newPage();
    await page.goto(`${ui.url}/login`);
    await expect(page.getByRole('heading', { name: 'Sign in to DataSync' }).isVisible()).resolves.toBe(true);
    await expect(page.getByLabel('Email').isVisible()).resolves.toBe(true);
    await screenshotBothThemes(page, 'sign-in');
    await page.close();
  });

  it('signs in with the demo login, lands in the shell, and signs out', async () => {
    const { email, password } = ui.login;
    const { url } = ui;
    const page = await ui.browser.newPage();
    await page.goto(`${url}/`);
    await page.waitForURL(`${url}/login`);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByLabel('Email').fill(email!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Password').fill(password!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').waitFor();
    expect(await page.getByTestId('signed-in-as').textContent()).toBe(`${email} · owner`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Acme Holdings');
    await screenshotBothThemes(page, 'overview');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${url}/login`);
    await page.close();
  });

  it('walks the admin screens: sites of the demo, a new API key shown once, audit filters kept in the URL', async () => {
    const { email } = ui.login;
    const page = await ui.signIn();

    await page.getByRole('link', { name: 'Sites' }).click();
    for (const name of ['North', 'South', 'West']) await page.getByRole('heading', { name }).waitFor();
    await screenshotBothThemes(page, 'sites');

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('ci');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByTestId('once-secret').textContent();
    expect(key).toMatch(/^dsk_/);
    await page.getByRole('cell', { name: 'ci', exact: true }).waitFor();
    await screenshotBothThemes(page, 'api-keys');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('once-secret').count()).toBe(0);

    await page.getByRole('link', { name: 'Connections' }).click();
    await page.getByRole('cell', { name: 'site:north' }).waitFor();
    await screenshotBothThemes(page, 'connections');

    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('cell', { name: email! }).waitFor();
    await screenshotBothThemes(page, 'members');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Filter by action').fill('api_key.created');
    await page.getByLabel('Filter by action').press('Enter');
    await page.waitForURL(/action=api_key\.created/);
    await page.getByText('api_key.created').first().waitFor();
    await page.reload();
    await page.getByText('api_key.created').first().waitFor();
    expect(await page.getByLabel('Filter by action').inputValue()).toBe('api_key.created');
    await screenshotBothThemes(page, 'audit-log');
    await page.close();
  });
});
