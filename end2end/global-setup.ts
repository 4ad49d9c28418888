// Starts the release server on a free port with a fresh temporary database, waits until it
// answers /healthz, and stops it after the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const root = resolve(__dirname, '..');

export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'modelwatch-e2e-'));
  const server = spawn(
    join(root, 'target/release/modelwatch'),
    ['--log-format', 'json', 'serve', '--addr', '127.0.0.1:0'],
    {
      cwd: root,
      env: {
        ...process.env,
        MODELWATCH_DATABASE_URL: `sqlite://${join(dataDir, 'e2e.db')}`,
        MODELWATCH_SITE_ROOT: join(root, 'target/site'),
        MODELWATCH_LOG: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );

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
  process.env.MODELWATCH_BASE_URL = baseUrl;

  return async () => {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  };
}
