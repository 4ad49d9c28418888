// Accounts in the browser: a signed-out visitor is sent to the login page and back, switches
// to another workspace, creates an API key in Settings, ingests with it, sees the call only
// in that workspace, and signs out.
import { expect, test } from '@playwright/test';

import { E2E_EMAIL, E2E_PASSWORD } from '../auth';
import { watchConsole } from '../console';

const base = () => process.env.MODELWATCH_BASE_URL!;

test('log in, switch workspace, create a key and ingest with it', async ({ browser }) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  const problems = watchConsole(page);

  await page.goto(`${base()}/logs?range=1h`);
  await expect(page).toHaveURL(/\/login\?next=%2Flogs%3Frange%3D1h$/);
  await page.getByLabel('E-mail').fill(E2E_EMAIL);
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toHaveText('Wrong e-mail address or password.');
  await expect(page.getByLabel('E-mail')).toHaveValue(E2E_EMAIL);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${base()}/logs?range=1h`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Logs');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId('account')).toHaveText(E2E_EMAIL);

  // Switch to the second workspace: the URL names it, and so does every link.
  await page.getByTestId('workspace').click();
  await page.getByTestId('workspace-option').filter({ hasText: 'staging' }).click();
  await expect(page).toHaveURL(/\/logs\?ws=\d+$/);
  const ws = new URL(page.url()).searchParams.get('ws');
  await expect(page.getByTestId('workspace')).toContainText('staging');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(`${base()}/settings?ws=${ws}`);
  await expect(page.getByTestId('settings-workspace')).toHaveText('staging');

  // A key, shown once, writes into this workspace.
  await page.getByLabel('Name of the new key').fill('browser key');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-key').textContent())!.trim();
  expect(secret).toMatch(/^mw_[0-9a-f]{48}$/);
  await expect(page.getByTestId('key-row').filter({ hasText: 'browser key' })).toContainText('active');
  const answer = await fetch(`${base()}/api/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ request_id: 'staging-call-1', timestamp: Date.now() - 5_000, model: 'stage-model', status: 200, latency_ms: 250 }]),
  });
  expect(answer.status).toBe(200);

  await nav.getByRole('link', { name: 'Logs' }).click();
  await expect(page).toHaveURL(`${base()}/logs?ws=${ws}`);
  await expect(page.getByTestId('logs-table').locator('tbody tr').filter({ hasText: 'staging-call-1' })).toBeVisible();
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', new RegExp(`ws=${ws}`));
  // The default workspace never sees it.
  await page.getByTestId('workspace').click();
  await page.getByTestId('workspace-option').filter({ hasText: 'default' }).click();
  await expect(page.getByTestId('workspace')).toContainText('default');
  await expect(page.getByText('No logs yet')).toBeVisible();
  await expect(page.getByTestId('logs-table')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto(`${base()}/analytics`);
  await expect(page).toHaveURL(/\/login\?next=/);
  expect(problems).toEqual([]);
  await context.close();
});
