// `make bench-web`: what each dashboard page costs a browser with an empty cache.
//
// Starts the release server (target/release/modelwatch, or MODELWATCH_BIN; the front end from
// target/site, or SITE_ROOT) on a free loopback port with a fresh SQLite database filled by
// `modelwatch demo` (14 days of traffic) and one administrator, then loads every page in
// Debian's headless Chromium (Playwright's launcher, never a downloaded browser): /login signed
// out, the others signed in with a session cookie from POST /login. Every load gets a new
// browser context (nothing cached, no service worker, cache also disabled through CDP) and is
// done in two profiles: unthrottled, and throttled by CDP `Network.emulateNetworkConditions`
// (10 Mbit/s down, 5 Mbit/s up, 40 ms).
//
// Measured through the DevTools protocol: bytes on the wire per resource (the sum of
// `Network.loadingFinished.encodedDataLength`, headers included; a stream still open at the
// end, the live-events EventSource, counts what it received so far), its type and its
// Content-Encoding. Times come from the page's own clock (`performance.now()`, zero at
// navigation start): a MutationObserver installed before any page script notes the moment
// `<html data-hydrated="true">` appears (set by the wasm after hydration) and, on /analytics,
// the moment every `.chart` box has `data-drawn="true"` and a canvas or svg inside.
// Then, in one context with the cache on, a few clicks through the main navigation after a
// first load of /logs: what each in-app navigation fetches and how long until the page shows.
// Each load is repeated ROUNDS times (default 5); times are medians, bytes are printed once
// (with a warning when rounds differ). Targets from the issue are printed beside the numbers;
// the exit code is 0 whether or not they are met (it is a benchmark), non-zero only on failure.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from '@playwright/test';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binary = process.env.MODELWATCH_BIN ?? join(root, 'target/release/modelwatch');
const siteRoot = process.env.SITE_ROOT ?? join(root, 'target/site');
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 5) || 5);
const EMAIL = 'bench@modelwatch.test';
const PASSWORD = 'bench-password-not-secret';

// Every top-level route of app/src/lib.rs ("/" only redirects to /analytics).
const PAGES = [
  { path: '/login', signedIn: false, charts: false },
  { path: '/analytics', signedIn: true, charts: true },
  { path: '/logs', signedIn: true, charts: false },
  { path: '/alerts', signedIn: true, charts: false },
  { path: '/settings', signedIn: true, charts: false },
];
const PROFILES = [
  { name: 'unthrottled', network: null },
  // Throughput in bytes per second.
  { name: '10M/40ms', network: { offline: false, latency: 40, downloadThroughput: 10e6 / 8, uploadThroughput: 5e6 / 8 } },
];
const TARGETS = { pageKB: 600, loginKB: 350, chartsMs: 1000 };
const CATEGORIES = ['document', 'js', 'wasm', 'css', 'charting', 'fonts', 'other'];
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Runs in the page before its own scripts: notes when hydration and the charts finish.
function pageProbe() {
  const marks = (window.__bench = { hydrated: null, charts: null });
  const check = () => {
    const now = performance.now();
    const html = document.documentElement;
    if (marks.hydrated === null && html && html.getAttribute('data-hydrated') === 'true') marks.hydrated = now;
    const boxes = [...document.querySelectorAll('.chart')];
    if (marks.charts === null && boxes.length > 0 && boxes.every((box) =>
      box.getAttribute('data-drawn') === 'true' && box.querySelector('canvas, svg'))) marks.charts = now;
  };
  new MutationObserver(check).observe(document, {
    subtree: true, attributes: true, attributeFilter: ['data-hydrated', 'data-drawn'],
  });
}

