// The Logs tab over known calls (fixtures.ts): filters and pages change the URL in place, a
// row or its Details link opens its details (List and JSON, and a JSON download), Escape closes
// them, a shared `?id=` link opens the same call in a fresh browser, and the export downloads
// exactly the filtered rows.
import { readFileSync } from 'node:fs';

import { expect, Page, test } from '@playwright/test';

import { STATE_FILE } from '../auth';
import { watchConsole } from '../console';
import { COUNTS } from '../fixtures';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL });

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
}

const rows = (page: Page) => page.getByTestId('logs-table').locator('tbody tr');
const firstId = (page: Page) => rows(page).first().locator('.request-id');
const matching = (page: Page) => page.getByTestId('matching');

async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');
}

test('filters and pages change the URL in place', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/logs');
  await expect(page.getByTestId('retention')).toContainText('kept for 14 days');
  await expect(matching(page)).toHaveText(`${COUNTS.day} calls match`);
  await expect(rows(page)).toHaveCount(50);
  await expect(firstId(page)).toHaveText('qwen-0');

  // Model.
  const models = page.getByTestId('model-filter');
  await models.locator('summary').click();
  await models.getByLabel('qwen-plus').check();
  await models.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/\/logs\?model=qwen-plus$/);
  await expect(matching(page)).toHaveText(`${COUNTS.qwenDay} calls match`);

  // Status class.
  await page.getByLabel('Status', { exact: true }).fill('5xx');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=5xx/);
  await expect(rows(page)).toHaveCount(12);
  await expect(matching(page)).toHaveText('12 calls match');
  for (const status of await rows(page).locator('.status').allTextContents()) expect(status).toBe('500');

  // Request ID prefix (and the status filter cleared).
  await page.getByLabel('Status', { exact: true }).fill('');
  await page.getByLabel('Request ID', { exact: true }).fill('qwen-11*');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/request_id=qwen-11\*/);
  await expect(rows(page)).toHaveCount(11);
  await expect(firstId(page)).toHaveText('qwen-11');
  await page.getByLabel('Request ID', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(rows(page)).toHaveCount(50);

  // Page forward twice and back.
  await page.getByRole('link', { name: 'Older →' }).click();
  await expect(page).toHaveURL(/before=\d+\.\d+/);
  await expect(firstId(page)).toHaveText('qwen-50');
  await page.getByRole('link', { name: 'Older →' }).click();
  await expect(rows(page)).toHaveCount(20);
  await expect(firstId(page)).toHaveText('qwen-100');
  await expect(page.getByText('Older →')).toHaveAttribute('aria-disabled', 'true');
  await page.getByRole('link', { name: '← Newer' }).click();
  await expect(page).toHaveURL(/after=\d+\.\d+/);
  await expect(firstId(page)).toHaveText('qwen-50');
  await expect(rows(page)).toHaveCount(50);
  await page.getByRole('link', { name: '← Newer' }).click();
  await expect(firstId(page)).toHaveText('qwen-0');
  await expectSameDocument(page);
  expect(problems).toEqual([]);
});

test('a row opens its details in List and JSON views, and Escape closes them', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/logs?model=qwen-plus');
  await rows(page).filter({ hasText: 'qwen-3' }).first().click();
  await expect(page).toHaveURL(/id=qwen-3$/);
  const panel = page.getByTestId('log-details');
  await expect(panel.getByRole('heading', { name: 'qwen-3' })).toBeVisible();
  const list = panel.getByTestId('detail-list');
  await expect(list).toContainText('qwen-plus');
  await expect(list).toContainText('1,000');
  await expect(list.locator('.status')).toHaveText('200');

  await panel.getByRole('tab', { name: 'JSON' }).click();
  await expect(page).toHaveURL(/view=json/);
  const json = panel.getByTestId('json-view');
  await expect(json).toContainText('"request_id": "qwen-3"');
  await expect(json).toContainText('"input_tokens": 1000');
  // Copy puts the whole call, pretty-printed, on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: process.env.MODELWATCH_DATA_URL,
  });
  await json.getByRole('button', { name: 'Copy JSON' }).click();
  await expect(json.getByRole('status')).toHaveText('Copied');
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText()));
  expect(copied.request_id).toBe('qwen-3');
  expect(copied.usage.input_tokens).toBe(1000);
  // Objects fold.
  const usage = json.locator('details', { hasText: '"usage"' }).last();
  await usage.locator('summary').click();
  await expect(usage).not.toHaveAttribute('open', '');
  await panel.getByRole('tab', { name: 'List' }).click();
  await expect(panel.getByTestId('detail-list')).toBeVisible();

  // Enter on a focused row opens that row.
  await rows(page).filter({ hasText: 'qwen-4' }).first().focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/id=qwen-4/);
  await expect(panel.getByRole('heading', { name: 'qwen-4' })).toBeVisible();

  await page.keyboard.press('Escape');
  await expect(page).not.toHaveURL(/id=/);
  await expect(page.getByTestId('log-details')).toHaveCount(0);
  await expectSameDocument(page);
  expect(problems).toEqual([]);
});

