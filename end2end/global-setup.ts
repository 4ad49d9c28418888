// Starts three release servers on free ports, each with a fresh temporary database: one stays
// empty (MODELWATCH_BASE_URL: empty states, navigation), one receives the known calls of
// `fixtures.ts` through the ingest API (MODELWATCH_DATA_URL: Analytics, Logs), and one is for
// alert tests, which ingest their own calls (MODELWATCH_ALERTS_URL with MODELWATCH_ALERTS_KEY;
// rules are evaluated every second there). All stop after the run.
//
// Every page needs a login: each server gets the user E2E_EMAIL (an administrator, also of a
// second workspace "staging" on the empty server) through `modelwatch users add`, the setup
// logs in to each and saves the session cookies as Playwright's storage state (STATE_FILE).
// The servers listen on different loopback addresses (127.0.0.1, .2, .3) because cookies are
// scoped by host, not port.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { E2E_EMAIL, E2E_PASSWORD, STATE_FILE } from './auth';
import { knownCalls } from './fixtures';

const root = resolve(__dirname, '..');
// The release server unless MODELWATCH_E2E_BINARY names another build (`make e2e-dev`).
const binary = process.env.MODELWATCH_E2E_BINARY ?? join(root, 'target/release/modelwatch');

function environment(dataDir: string) {
  return {
    ...process.env,
    MODELWATCH_DATABASE_URL: `sqlite://${join(dataDir, 'e2e.db')}`,
    MODELWATCH_SITE_ROOT: join(root, 'target/site'),
    MODELWATCH_LOG: 'info',
    MODELWATCH_ALERT_INTERVAL_SECS: '1',
    // The browser shares the two cores: a 6 ms search budget could cut a page of this tiny
    // data set short while Chromium holds the CPU. The budget itself has its own tests.
    MODELWATCH_LOGS_SEARCH_BUDGET_MS: '500',
  };
}

function addUser(dataDir: string, workspace: string) {
  execFileSync(binary, ['users', 'add', '--admin', '--workspace', workspace, E2E_EMAIL], {
    cwd: root,
    env: { ...environment(dataDir), MODELWATCH_PASSWORD: E2E_PASSWORD },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/// Logs in to `baseUrl` and returns the session cookie as Playwright stores it.
async function login(baseUrl: string) {
  const answer = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: E2E_EMAIL, password: E2E_PASSWORD, next: '/analytics' }),
  });
  const cookie = answer.headers.getSetCookie().find((line) => line.startsWith('mw_session='));
  if (answer.status !== 303 || !cookie) throw new Error(`login to ${baseUrl} failed: ${answer.status}`);
  const value = cookie.slice('mw_session='.length).split(';')[0];
  return {
    name: 'mw_session', value, domain: new URL(baseUrl).hostname, path: '/',
    expires: -1, httpOnly: true, secure: false, sameSite: 'Lax' as const,
  };
}

async function start(dataDir: string, host: string): Promise<{ server: ChildProcess; baseUrl: string }> {
  const server = spawn(binary, ['--log-format', 'json', 'serve', '--addr', `${host}:0`], {
    cwd: root,
    env: environment(dataDir),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not report its address in 30 s')), 30_000);
    server.once('exit', (code) => reject(new Error(`server exited early with code ${code}`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      if (process.env.E2E_SERVER_LOG) console.log(line);
      try {
        const event = JSON.parse(line);
        if (event.addr && String(event.message ?? '').includes('listening')) {
          clearTimeout(timer);
          resolveUrl(`http://${event.addr}`);
        }
      } catch {
        // not a JSON log line
      }
    });
  });
  const health = await fetch(`${baseUrl}/healthz`);
  if (!health.ok) throw new Error(`/healthz answered ${health.status}`);
  return { server, baseUrl };
}

export default async function globalSetup() {
  const emptyDir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-data-'));
  const alertsDir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-alerts-'));

  addUser(emptyDir, 'default');
  addUser(emptyDir, 'staging');
  addUser(dataDir, 'default');
  addUser(alertsDir, 'default');
  const empty = await start(emptyDir, '127.0.0.1');
  process.env.MODELWATCH_BASE_URL = empty.baseUrl;

  const createKey = (dir: string) =>
    execFileSync(binary, ['keys', 'create', '--name', 'e2e'], {
      cwd: root,
      env: environment(dir),
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  const key = createKey(dataDir);
  process.env.MODELWATCH_ALERTS_KEY = createKey(alertsDir);
  const alerts = await start(alertsDir, '127.0.0.3');
  process.env.MODELWATCH_ALERTS_URL = alerts.baseUrl;
  const data = await start(dataDir, '127.0.0.2');
  const now = Date.now();
  process.env.MODELWATCH_DATA_URL = data.baseUrl;
  process.env.MODELWATCH_DATA_NOW = String(now);
  const answer = await fetch(`${data.baseUrl}/api/v1/requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(knownCalls(now)),
  });
  const reply = await answer.json();
  if (!answer.ok || reply.accepted !== knownCalls(now).length) {
    throw new Error(`ingest of the known calls failed: ${answer.status} ${JSON.stringify(reply)}`);
  }

  const cookies = [];
  for (const { baseUrl } of [empty, data, alerts]) cookies.push(await login(baseUrl));
  mkdirSync(dirname(STATE_FILE), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify({ cookies, origins: [] }));

  return async () => {
    for (const { server } of [empty, data, alerts]) {
      server.kill('SIGTERM');
      await new Promise((done) => server.once('exit', done));
    }
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(alertsDir, { recursive: true, force: true });
  };
}
