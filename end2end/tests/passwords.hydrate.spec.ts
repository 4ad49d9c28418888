// Passwords in Settings: an admin adds a member and resets their password (the new one shown
// once, their session ended); the member signs in with it and changes it under Account, after
// which only the new one signs in.
import { Browser, expect, Page, test } from '@playwright/test';

import { watchConsole } from '../console';

const base = () => process.env.MODELWATCH_BASE_URL!;
const MEMBER = 'pw-member@modelwatch.test';

/// A fresh browser signed in as `email` with `password`, on Settings.
async function signIn(browser: Browser, email: string, password: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: base(), storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/login?next=%2Fsettings');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${base()}/settings`);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  return page;
}

/// Whether `email` gets in with `password` (a plain login form post).
async function signsIn(email: string, password: string): Promise<boolean> {
  const answer = await fetch(`${base()}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: base(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, next: '/settings' }),
  });
  return answer.headers.getSetCookie().some((line) => line.startsWith('mw_session='));
}

test('an admin resets a member\'s password, and the member changes it', async ({ page, browser }) => {
  const problems = watchConsole(page);
  await page.goto('/settings');
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
  await page.getByLabel('E-mail of the new member').fill(MEMBER);
  await page.getByRole('button', { name: 'Add member' }).click();
  const first = (await page.getByTestId('new-password').locator('code').textContent())!.trim();
  const member = await signIn(browser, MEMBER, first);
  // A viewer sees no reset buttons.
  await expect(member.getByRole('button', { name: /^Reset the password of/ })).toHaveCount(0);

  // The admin resets it: shown once, and the member's session is over.
  await page.getByRole('button', { name: `Reset the password of ${MEMBER}` }).click();
  const reset = page.getByTestId('reset-password');
  await expect(reset).toContainText(`New password for ${MEMBER}: `);
  const second = (await reset.locator('code').textContent())!.trim();
  expect(second).toMatch(/^[A-Za-z0-9]{16}$/);
  expect(second).not.toBe(first);
  await member.reload();
  await expect(member).toHaveURL(/\/login\?next=%2Fsettings$/);
  expect(await signsIn(MEMBER, first)).toBe(false);
  await member.context().close();

  // The member signs in with it and changes it; the form checks before sending.
  const again = await signIn(browser, MEMBER, second);
  const form = again.getByRole('form', { name: 'Change your password' });
  await form.getByLabel('Current password').fill(second);
  await form.getByLabel('New password', { exact: true }).fill('my own passphrase');
  await form.getByLabel('Repeat new password').fill('my own passphrasE');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert').first()).toHaveText('repeat_password: the two new passwords differ');
  await form.getByLabel('Current password').fill('not the password');
  await form.getByLabel('Repeat new password').fill('my own passphrase');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert').last()).toHaveText('current_password: not your current password');
  await form.getByLabel('Current password').fill(second);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByTestId('password-changed')).toHaveText('Password changed. You had no other sessions.');
  await expect(form.getByLabel('Current password')).toHaveValue('');
  // This session goes on; only the new password signs in from now on.
  await again.reload();
  await expect(again).toHaveURL(`${base()}/settings`);
  expect(await signsIn(MEMBER, second)).toBe(false);
  expect(await signsIn(MEMBER, 'my own passphrase')).toBe(true);
  await again.context().close();
  expect(problems).toEqual([]);
});