test('each row has a Details link reached by keyboard, and the panel downloads the call as JSON', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/logs?model=qwen-plus');
  const details = page.getByRole('link', { name: 'Details of qwen-5', exact: true });
  await expect(details).toBeVisible();
  await expect(details).toHaveText('Details');
  await details.click();
  await expect(page).toHaveURL(/\/logs\?model=qwen-plus&id=qwen-5$/);
  const panel = page.getByTestId('log-details');
  await expect(panel.getByRole('heading', { name: 'qwen-5' })).toBeVisible();

  // Tab from a focused row reaches its Details link; Enter follows it.
  await rows(page).filter({ hasText: 'qwen-7' }).first().focus();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Details of qwen-7', exact: true })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/id=qwen-7$/);
  await expect(panel.getByRole('heading', { name: 'qwen-7' })).toBeVisible();

  // The download is a real file: the call as the JSON view shows it.
  const link = panel.getByTestId('download-json');
  await expect(link).toHaveAttribute('href', '/api/v1/logs/call?id=qwen-7');
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  expect(download.suggestedFilename()).toBe('modelwatch-call-qwen-7.json');
  const call = JSON.parse(readFileSync(await download.path()).toString());
  expect(call.request_id).toBe('qwen-7');
  expect(call.model).toBe('qwen-plus');
  expect(call.usage.input_tokens).toBe(1000);
  expect(call).toHaveProperty('request_body');
  await expect(page).toHaveURL(/id=qwen-7$/);
  await expectSameDocument(page);
  expect(problems).toEqual([]);
});

test('a shared id link opens the call in a fresh browser, with and without JavaScript', async ({ browser }) => {
  const url = `${process.env.MODELWATCH_DATA_URL}/logs?model=qwen-plus&id=qwen-10&view=json`;
  for (const javaScriptEnabled of [false, true]) {
    const context = await browser.newContext({ javaScriptEnabled, storageState: STATE_FILE });
    const page = await context.newPage();
    await page.goto(url);
    const panel = page.getByTestId('log-details');
    await expect(panel.getByRole('heading', { name: 'qwen-10' })).toBeVisible();
    await expect(panel.getByTestId('json-view')).toContainText('"status": 500');
    await expect(rows(page).filter({ hasText: 'qwen-10' }).first()).toHaveClass(/selected/);
    await context.close();
  }
});

test('the export downloads exactly the filtered rows', async ({ page }) => {
  await open(page, '/logs?model=qwen-plus&status=5xx');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  expect(csv.suggestedFilename()).toMatch(/^modelwatch-logs-\d{8}T\d{4}Z-\d{8}T\d{4}Z\.csv$/);
  const lines = readFileSync(await csv.path()).toString().trimEnd().split('\r\n');
  expect(lines[0].split(',')[0]).toBe('request_id');
  const ids = lines.slice(1).map((line) => line.split(',')[0]);
  expect(ids).toEqual(Array.from({ length: 12 }, (_, k) => `qwen-${k * 10}`));

  await page.goto('/logs?model=cosy-voice');
  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  expect(jsonl.suggestedFilename()).toMatch(/\.jsonl$/);
  const records = readFileSync(await jsonl.path())
    .toString()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(records.map((record) => record.request_id)).toEqual(Array.from({ length: 10 }, (_, k) => `voice-${k}`));
  expect(records.every((record) => record.usage.characters === 500 && record.model_kind === 'speech')).toBe(true);
});
