import { afterAll, beforeAll, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { applyQueueRetention } from '../../src/use-cases/queue-retention.js';
import { FakeClock } from '../support/clock.js';
import { openTestDatabase, silentLogger } from '../support/database.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const DAY = 86_400_000;

test('when retention runs, then finished rows older than QUEUE_RETENTION go in batches, and pending, dead and recent rows stay', async () => {
  const { db } = database;
  // Five old delivered updates (more than one batch), one old discarded, and every row that must stay.
  await db.query(
    `INSERT INTO slack_outbox (kind, payload, status, created_at, delivered_at)
     SELECT 'update_card', '{}', 'delivered', now() - interval '40 days', now() - interval '40 days'
     FROM generate_series(1, 5)`,
  );
  await db.query(
    `INSERT INTO slack_outbox (kind, payload, status, created_at, delivered_at) VALUES
       ('update_card', '{"keep":false}', 'discarded', now() - interval '40 days', NULL),
       ('update_card', '{"keep":"pending"}', 'pending', now() - interval '40 days', NULL),
       ('update_card', '{"keep":"dead"}', 'dead', now() - interval '40 days', NULL),
       ('update_card', '{"keep":"recent"}', 'delivered', now() - interval '40 days', now() - interval '2 days')`,
  );
  await db.query(
    `INSERT INTO stripe_events (id, type, payload, status, received_at, processed_at) VALUES
       ('evt_old', 'charge.refunded', '{}', 'processed', now() - interval '40 days', now() - interval '40 days'),
       ('evt_pending', 'charge.refunded', '{}', 'pending', now() - interval '40 days', NULL),
       ('evt_dead', 'charge.refunded', '{}', 'dead', now() - interval '40 days', NULL),
       ('evt_recent', 'charge.refunded', '{}', 'processed', now() - interval '1 day', now() - interval '1 day')`,
  );

  const deleted = await applyQueueRetention({ db, clock: new FakeClock(), logger: silentLogger }, 30 * DAY, 2);

  expect(deleted).toEqual({ outbox: 6, inbox: 1 });
  const outbox = await db.query<{ keep: string; status: string }>(
    `SELECT payload->>'keep' AS keep, status FROM slack_outbox ORDER BY id`,
  );
  expect(outbox).toEqual([
    { keep: 'pending', status: 'pending' },
    { keep: 'dead', status: 'dead' },
    { keep: 'recent', status: 'delivered' },
  ]);
  const inbox = await db.query<{ id: string }>('SELECT id FROM stripe_events ORDER BY id');
  expect(inbox.map((r) => r.id)).toEqual(['evt_dead', 'evt_pending', 'evt_recent']);

  // The cutoff is the app's clock: a month later the recent rows are old too.
  const later = new FakeClock(new Date(Date.now() + 31 * DAY));
  expect(await applyQueueRetention({ db, clock: later, logger: silentLogger }, 30 * DAY)).toEqual({
    outbox: 1,
    inbox: 1,
  });
});
