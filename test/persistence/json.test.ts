import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { toJson } from '../../src/persistence/json.js';
import { openTestDatabase } from '../support/database.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

test('a jsonb round trip: bigint goes in as an exact decimal string and comes back a string, parsed by pg; key order and spacing are not kept', async () => {
  const value = { z: 1, amountMinor: 9_223_372_036_854_775_807n, nested: { flags: ['possible_duplicate'] } };
  expect(toJson(value)).toBe('{"z":1,"amountMinor":"9223372036854775807","nested":{"flags":["possible_duplicate"]}}');
  const [row] = await database.db.query<{ stored: unknown; text: string }>(
    'SELECT $1::jsonb AS stored, $1::jsonb::text AS text',
    [toJson(value)],
  );
  expect(row?.stored).toEqual({ z: 1, amountMinor: '9223372036854775807', nested: { flags: ['possible_duplicate'] } });
  expect(row?.text).toBe('{"z": 1, "nested": {"flags": ["possible_duplicate"]}, "amountMinor": "9223372036854775807"}');
});
