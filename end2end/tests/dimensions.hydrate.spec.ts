// Spend and usage by who and what over known calls (fixtures.ts): Analytics grouped by a
// dimension from the filter bar or the Cost card, Logs narrowed by a user with a removable chip,
// the price table's catalog prices and billing rules, and an alert rule on one user.
import { expect, Page, test } from '@playwright/test';

import { watchConsole } from '../console';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL });

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('analytics groups by app and ranks by calls, in the URL, with stacked charts', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/analytics');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
  const groupBy = page.getByRole('group', { name: 'Group by' });
  await groupBy.getByRole('link', { name: 'app', exact: true }).click();
  await expect(page).toHaveURL(/group=app/);
  const rows = page.getByTestId('group-table').locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('group-range')).toContainText('2 of 2 apps');
  for (const name of ['checkout', 'search']) {
    await expect(rows.filter({ hasText: name }).locator('[data-col="calls"]')).toHaveText('60');
  }
  await expect(page.locator('#chart-group-requests')).toHaveAttribute('data-drawn', 'true');
  await page.getByRole('group', { name: 'Rank groups by' }).getByRole('link', { name: 'Calls' }).click();
  await expect(page).toHaveURL(/group=app&by=requests/);
  // A group's name opens its calls in Logs.
  await expect(rows.first().getByRole('link')).toHaveAttribute('href', /\/logs\?.*app=/);
  await groupBy.getByRole('link', { name: 'none' }).click();
  await expect(page.getByTestId('group-table')).toHaveCount(0);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');
  expect(problems).toEqual([]);
});

test('top spenders are one click from the cost card, which says what it covers', async ({ page }) => {
  await open(page, '/analytics');
  const cost = page.getByTestId('kpi-cost');
  await expect(cost.getByTestId('cost-coverage')).toContainText('% of calls');
  await cost.getByTestId('top-spenders').click();
  await expect(page).toHaveURL(/group=user&by=cost/);
  await expect(page.getByTestId('group-table').locator('tbody tr')).toHaveCount(3);
  await expect(page.getByTestId('group-range')).toContainText('whole UTC days');
});

test('logs narrow to one user from More filters and the chip removes it', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '/logs');
  await page.getByText('More filters').click();
  await page.locator('#filter-user').fill('u1');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/user=u1/);
  await expect(page.getByTestId('matching')).toHaveText('40 calls match');
  const chip = page.getByTestId('active-filters').getByRole('link', { name: /User = u1/ });
  await expect(chip).toBeVisible();
  await chip.click();
  await expect(page).not.toHaveURL(/user=u1/);
  await expect(page.getByTestId('matching')).toHaveText('154 calls match');
  expect(problems).toEqual([]);
});

test('the price table shows catalog prices and the billing rules', async ({ page }) => {
  await open(page, '/settings');
  await expect(page.getByTestId('billing-rules')).toContainText('billed only when they succeed');
  const qwen = page.getByTestId('price-row').filter({ hasText: 'qwen-plus' });
  await expect(qwen.getByTestId('catalog-price')).toContainText('built-in qwen-plus');
  const custom = page.getByTestId('price-row').filter({ hasText: 'wan-image' });
  await expect(custom.getByTestId('catalog-price')).toHaveText('no list price');
});
