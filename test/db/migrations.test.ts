import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { openTestDatabase } from '../support/database.js';

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

test('the committed migrations produce exactly the schema the entities describe (nothing left to generate)', async () => {
  const pending = await db.dataSource.driver.createSchemaBuilder().log();
  expect(pending.upQueries.map((q) => q.query)).toEqual([]);
});

test('the migrations revert cleanly and apply again', async () => {
  await db.dataSource.undoLastMigration({ transaction: 'each' });
  expect(await db.isReady()).toBe(false);
  await db.dataSource.runMigrations({ transaction: 'each' });
  expect(await db.isReady()).toBe(true);
});
