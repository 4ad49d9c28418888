// The Logs tab without JavaScript: a row's Details link opens the call's panel from the
// server, and the panel's download link returns the call as a JSON file.
import { expect, test } from '@playwright/test';

test.use({ baseURL: process.env.MODELWATCH_DATA_URL, javaScriptEnabled: false });

test('a Details link opens the panel and its download returns the call, without JavaScript', async ({ page }) => {
  await page.goto('/logs?model=cosy-voice');
  await expect(page.locator('html')).not.toHaveAttribute('data-hydrated', 'true');
  await page.getByRole('link', { name: 'Details of voice-2', exact: true }).click();
  await expect(page).toHaveURL(/\/logs\?model=cosy-voice&id=voice-2$/);
  const panel = page.getByTestId('log-details');
  await expect(panel.getByRole('heading', { name: 'voice-2' })).toBeVisible();
  await expect(panel.getByTestId('detail-list')).toContainText('cosy-voice');

  const link = panel.getByTestId('download-json');
  await expect(link).toHaveAttribute('download', '');
  const href = await link.getAttribute('href');
  expect(href).toBe('/api/v1/logs/call?id=voice-2');
  const answer = await page.request.get(href!);
  expect(answer.status()).toBe(200);
  expect(answer.headers()['content-disposition']).toBe('attachment; filename="modelwatch-call-voice-2.json"');
  const call = await answer.json();
  expect(call.request_id).toBe('voice-2');
  expect(call.kind).toBe('speech');
  expect(call.usage.characters).toBe(500);
});
