import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

// The real entry points, run as `node dist/src/main.js` runs them, from source through tsx.
const TSX = path.resolve('node_modules/tsx/dist/loader.mjs');

export interface AppProcess {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
}

/** Runs `src/<entry>.ts` in its own process with only `env` (and PATH) set. */
export function runEntry(entry: 'main' | 'migrate', env: Record<string, string>, cwd: string): AppProcess {
  const child = spawn(process.execPath, ['--import', TSX, path.resolve(`src/${entry}.ts`)], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls `probe` until it gives a value, the process exits, or `ms` pass (then throws with the output). */
export async function waitForProcess<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  run: AppProcess,
  ms = 45_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && run.child.exitCode === null) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}; output:\n${run.output()}`);
}

export const isReady = (port: number) => async () =>
  (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined;