function category(resource) {
  const path = new URL(resource.url).pathname;
  if (path.endsWith('/charts.min.js')) return 'charting';
  if (resource.type === 'Document') return 'document';
  if (path.endsWith('.wasm') || resource.mime === 'application/wasm') return 'wasm';
  if (resource.type === 'Stylesheet' || path.endsWith('.css')) return 'css';
  if (resource.type === 'Script' || path.endsWith('.js')) return 'js';
  if (resource.type === 'Font' || /\.(woff2?|ttf|otf)$/.test(path)) return 'fonts';
  return 'other';
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

async function startServer(dir, state) {
  const env = {
    ...process.env,
    MODELWATCH_DATABASE_URL: `sqlite://${join(dir, 'web.db')}`,
    MODELWATCH_SITE_ROOT: siteRoot,
    MODELWATCH_LOG: 'warn',
  };
  const run = (args, extra = {}) =>
    execFileSync(binary, args, { cwd: root, env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
  process.stderr.write('filling a fresh database with 14 days of demo traffic ...\n');
  run(['demo']);
  run(['users', 'add', '--admin', '--workspace', 'default', EMAIL], { MODELWATCH_PASSWORD: PASSWORD });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn(binary, ['serve', '--addr', `127.0.0.1:${port}`], {
    cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'],
  });
  state.server = server;
  let exited = null;
  server.once('exit', (code, signal) => (exited = `code ${code}, signal ${signal}`));
  for (const started = Date.now(); Date.now() - started < 30_000; await sleep(100)) {
    if (exited) throw new Error(`the server exited early (${exited})`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return baseUrl;
    } catch {
      // not listening yet
    }
  }
  throw new Error('the server did not answer /healthz within 30 s');
}

async function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const gone = new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

async function sessionCookie(baseUrl) {
  const answer = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: baseUrl, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email: EMAIL, password: PASSWORD, next: '/analytics' }),
  });
  const line = answer.headers.getSetCookie().find((cookie) => cookie.startsWith('mw_session='));
  if (answer.status !== 303 || !line) throw new Error(`POST /login answered ${answer.status}`);
  const value = line.slice('mw_session='.length).split(';')[0];
  return { name: 'mw_session', value, domain: '127.0.0.1', path: '/', httpOnly: true, secure: false, sameSite: 'Lax' };
}

