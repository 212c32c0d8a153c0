import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { type RunningApp, startApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { revertLastMigration, runMigrations } from '../../src/db/database.js';
import { createEmptyDatabase, silentLogger } from '../support/database.js';

let app: RunningApp;
let base: string;

beforeAll(async () => {
  const config = loadConfig({ PORT: '0', DATABASE_URL: await createEmptyDatabase() });
  app = await startApp(config, silentLogger);
  base = `http://127.0.0.1:${app.port}`;
});
afterAll(async () => {
  await app?.stop();
});

describe('health endpoints', () => {
  test('GET /healthz answers 200 while the process is up', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz answers 200 only while every migration is applied', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    await revertLastMigration(app.database.url);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'not_ready' });
    await runMigrations(app.database.url, silentLogger);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  test('unknown routes get a JSON 404', async () => {
    const res = await fetch(`${base}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not_found' });
  });
});
