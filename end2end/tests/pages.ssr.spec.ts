// With JavaScript disabled, every page must arrive complete from the server.
import { expect, test } from '@playwright/test';

test.use({ javaScriptEnabled: false });

const pages = [
  { path: '/analytics', heading: 'Analytics', empty: 'No model calls recorded yet' },
  { path: '/logs', heading: 'Logs', empty: 'No logs yet' },
  { path: '/alerts', heading: 'Alerts', empty: 'No alert rules yet' },
];

for (const { path, heading, empty } of pages) {
  test(`${heading} renders on the server without JavaScript`, async ({ page }) => {
    const response = await page.goto(path);
    expect(response?.status()).toBe(200);
    await expect(page).toHaveTitle(`${heading} · Modelwatch`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(page.getByText(empty)).toBeVisible();
    await expect(page.getByTestId('workspace')).toContainText('default');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: heading })).toHaveAttribute('aria-current', 'page');
    for (const other of pages.filter((p) => p.path !== path)) {
      await expect(nav.getByRole('link', { name: other.heading })).not.toHaveAttribute('aria-current', 'page');
    }
    await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  });
}

test('the root address leads to Analytics', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/analytics$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Analytics');
});

test('an unknown address answers 404 with a way back', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Page not found');
  await expect(page.getByRole('main').getByRole('link', { name: 'Analytics' })).toBeVisible();
});