/// One load of one page in a new context; returns its resources and times.
async function measure(browser, baseUrl, cookie, page, profile) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    if (page.signedIn) await context.addCookies([cookie]);
    await context.addInitScript(pageProbe);
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    const resources = new Map();
    const inFlight = new Set();
    let lastActivity = Date.now();
    const touch = () => (lastActivity = Date.now());
    cdp.on('Network.requestWillBeSent', (event) => {
      touch();
      const previous = resources.get(event.requestId);
      // A redirect reuses the request id: keep the redirect's bytes as their own entry.
      if (previous && event.redirectResponse) {
        resources.set(`${event.requestId}:redirect:${previous.url}`, {
          ...previous, bytes: event.redirectResponse.encodedDataLength, done: true,
          encoding: header(event.redirectResponse.headers, 'content-encoding'), status: event.redirectResponse.status,
        });
      }
      resources.set(event.requestId, {
        url: event.request.url, type: event.type ?? 'Other', mime: '', encoding: '', status: 0,
        bytes: 0, received: 0, done: false,
      });
      if (event.type !== 'EventSource') inFlight.add(event.requestId);
    });
    cdp.on('Network.responseReceived', (event) => {
      touch();
      const resource = resources.get(event.requestId);
      if (!resource) return;
      resource.type = event.type ?? resource.type;
      resource.mime = event.response.mimeType;
      resource.status = event.response.status;
      resource.encoding = header(event.response.headers, 'content-encoding');
      resource.received = Math.max(resource.received, event.response.encodedDataLength ?? 0);
    });
    cdp.on('Network.dataReceived', (event) => {
      const resource = resources.get(event.requestId);
      if (resource) resource.received += event.encodedDataLength ?? 0;
      // The live-events stream's keep-alives do not keep the page busy.
      if (resource?.type !== 'EventSource') touch();
    });
    cdp.on('Network.loadingFinished', (event) => {
      touch();
      inFlight.delete(event.requestId);
      const resource = resources.get(event.requestId);
      if (resource) Object.assign(resource, { bytes: event.encodedDataLength, done: true });
    });
    cdp.on('Network.loadingFailed', (event) => {
      touch();
      inFlight.delete(event.requestId);
      const resource = resources.get(event.requestId);
      if (resource) Object.assign(resource, { done: true, failed: event.errorText });
    });
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (profile.network) await cdp.send('Network.emulateNetworkConditions', profile.network);

    await tab.goto(baseUrl + page.path, { waitUntil: 'commit', timeout: 60_000 });
    const wanted = page.charts ? 'charts' : 'hydrated';
    const marks = await (await tab.waitForFunction(
      (key) => window.__bench && window.__bench[key] !== null && window.__bench,
      wanted, { timeout: 60_000, polling: 50 },
    )).jsonValue();
    // Whatever the hydrated page still fetches counts too: wait for a quiet network.
    await tab.waitForLoadState('load', { timeout: 60_000 });
    for (const started = Date.now(); Date.now() - started < 10_000; await sleep(50)) {
      if (inFlight.size === 0 && Date.now() - lastActivity > 500) break;
    }
    const list = [...resources.values()].map((resource) => ({
      ...resource,
      bytes: resource.done ? resource.bytes : resource.received,
      open: !resource.done,
      category: category(resource),
    }));
    const failed = list.filter((resource) => resource.failed && resource.failed !== 'net::ERR_ABORTED');
    if (failed.length) throw new Error(`failed requests on ${page.path}: ${failed.map((r) => `${r.url} ${r.failed}`).join(', ')}`);
    const bad = list.filter((resource) => resource.status >= 400);
    if (bad.length) throw new Error(`HTTP errors on ${page.path}: ${bad.map((r) => `${r.status} ${r.url}`).join(', ')}`);
    return { resources: list, hydrated: marks.hydrated, charts: marks.charts };
  } finally {
    await context.close();
  }
}

// In-app navigations after a first load of /logs: what each click fetches (the next page's wasm,
// the chart script, its data), unthrottled, in one context whose cache is on, as a browser's
// is. Ends when the page's heading shows and, on Analytics, its charts are drawn, and the
// network has been quiet for half a second.
const NAVIGATIONS = [
  { link: 'Analytics', charts: true },
  { link: 'Alerts', charts: false },
  { link: 'Settings', charts: false },
  { link: 'Logs', charts: false },
  { link: 'Analytics', charts: true },
];

async function navigate(browser, baseUrl, cookie) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  try {
    await context.addCookies([cookie]);
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send('Network.enable');
    let resources = new Map();
    let lastActivity = Date.now();
    cdp.on('Network.requestWillBeSent', (event) => {
      lastActivity = Date.now();
      resources.set(event.requestId, { url: event.request.url, type: event.type ?? 'Other', mime: '', bytes: 0, done: false });
    });
    cdp.on('Network.responseReceived', (event) => {
      const resource = resources.get(event.requestId);
      if (resource) Object.assign(resource, { type: event.type ?? resource.type, mime: event.response.mimeType });
    });
    cdp.on('Network.loadingFinished', (event) => {
      lastActivity = Date.now();
      const resource = resources.get(event.requestId);
      if (resource) Object.assign(resource, { bytes: event.encodedDataLength, done: true });
    });
    await tab.goto(`${baseUrl}/logs`);
    await tab.waitForSelector('html[data-hydrated="true"]', { timeout: 60_000 });
    const quiet = async () => {
      for (const started = Date.now(); Date.now() - started < 10_000; await sleep(50)) {
        const busy = [...resources.values()].some((resource) => !resource.done && resource.type !== 'EventSource');
        if (!busy && Date.now() - lastActivity > 500) return;
      }
    };
    await quiet();
    const steps = [];
    let from = '/logs';
    for (const step of NAVIGATIONS) {
      resources = new Map();
      const started = Date.now();
      await tab.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: step.link }).click();
      await tab.waitForFunction((heading) => document.querySelector('h1')?.textContent === heading, step.link, { timeout: 60_000 });
      if (step.charts) {
        await tab.waitForFunction(() => [...document.querySelectorAll('.chart')].every((box) => box.getAttribute('data-drawn') === 'true'), null, { timeout: 60_000 });
      }
      const shown = Date.now() - started;
      await quiet();
      const list = [...resources.values()].filter((resource) => resource.type !== 'EventSource')
        .map((resource) => ({ ...resource, category: category(resource) }));
      const to = `/${step.link.toLowerCase()}`;
      steps.push({ name: `${from} -> ${to}`, resources: list, shown });
      from = to;
    }
    return steps;
  } finally {
    await context.close();
  }
}

