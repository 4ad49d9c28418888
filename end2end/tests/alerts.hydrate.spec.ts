// Alerts on their own server (rules evaluated every second there): a rule is created in the
// editor (checked as you type), calls that trip it are ingested, and the toast, the bell and
// the history appear without a reload.
import { expect, Page, test } from '@playwright/test';

import { watchConsole } from '../console';

test.use({ baseURL: process.env.MODELWATCH_ALERTS_URL });

async function ingest(calls: object[]) {
  const answer = await fetch(`${process.env.MODELWATCH_ALERTS_URL}/api/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.MODELWATCH_ALERTS_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(calls),
  });
  expect(answer.ok).toBe(true);
}

test('a rule made in the editor fires on new calls and the toast appears without a reload', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/alerts');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
  await expect(page.getByTestId('no-rules')).toBeVisible();

  const editor = page.getByTestId('rule-editor');
  const field = (name: string) => editor.locator(`[data-field="${name}"]`);
  // Nothing is red before anything was typed; a save shows every problem and saves nothing;
  // after that, fields are checked as you type.
  await expect(editor.locator('.field-problem:not(:empty)')).toHaveCount(0);
  await expect(field('name')).not.toHaveClass(/invalid/);
  await editor.getByRole('button', { name: 'Save rule' }).click();
  await expect(field('name').locator('.field-problem')).toHaveText('a rule needs a name');
  await expect(field('name')).toHaveClass(/invalid/);
  await expect(page.getByTestId('rule-row')).toHaveCount(0);
  await field('name').locator('input').fill('Server errors');
  await expect(field('name').locator('.field-problem')).toBeEmpty();
  await field('metric').locator('select').selectOption('status_count');
  await field('status').locator('input').fill('6xx');
  await expect(field('status').locator('.field-problem')).toContainText('5xx');
  await field('status').locator('input').fill('5xx');
  await field('threshold').locator('input').fill('abc');
  await expect(field('threshold').locator('.field-problem')).toHaveText('a number');
  await field('threshold').locator('input').fill('2');
  await field('min_requests').locator('input').fill('0');
  await expect(editor.locator('.field-problem:not(:empty)')).toHaveCount(0);
  await editor.getByRole('button', { name: 'Save rule' }).click();

  const rule = page.getByTestId('rule-row');
  await expect(rule).toHaveCount(1);
  await expect(rule).toContainText('Server errors');
  await expect(rule).toContainText('Calls with status 5xx > 2 over 5 min');

  // Five failing calls arrive: the evaluator fires within a couple of seconds.
  const now = Date.now();
  await ingest(Array.from({ length: 5 }, (_, k) => ({
    request_id: `boom-${k}`, timestamp: now - k * 1000, model: 'qwen-plus', status: 503, latency_ms: 900,
  })));
  const toast = page.getByTestId('toast');
  await expect(toast).toContainText('Firing: Server errors', { timeout: 15_000 });
  await expect(toast).toContainText('5');
  await expect(page.getByTestId('event-row').first()).toContainText('firing');
  await expect(page.getByTestId('event-row').first().getByRole('link', { name: 'Logs' })).toHaveAttribute('href', /\/logs\?from=.*&to=/);
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');

  // The history filters by kind through the URL.
  await page.locator('#history-kind').selectOption('resolved');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/kind=resolved/);
  await expect(page.getByTestId('no-events')).toBeVisible();
  await page.locator('#history-kind').selectOption('firing');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/kind=firing/);
  await expect(page.getByTestId('event-row').first()).toContainText('Server errors');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');

  // The bell counts it until it is opened.
  await expect(page.getByTestId('bell-count')).toHaveText('1');
  await page.getByTestId('bell').click();
  await expect(page.getByTestId('bell-count')).toHaveCount(0);

  // Disable, duplicate and delete from the list.
  await rule.getByRole('button', { name: 'Disable' }).click();
  await expect(rule).toContainText('disabled');
  await rule.getByRole('button', { name: 'Duplicate' }).click();
  await expect(field('name').locator('input')).toHaveValue('Copy of Server errors');
  await editor.getByRole('button', { name: 'Save rule' }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(2);
  await page.getByTestId('rule-row').nth(1).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByTestId('rule-row')).toHaveCount(1);
  expect(problems).toEqual([]);
});

test('the editor previews the metric now and over the last day against the threshold', async ({ page }) => {
  const problems = watchConsole(page);
  const now = Date.now();
  // 20 calls of one model in the last minutes, every other one failing: 50 % errors.
  await ingest(Array.from({ length: 20 }, (_, k) => ({
    request_id: `preview-${k}`, timestamp: now - 60_000 - k * 3000, model: 'preview-model',
    status: k % 2 === 0 ? 500 : 200, latency_ms: 300,
  })));
  await page.goto('/alerts');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const editor = page.getByTestId('rule-editor');
  const field = (name: string) => editor.locator(`[data-field="${name}"]`);
  await field('scope').locator('select').selectOption('models');
  await field('models').locator('input').fill('preview-model');
  await field('threshold').locator('input').fill('20');

  const preview = page.getByTestId('rule-preview');
  const row = preview.getByTestId('preview-row');
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId('preview-now')).toHaveText('50.0 %');
  await expect(row.getByTestId('preview-verdict')).toHaveText('breaching');
  await expect(preview.locator('#rule-preview-chart')).toHaveAttribute('data-drawn', 'true');

  // The verdict follows the threshold at once (judged in the browser by the rule's own code).
  await field('threshold').locator('input').fill('60');
  await expect(row.getByTestId('preview-verdict')).toHaveText('within');
  await field('min_requests').locator('input').fill('50');
  await expect(row.getByTestId('preview-verdict')).toContainText('not judged: 20 of the 50 requests');
  expect(problems).toEqual([]);
});

test('a rule can watch one user only, and says so', async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto('/alerts');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  const editor = page.getByTestId('rule-editor');
  const field = (name: string) => editor.locator(`[data-field="${name}"]`);
  await field('name').locator('input').fill("Alice's spend");
  await field('metric').locator('select').selectOption('cost');
  await expect(editor.getByTestId('cost-rule-note')).toContainText('share of calls');
  await expect(field('dimension_value')).toHaveCount(0);
  await field('dimension').locator('select').selectOption('user');
  await field('dimension_value').locator('input').fill('alice');
  await field('threshold').locator('input').fill('10');
  await expect(editor.locator('.field-problem:not(:empty)')).toHaveCount(0);
  await editor.getByRole('button', { name: 'Save rule' }).click();
  const rule = page.getByTestId('rule-row').filter({ hasText: "Alice's spend" });
  await expect(rule).toContainText('Cost (USD) > 10 over 5 min · user alice');
  expect(problems).toEqual([]);
});
