import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import pg from 'pg';
import { freePort } from '../src/db/embedded.js';

// The real entry point, run as `npm start` runs it, in a directory with no .env.
const MAIN = path.resolve('src/main.ts');
const TSX = path.resolve('node_modules/tsx/dist/loader.mjs');

interface Run {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(env: Record<string, string>, cwd: string): Run {
  const child = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, run: Run, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && run.child.exitCode === null) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}; output:\n${run.output()}`);
}

async function bootEmbedded(cwd: string): Promise<{ run: Run; pgPort: number; port: number }> {
  const port = await freePort();
  const app = run({ PORT: String(port), DATA_DIR: '.data' }, cwd);
  await waitFor(
    '/readyz 200',
    async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
    app,
  );
  const started = app
    .output()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg?: string; port?: number })
    .find((line) => line.msg === 'embedded PostgreSQL started');
  if (!started?.port) throw new Error(`no embedded postgres port in output:\n${app.output()}`);
  return { run: app, pgPort: started.port, port };
}

async function query<T>(pgPort: number, sql: string): Promise<T[]> {
  const client = new pg.Client({
    connectionString: `postgres://postgres:countersign-local@127.0.0.1:${pgPort}/countersign`,
  });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  test('when running as root with the data directory under a private directory, then the fix is explained', async () => {
    if (process.getuid?.() !== 0) return; // only root runs postgres as another user
    const app = run({ PORT: '0' }, mkdtempSync(path.join(tmpdir(), 'countersign-private-')));
    expect(await app.exited).toBe(1);
    expect(app.output()).toMatch(/cannot enter .*countersign-private-.*Set DATA_DIR/);
  });

  test('when a variable is invalid, then it prints which one and exits non-zero without a stack trace', async () => {
    const app = run({ PORT: 'abc' }, mkdtempSync(path.join(tmpdir(), 'countersign-cwd-')));
    expect(await app.exited).toBe(1);
    expect(app.output()).toMatch(/configuration problem[\s\S]*- PORT: .*got "abc"/);
    expect(app.output()).not.toMatch(/\n\s+at /);
  });

  test('when DATABASE_URL is unset, then embedded PostgreSQL boots, keeps data across restarts and stops on SIGTERM', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'countersign-cwd-'));
    chmodSync(cwd, 0o755); // as root, postgres runs as its own user and must reach the data directory
    const pidFile = path.join(cwd, '.data/postgres/postmaster.pid');

    const first = await bootEmbedded(cwd);
    const postgresPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    await query(
      first.pgPort,
      `INSERT INTO charge_requests (status, source, team_id, channel_id, requester_id, customer_name, description, amount_minor, currency)
         VALUES ('pending_approval', 'command', 'T1', 'C1', 'U1', 'Acme', 'kept across restarts', 4200, 'USD')`,
    );
    first.run.child.kill('SIGTERM');
    expect(await first.run.exited).toBe(0);
    expect(first.run.output()).toContain('stopped cleanly');
    expect(isAlive(postgresPid)).toBe(false);
    expect(existsSync(pidFile)).toBe(false);

    const second = await bootEmbedded(cwd);
    const rows = await query<{ description: string; amount_minor: string }>(
      second.pgPort,
      'SELECT description, amount_minor FROM charge_requests',
    );
    expect(rows).toEqual([{ description: 'kept across restarts', amount_minor: '4200' }]);
    expect(second.run.output()).not.toContain('initialising embedded PostgreSQL');
    second.run.child.kill('SIGTERM');
    expect(await second.run.exited).toBe(0);
  }, 120_000);

  test('when a process manager sends SIGTERM to `npm start`, then the app and its database stop cleanly', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'countersign-npm-'));
    chmodSync(cwd, 0o755);
    const port = await freePort();
    // npm runs the script through a shell: only if that shell hands over to node does the signal
    // arrive. Its own process group lets the test clean up whatever is left if it does not.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: path.resolve('.'),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: cwd,
        PORT: String(port),
        DATA_DIR: path.join(cwd, 'data'),
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const app: Run = { child, output: () => output, exited };
    try {
      await waitFor(
        '/readyz 200',
        async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined),
        app,
      );
      const postgresPid = Number(readFileSync(path.join(cwd, 'data/postgres/postmaster.pid'), 'utf8').split('\n')[0]);
      child.kill('SIGTERM'); // to npm only, as a process manager would
      for (let i = 0; i < 100 && !(output.includes('stopped cleanly') && !isAlive(postgresPid)); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(output).toContain('stopped cleanly');
      expect(isAlive(postgresPid)).toBe(false);
    } finally {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    }
  }, 120_000);
});
