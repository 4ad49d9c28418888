// Security in the browser: after signing in, a `next` address that tries to leave the site
// always lands on this dashboard; every page runs, hydrates and draws its charts under the
// enforced Content-Security-Policy with a clean console (no refused script or style), and
// cannot be framed.
import { expect, test } from '@playwright/test';

import { E2E_EMAIL, E2E_PASSWORD } from '../auth';
import { watchConsole } from '../console';

const data = () => process.env.MODELWATCH_DATA_URL!;

// Values of `next` that browsers could read as another site once the server echoed them.
const trickyNext = [
  '/\t/evil.example',
  '/\n/evil.example',
  '//evil.example',
  '/\\evil.example',
  '/\\/evil.example',
  'https://evil.example/',
  '/ /evil.example',
  '/%09/evil.example',
  'javascript:alert(1)',
  '/\u3000/evil.example',
];

test('after signing in the browser never leaves this site, whatever next says', async ({ browser }) => {
  const origin = new URL(data()).origin;
  for (const next of trickyNext) {
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto(`${data()}/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('E-mail').fill(E2E_EMAIL);
    await page.getByLabel('Password').fill(E2E_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForLoadState('load');
    expect(new URL(page.url()).origin, `next=${JSON.stringify(next)}`).toBe(origin);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    await context.close();
  }
});

test('every page hydrates and draws under the enforced policy with a clean console', async ({ page }) => {
  const problems = watchConsole(page);
  const violations: string[] = [];
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      (window as unknown as { reportViolation: (text: string) => void }).reportViolation(
        `${event.violatedDirective} ${event.blockedURI}`,
      ),
    );
  });
  for (const path of ['/analytics?range=24h', '/logs?range=24h', '/alerts', '/settings']) {
    const response = await page.goto(`${data()}${path}`);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy, path).toContain("frame-ancestors 'none'");
    expect(policy, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}' 'wasm-unsafe-eval'/);
    expect(response?.headers()['x-content-type-options']).toBe('nosniff');
    await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
    if (path.startsWith('/analytics')) {
      for (const id of ['chart-tokens', 'chart-requests', 'chart-latency']) {
        await expect(page.locator(`#${id}`)).toHaveAttribute('data-drawn', 'true');
      }
      // A tooltip writes inline styles: hover a chart so that path runs under the policy too.
      const box = await page.locator('#chart-requests canvas').first().boundingBox();
      if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    }
  }
  expect(violations).toEqual([]);
  expect(problems).toEqual([]);

  // An inline script without the nonce is refused: the policy is really enforced.
  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true;';
    document.body.appendChild(script);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => violations.length).toBe(1);
});