function header(headers, name) {
  const key = Object.keys(headers ?? {}).find((candidate) => candidate.toLowerCase() === name);
  return key ? headers[key] : '';
}

const median = (values) => {
  const sorted = values.filter((value) => value !== null).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kb = (bytes) => (bytes / 1024).toFixed(1);
const total = (resources) => resources.reduce((sum, resource) => sum + resource.bytes, 0);
function breakdown(resources) {
  const sums = Object.fromEntries(CATEGORIES.map((name) => [name, 0]));
  for (const resource of resources) sums[resource.category] += resource.bytes;
  return sums;
}

function table(rows) {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  const line = (row) => row.map((cell, column) =>
    column < 2 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column])).join('  ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function report(results) {
  const rows = [['page', 'profile', 'total', ...CATEGORIES, 'hydrated', 'charts', 'targets']];
  const warnings = [];
  const notes = [];
  for (const { page, profile, runs } of results) {
    const bytes = runs.map((run) => total(run.resources));
    // The document carries a random CSP nonce and the session's data, so its compressed size
    // moves by a few bytes from load to load; anything more is worth a look.
    const spread = Math.max(...bytes) - Math.min(...bytes);
    if (spread > 0) {
      const changed = new Set();
      for (const run of runs) for (const name of CATEGORIES) {
        if (breakdown(run.resources)[name] !== breakdown(runs[0].resources)[name]) changed.add(name);
      }
      (spread > 256 ? warnings : notes).push(`${page.path} ${profile.name}: ${spread} bytes between rounds ` +
        `(${[...changed].join(', ')}: ${bytes.join(', ')}); showing the median`);
    }
    // Sizes of the round with the median total (they hardly ever differ).
    const shown = runs.map((run, index) => [bytes[index], run]).sort((a, b) => a[0] - b[0])[Math.floor((runs.length - 1) / 2)];
    const sums = breakdown(shown[1].resources);
    const hydrated = median(runs.map((run) => run.hydrated));
    const charts = page.charts ? median(runs.map((run) => run.charts)) : null;
    const limit = page.path === '/login' ? TARGETS.loginKB : TARGETS.pageKB;
    const verdicts = [`${shown[0] / 1024 <= limit ? 'met' : 'OVER'} <=${limit} KB`];
    if (page.charts) verdicts.push(`${charts !== null && charts <= TARGETS.chartsMs ? 'met' : 'OVER'} <=${TARGETS.chartsMs} ms`);
    rows.push([page.path, profile.name, kb(shown[0]), ...CATEGORIES.map((name) => kb(sums[name])),
      hydrated === null ? '-' : hydrated.toFixed(0), charts === null ? '-' : charts.toFixed(0), verdicts.join(', ')]);
  }
  console.log(`\nEmpty-cache page loads, ${ROUNDS} round(s) each; times are medians from navigation start.`);
  console.log('Sizes in KB on the wire (headers included), by resource kind; hydrated and charts (drawn, Analytics');
  console.log('only) in ms. Throttled profile: 10 Mbit/s down, 5 Mbit/s up, 40 ms latency.\n');
  console.log(table(rows));
  console.log(`\nTargets (issue 19): every page <= ${TARGETS.pageKB} KB, /login <= ${TARGETS.loginKB} KB, ` +
    `/analytics hydrated with its charts drawn <= ${TARGETS.chartsMs} ms.`);
  for (const warning of warnings) console.log(`warning: ${warning}`);
  if (notes.length && process.env.VERBOSE) for (const note of notes) console.log(`note: ${note}`);
  else if (notes.length) console.log(`note: ${notes.length} page/profile pairs varied by <= 256 bytes between rounds (VERBOSE=1 shows them)`);

  console.log('\nResources per page (unthrottled, round 1): bytes on the wire, Content-Encoding');
  for (const { page, profile, runs } of results) {
    if (profile !== PROFILES[0]) continue;
    console.log(`  ${page.path}`);
    for (const resource of runs[0].resources) {
      const url = new URL(resource.url);
      console.log(`    ${(url.pathname + url.search).padEnd(44)} ${resource.category.padEnd(9)} ` +
        `${kb(resource.bytes).padStart(8)} KB  ${resource.encoding || 'identity'}${resource.open ? '  (still open)' : ''}`);
    }
  }
}

