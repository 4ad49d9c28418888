// The wasm is cut per page (app/src/pages.rs, scripts/split-wasm): a first load fetches the
// main module and the open page's code, a navigation only the next page's, and the chart
// script (uPlot) is fetched only by pages that draw charts. Over known calls (fixtures.ts), so Analytics has
// charts to draw.
import { expect, Page, test } from '@playwright/test';

import { watchConsole } from '../console';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL });

async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('every page hydrates with a clean console, and the chart script loads, locally, only where charts are', async ({ page }) => {
  const errors = watchConsole(page);
  const external: string[] = [];
  const library: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(process.env.MODELWATCH_DATA_URL!)) external.push(request.url());
    if (request.url().endsWith('/charts.min.js')) library.push(new URL(request.url()).pathname);
  });
  // Pages that draw no chart (Alerts does: its rule editor's preview).
  for (const path of ['/logs', '/settings']) {
    await gotoHydrated(page, path);
    await expect(page.getByTestId('workspace')).toContainText('default');
    expect(await page.evaluate(() => typeof (window as any).modelwatchCharts), path).toBe('undefined');
  }
  expect(library).toEqual([]);
  await gotoHydrated(page, '/analytics');
  await expect(page.locator('#chart-tokens')).toHaveAttribute('data-drawn', 'true');
  expect(await page.evaluate(() => typeof (window as any).modelwatchCharts?.draw)).toBe('function');
  expect(library).toHaveLength(1);
  expect(library[0]).toMatch(/^\/pkg\/[0-9a-f]{16}\/charts\.min\.js$/);
  expect(external).toEqual([]);
  expect(errors).toEqual([]);
});

test("each page's code is its own wasm chunk: a navigation fetches only the next page's", async ({ page }) => {
  const errors = watchConsole(page);
  const fetched: string[] = [];
  page.on('request', (request) => {
    const file = new URL(request.url()).pathname.split('/').pop()!;
    if (file.endsWith('.wasm') || file.endsWith('.js')) fetched.push(file);
  });
  const splits = () => fetched.filter((file) => file.startsWith('split_')).map((file) => file.replace(/_\d+\.wasm$/, ''));

  await gotoHydrated(page, '/logs');
  // The main module and the Logs page's own code, not the other pages'.
  expect(fetched).toContain('modelwatch_bg.wasm');
  expect(splits()).toEqual(['split___logs_route_view']);
  expect(fetched).not.toContain('charts.min.js');

  const nav = page.getByRole('navigation', { name: 'Main' });
  fetched.length = 0;
  await nav.getByRole('link', { name: 'Analytics' }).click();
  await expect(page.locator('#chart-tokens')).toHaveAttribute('data-drawn', 'true');
  expect(splits()).toEqual(['split___analytics_route_view']);
  expect(fetched).toContain('charts.min.js');
  expect(fetched).not.toContain('modelwatch_bg.wasm');

  // Back to a page already loaded: nothing more to fetch.
  fetched.length = 0;
  await nav.getByRole('link', { name: 'Logs' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Logs');
  await expect(page.getByTestId('logs-table').locator('tbody tr').first()).toBeVisible();
  expect(fetched.filter((file) => file.endsWith('.wasm') || file === 'charts.min.js')).toEqual([]);
  expect(errors).toEqual([]);
});
