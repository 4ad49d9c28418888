// After hydration the app navigates in place, keeps the console clean and switches themes.
import { expect, Page, test } from '@playwright/test';

function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => {
    // A request the browser abandons because the page navigated on is not a failure.
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') errors.push(`requestfailed: ${request.url()} ${reason}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`http ${response.status()}: ${response.url()}`);
  });
  return errors;
}

async function gotoHydrated(page: Page, path: string) {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

test('navigation switches pages without a full reload', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await gotoHydrated(page, '/analytics');
  // A full reload would wipe this marker.
  await page.evaluate(() => ((window as any).__sameDocument = 'yes'));
  let documentLoads = 0;
  page.on('load', () => documentLoads++);

  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const heading of ['Logs', 'Alerts', 'Analytics']) {
    await nav.getByRole('link', { name: heading }).click();
    await expect(page).toHaveURL(new RegExp(`/${heading.toLowerCase()}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(page).toHaveTitle(`${heading} · Modelwatch`);
    await expect(nav.getByRole('link', { name: heading })).toHaveAttribute('aria-current', 'page');
  }
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');
  expect(documentLoads).toBe(0);

  await page.goBack();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Alerts');
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe('yes');
  expect(errors).toEqual([]);
});

test('every page hydrates with a clean console and loads only from this site', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  const external: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(process.env.MODELWATCH_BASE_URL!)) external.push(request.url());
  });
  for (const path of ['/analytics', '/logs', '/alerts', '/settings']) {
    await gotoHydrated(page, path);
    await expect(page.getByTestId('workspace')).toContainText('default');
  }
  expect(external).toEqual([]);
  expect(errors).toEqual([]);
});

test('the theme toggle switches light and dark and remembers the choice', async ({ page }) => {
  const errors = collectConsoleErrors(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await gotoHydrated(page, '/logs');
  const html = page.locator('html');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const lightBackground = await background();

  await page.getByRole('button', { name: 'Switch between light and dark theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await background()).not.toBe(lightBackground);

  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(html).toHaveAttribute('data-hydrated', 'true');

  await page.getByRole('button', { name: 'Switch between light and dark theme' }).click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await background()).toBe(lightBackground);
  expect(errors).toEqual([]);
});