function reportNavigations(steps) {
  console.log('\nIn-app navigations after a first load of /logs (unthrottled, browser cache on): KB fetched per click,');
  console.log('and ms from the click to the page (with Analytics\' charts drawn).\n');
  const rows = [['navigation', 'profile', 'total', ...CATEGORIES, 'shown', 'files']];
  for (const step of steps) {
    const sums = breakdown(step.resources);
    const files = step.resources.filter((resource) => resource.category === 'wasm' || resource.category === 'charting')
      .map((resource) => new URL(resource.url).pathname.split('/').pop().replace(/_\d{6,}\.wasm$/, '.wasm'));
    rows.push([step.name, 'unthrottled', kb(total(step.resources)), ...CATEGORIES.map((name) => kb(sums[name])),
      String(step.shown), files.join(' ') || '-']);
  }
  console.log(table(rows));
}

async function main() {
  for (const needed of [binary, join(siteRoot, 'pkg/modelwatch_bg.wasm')]) {
    if (!existsSync(needed)) throw Object.assign(new Error(`${needed} is missing: build the release first (make release)`), { plain: true });
  }
  const dir = mkdtempSync(join(tmpdir(), 'modelwatch-bench-web-'));
  const state = { server: null, browser: null };
  let cleaning = null;
  const cleanUp = () => (cleaning ??= (async () => {
    if (state.browser) await state.browser.close().catch(() => {});
    if (state.server) await stopServer(state.server);
    rmSync(dir, { recursive: true, force: true });
  })());
  // Last resort when the process ends before the clean-up could finish.
  process.once('exit', () => {
    if (state.server && state.server.exitCode === null && state.server.signalCode === null) state.server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const interrupted = () => cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const baseUrl = await startServer(dir, state);
    const cookie = await sessionCookie(baseUrl);
    // Our own signal handlers close the browser and the server, in that order.
    state.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: LAUNCH_ARGS,
      handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    });
    const results = [];
    for (const page of PAGES) for (const profile of PROFILES) results.push({ page, profile, runs: [] });
    // Rounds outermost, so slow moments of a busy machine spread over all pages.
    for (let round = 1; round <= ROUNDS; round++) {
      process.stderr.write(`round ${round}/${ROUNDS}\n`);
      for (const result of results) {
        result.runs.push(await measure(state.browser, baseUrl, cookie, result.page, result.profile));
      }
    }
    report(results);
    reportNavigations(await navigate(state.browser, baseUrl, cookie));
  } finally {
    await cleanUp();
  }
}

main().catch((error) => {
  console.error(`bench-web: ${error.plain ? error.message : error.stack ?? error}`);
  process.exitCode = 1;
});
