// Server errors as a person sees them, each shown by its kind (`ErrorNote`): an invalid filter
// names its parameter, a call retention does not keep says so (the server's 404), and once the
// session has ended the next call is refused (401) with a way to sign in again and come back.
import { expect, Page, test } from '@playwright/test';

import { E2E_EMAIL, E2E_PASSWORD } from '../auth';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL });

async function open(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

const rows = (page: Page) => page.getByTestId('logs-table').locator('tbody tr');

test('server errors are shown by kind, and an ended session offers to sign in again', async ({ page }) => {
  // The refusals below answer 4xx on purpose; nothing may break in the page itself.
  const crashes: string[] = [];
  page.on('pageerror', (error) => crashes.push(error.message));

  await open(page, '/logs?status=teapot');
  const error = page.getByTestId('logs-error');
  await expect(error).toContainText('status: must be an HTTP status such as 429 or a class such as 4xx');
  await expect(error.locator('[data-error="invalid"]')).toHaveCount(1);
  await error.getByRole('link', { name: 'Reset all filters' }).click();
  await expect(rows(page)).toHaveCount(50);

  await open(page, '/logs?id=no-such-call');
  await expect(page.getByTestId('detail-error')).toHaveText('no call with this request ID is kept');
  await expect(page.getByTestId('detail-error').locator('[data-error="not_found"]')).toHaveCount(1);

  // The session ends (the cookie is gone); the next page of logs is asked for in place.
  await page.context().clearCookies();
  await page.getByRole('group', { name: 'Time range' }).getByRole('link', { name: '1h', exact: true }).click();
  await expect(page).toHaveURL(/\/logs\?range=1h$/);
  await expect(error).toContainText('Your session has ended.');
  const signIn = error.getByRole('link', { name: 'Sign in again' });
  await expect(signIn).toHaveAttribute('href', '/login?next=%2Flogs%3Frange%3D1h');
  await signIn.click();
  await page.getByLabel('E-mail').fill(E2E_EMAIL);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/logs\?range=1h$/);
  await expect(page.getByTestId('logs-table')).toBeVisible();
  expect(crashes).toEqual([]);
});
