import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createDataSource } from '../../src/db/data-source.js';
import { type Database, revertLastMigration, runMigrations } from '../../src/db/database.js';
import { openTestDatabase, silentLogger } from '../support/database.js';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

test('the committed migrations produce exactly the schema the entities describe (nothing left to generate)', async () => {
  const dataSource = createDataSource(db.url);
  await dataSource.initialize();
  try {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  } finally {
    await dataSource.destroy();
  }
});

test('the migrations revert cleanly and apply again', async () => {
  await revertLastMigration(db.url);
  expect(await db.isReady()).toBe(false);
  expect(await runMigrations(db.url, silentLogger)).toHaveLength(1);
  expect(await db.isReady()).toBe(true);
});
