// The Analytics page over known calls (fixtures.ts): every filter changes the URL in place and
// the numbers, the URL reproduces the view in a fresh browser (with and without JavaScript),
// and the charts draw.
import { Browser, expect, Page, test } from '@playwright/test';

import { STATE_FILE } from '../auth';
import { watchConsole } from '../console';
import { COUNTS } from '../fixtures';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL });

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

const requests = (page: Page) => page.getByTestId('kpi-requests').locator('.kpi-value');
const tableModels = (page: Page) => page.getByTestId('model-table').locator('tbody tr');

async function expectChartsDrawn(page: Page) {
  for (const id of ['chart-tokens', 'chart-requests', 'chart-latency']) {
    const chart = page.locator(`#${id}`);
    await expect(chart).toHaveAttribute('data-drawn', 'true');
    // The chart is drawn on a canvas about the box's size.
    const box = await chart.locator('canvas').first().boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(200);
    expect(box?.height ?? 0).toBeGreaterThan(150);
  }
}

async function freshView(browser: Browser, url: string, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ javaScriptEnabled, storageState: STATE_FILE });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

test('each filter changes the URL in place and the numbers follow', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));

  await expect(requests(page)).toHaveText(String(COUNTS.day));
  await expect(tableModels(page)).toHaveCount(3);
  await expectChartsDrawn(page);

  // Range.
  await page.getByRole('group', { name: 'Time range' }).getByRole('link', { name: '6h', exact: true }).click();
  await expect(page).toHaveURL(/\/analytics\?range=6h$/);
  await expect(requests(page)).toHaveText(String(COUNTS.sixHours));
  await expectChartsDrawn(page);

  // Granularity: only the choices that fit the range are offered.
  const granularity = page.getByRole('group', { name: 'Granularity' });
  await expect(granularity.getByRole('link')).toHaveText(['1m', '5m', '1h']);
  await granularity.getByRole('link', { name: '1h' }).click();
  await expect(page).toHaveURL(/range=6h&gran=1h$/);
  await expect(granularity.getByRole('link', { name: '1h' })).toHaveAttribute('aria-current', 'true');

  // Models: search narrows the list, apply filters to the checked model.
  const models = page.getByTestId('model-filter');
  await models.locator('summary').click();
  await models.getByRole('searchbox', { name: 'Search models' }).fill('qwen');
  await expect(models.getByRole('checkbox', { name: /wan-image/ })).toBeHidden();
  await models.getByRole('checkbox', { name: /qwen-plus/ }).check();
  await models.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/range=6h&gran=1h&models=qwen-plus$/);
  await expect(requests(page)).toHaveText(String(COUNTS.qwenSixHours));
  await expect(tableModels(page)).toHaveCount(1);

  // Sorting is part of the URL too and needs no refetch.
  await open(page, '/analytics?range=24h');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
  await page.getByTestId('model-table').locator('a[data-sort="p95"]').click();
  await expect(page).toHaveURL(/sort=p95&dir=desc$/);
  await expect(tableModels(page).first()).toHaveAttribute('data-model', 'wan-image');
  await page.getByTestId('model-table').locator('a[data-sort="p95"]').click();
  await expect(page).toHaveURL(/sort=p95&dir=asc$/);
  // cosy-voice always takes 900 ms; qwen-plus's p95 is about 914 ms.
  await expect(tableModels(page).first()).toHaveAttribute('data-model', 'cosy-voice');

  // A model's name filters the page to it; its Logs link keeps the range.
  const voice = tableModels(page).filter({ hasText: 'cosy-voice' });
  await expect(voice.getByRole('link', { name: 'Logs →' })).toHaveAttribute('href', '/logs?range=24h&model=cosy-voice');
  await voice.getByRole('link', { name: 'cosy-voice' }).click();
  await expect(page).toHaveURL(/models=cosy-voice/);
  await expect(requests(page)).toHaveText('10');
  await expect(page.getByTestId('kind-speech')).toContainText('5.00k');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');

  // The URL alone reproduces the view in a fresh browser, hydrated and without JavaScript.
  const url = page.url();
  for (const javaScriptEnabled of [true, false]) {
    const { context, page: fresh } = await freshView(browser, url, javaScriptEnabled);
    await expect(requests(fresh)).toHaveText('10');
    await expect(tableModels(fresh)).toHaveCount(1);
    if (javaScriptEnabled) await expectChartsDrawn(fresh);
    await context.close();
  }
  expect(problems).toEqual([]);
});

