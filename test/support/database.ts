import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import { createLogger } from '../../src/logger.js';

export const silentLogger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

function serverUrl(): URL {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with npm test');
  return new URL(url);
}

/** Creates an empty database on the test server and returns its URL. */
export async function createEmptyDatabase(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl().toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl();
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database with every migration applied exactly as at startup in production. */
export async function openTestDatabase(options: { poolSize?: number } = {}): Promise<Database> {
  const url = await createEmptyDatabase();
  return openDatabase({ databaseUrl: url, dataDir: '.data', poolSize: options.poolSize }, silentLogger);
}
