// The browser tests' account and where their signed-in state is kept (see global-setup.ts).
import { join } from 'node:path';

export const E2E_EMAIL = 'e2e@modelwatch.test';
export const E2E_PASSWORD = 'e2e-password-not-secret';
/// Session cookies of every test server, as Playwright's storage state.
export const STATE_FILE = join(__dirname, 'test-results', '.auth', 'state.json');