test('a custom UTC range and auto-refresh are in the URL', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics');
  const now = Number(process.env.MODELWATCH_DATA_NOW);
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 16);
  // From 30 minutes before the newest qwen call back to 2 hours earlier.
  const from = utc(now - 150 * 60_000);
  const to = utc(now - 30 * 60_000);
  const custom = page.getByTestId('custom-range');
  await custom.locator('summary').click();
  await custom.getByLabel('From (UTC)').fill(from);
  await custom.getByLabel('To (UTC)').fill(to);
  await custom.getByRole('button', { name: 'Apply range' }).click();
  await expect(page).toHaveURL(new RegExp(`from=${from.replace(':', '(%3A|:)')}&to=`));
  await expect(page.getByTestId('period')).toContainText(`${from.replace('T', ' ')} UTC`);
  await expect(custom.locator('summary')).toHaveClass(/active/);
  const count = Number(await requests(page).textContent());
  expect(count).toBeGreaterThan(10);
  expect(count).toBeLessThan(30);

  const updated = page.getByTestId('last-updated');
  const before = await updated.textContent();
  await page.getByRole('group', { name: 'Auto-refresh' }).getByRole('link', { name: '10 s' }).click();
  await expect(page).toHaveURL(/refresh=10s/);
  await expect(updated).not.toHaveText(before ?? '', { timeout: 15_000 });
  await page.getByRole('group', { name: 'Auto-refresh' }).getByRole('link', { name: 'Off' }).click();
  await expect(page).not.toHaveURL(/refresh=/);
  expect(problems).toEqual([]);
});

test('charts redraw in the other theme and an invalid URL says what is wrong', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics?range=24h');
  await expectChartsDrawn(page);
  await page.getByRole('button', { name: 'Switch between light and dark theme' }).click();
  await expectChartsDrawn(page);
  await expect(page.locator('#chart-tokens canvas')).toHaveCount(1);

  await page.goto('/analytics?gran=10s');
  await expect(page.getByTestId('analytics-error')).toContainText('gran: must be one of 1m, 5m, 1h, 1d');
  await page.getByRole('link', { name: 'Reset all filters' }).click();
  await expect(requests(page)).toHaveText(String(COUNTS.day));
  expect(problems).toEqual([]);
});

test('charts follow the system colour scheme while no theme is chosen', async ({ page }) => {
  const problems = watchConsole(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await open(page, '/analytics?range=24h');
  await expectChartsDrawn(page);
  // A redraw disposes the chart and creates a new canvas: mark the current one.
  await page.locator('#chart-latency canvas').evaluate((canvas) => canvas.setAttribute('data-old', 'yes'));
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('#chart-latency canvas')).toHaveCount(1);
  await expect(page.locator('#chart-latency canvas')).not.toHaveAttribute('data-old', 'yes');
  await expectChartsDrawn(page);
  expect(problems).toEqual([]);
});

test('the Models table scrolls inside its card instead of widening the page', async ({ page }) => {
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 1024, height: 800 });
  await open(page, '/analytics?range=24h');
  await expect(tableModels(page)).toHaveCount(3);
  const widths = await page.evaluate(() => {
    const wrap = document.querySelector('[data-testid="model-table"]')!.parentElement!;
    return {
      page: document.documentElement.scrollWidth,
      viewport: document.documentElement.clientWidth,
      table: wrap.scrollWidth,
      card: wrap.clientWidth,
    };
  });
  // The table is wider than its card here, so it must scroll there and only there.
  expect(widths.table).toBeGreaterThan(widths.card);
  expect(widths.page).toBeLessThanOrEqual(widths.viewport);
  expect(problems).toEqual([]);
});

test('the latency chart switches to a logarithmic axis through the URL', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics?range=24h');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
  const toggle = page.getByTestId('latency-axis');
  await expect(toggle).toHaveText('log axis');
  await page.locator('#chart-latency canvas').evaluate((canvas) => canvas.setAttribute('data-old', 'yes'));
  await toggle.click();
  await expect(page).toHaveURL(/range=24h&latency=log$/);
  await expect(toggle).toHaveText('linear axis');
  await expect(page.locator('#chart-latency canvas')).not.toHaveAttribute('data-old', 'yes');
  await expectChartsDrawn(page);
  // The report was not fetched again: the KPIs did not change and the page is the same document.
  await expect(requests(page)).toHaveText(String(COUNTS.day));
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');

  // The URL alone gives the log axis in a fresh browser.
  const { context, page: fresh } = await freshView(
    browser, new URL('/analytics?range=24h&latency=log', page.url()).toString(), true);
  await expect(fresh.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await expect(fresh.getByTestId('latency-axis')).toHaveText('linear axis');
  await expect(fresh.locator('#chart-latency')).toHaveAttribute('data-drawn', 'true');
  await context.close();

  await toggle.click();
  await expect(page).toHaveURL(/range=24h$/);
  expect(problems).toEqual([]);
});
