// Connecting an app without the README: Analytics' empty state leads to Settings, a new key is
// shown once with snippets filled with this server's real address and the key, each with a
// Copy button, and the curl snippet, pasted into a shell, records a call that Logs then shows.
// The key is made in the second workspace ("staging"), so the default one stays empty.
import { execFileSync } from 'node:child_process';

import { expect, Page, test } from '@playwright/test';

import { watchConsole } from '../console';

const base = () => process.env.MODELWATCH_BASE_URL!;

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test("Analytics' empty state links to where a key is made", async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics');
  await expect(page.getByText('No model calls recorded yet')).toBeVisible();
  await page.getByTestId('connect-app').click();
  await expect(page).toHaveURL(`${base()}/settings#connect`);
  await expect(page.getByTestId('connect-hint')).toContainText('Connect an app: create a key below');
  expect(problems).toEqual([]);
});

test('a new key comes with snippets for this server that work when pasted', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/settings');
  await page.getByTestId('workspace').click();
  await page.getByTestId('workspace-option').filter({ hasText: 'staging' }).click();
  await expect(page).toHaveURL(/\/settings\?ws=\d+$/);
  const ws = new URL(page.url()).searchParams.get('ws');
  await expect(page.getByTestId('settings-workspace')).toHaveText('staging');

  await page.getByLabel('Name of the new key').fill('snippet key');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = (await page.getByTestId('new-key').textContent())!.trim();
  expect(secret).toMatch(/^mw_[0-9a-f]{48}$/);
  const snippets = page.getByTestId('connect-snippets');
  await expect(snippets.locator('figure')).toHaveCount(4);
  const text = async (id: string) => (await snippets.locator(`[data-snippet="${id}"] pre`).textContent())!;
  // The address the browser used (a loopback address and a free port), never a guess.
  expect(await text('curl')).toContain(`curl -s ${base()}/api/v1/requests`);
  expect(await text('curl')).toContain(`Authorization: Bearer ${secret}`);
  expect(await text('python')).toContain(`OpenAI(base_url="${base()}/proxy/v1", api_key="${secret}")`);
  expect(await text('javascript')).toContain(`new OpenAI({ baseURL: "${base()}/proxy/v1", apiKey: "${secret}" })`);
  expect(await text('otel')).toContain(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${base()}/v1/traces`);
  expect(await text('otel')).toContain(`OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer%20${secret}"`);

  // Copy puts the snippet's exact text on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base() });
  const curl = snippets.locator('[data-snippet="curl"]');
  await curl.getByRole('button', { name: 'Copy: Send a call with curl' }).click();
  await expect(curl.getByRole('status')).toHaveText('Copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await text('curl'));

  // Pasted into a shell, it records a call in this workspace.
  const answer = JSON.parse(execFileSync('bash', ['-c', copied]).toString());
  expect(answer).toEqual({ accepted: 1, duplicates: 0, rejected: 0, errors: [] });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Logs' }).click();
  await expect(page).toHaveURL(`${base()}/logs?ws=${ws}`);
  await expect(page.getByTestId('logs-table').locator('tbody tr').filter({ hasText: 'gpt-4o-mini' })).toHaveCount(1);
  expect(problems).toEqual([]);
});
