import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { ApplyAlone, createInbox } from '../../src/inbox/worker.js';
import { ingestStripeEvent } from '../../src/persistence/stripe-events.js';
import { openTestDatabase, silentLogger } from '../support/database.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

const row = async (id: string) =>
  (
    await database.db.query<{ status: string; attempts: number; last_error: string | null; delay: number }>(
      `SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float AS delay
       FROM stripe_events WHERE id = $1`,
      [id],
    )
  )[0];

/** As if the retry delay had passed: the test moves the event's next attempt to now. */
const makeDue = (id: string) =>
  database.db.query('UPDATE stripe_events SET next_attempt_at = now() WHERE id = $1', [id]);

describe('the Stripe inbox', () => {
  test('when an event keeps failing, then it is retried with growing delays and kept as dead, not lost', async () => {
    const inbox = createInbox({
      db: database.db,
      apply: async () => {
        throw new Error('the database refused the write');
      },
      logger: silentLogger,
      maxAttempts: 4,
    });
    const event = { id: 'evt_failing', type: 'checkout.session.completed', payload: '{"id":"evt_failing"}' };
    expect(await ingestStripeEvent(database.db, event)).toBe(true);

    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await inbox.processNext()).toBe('failed');
      const after = await row(event.id);
      expect(after).toMatchObject({ status: 'pending', attempts: attempt });
      delays.push(after?.delay ?? 0);
      // Not due yet: nothing is claimed until the delay has passed.
      expect(await inbox.processNext()).toBeUndefined();
      await makeDue(event.id);
    }
    expect(delays[0]).toBeGreaterThan(0.5);
    expect(delays[1]).toBeGreaterThan(delays[0] ?? 0);
    expect(delays[2]).toBeGreaterThan(delays[1] ?? 0);

    expect(await inbox.processNext()).toBe('failed');
    expect(await row(event.id)).toMatchObject({
      status: 'dead',
      attempts: 4,
      last_error: 'Error: the database refused the write',
    });
    await makeDue(event.id);
    expect(await inbox.processNext()).toBeUndefined(); // dead events wait for an operator
  });

  test('when an event becomes dead, then onDead runs in the transaction that marks it dead, and only then', async () => {
    const seen: { failure: unknown; insideTx: string | undefined; outsideTx: string | undefined }[] = [];
    const inbox = createInbox({
      db: database.db,
      apply: async () => {
        throw new Error('cannot apply');
      },
      logger: silentLogger,
      maxAttempts: 2,
      onDead: async (tx, event, failure) => {
        seen.push({
          failure,
          // The dead mark is visible in this transaction and not yet outside it: both commit together.
          insideTx: (
            await tx.query<{ status: string }>('SELECT status FROM stripe_events WHERE id = $1', [event.id])
          )[0]?.status,
          outsideTx: (await row(event.id))?.status,
        });
      },
    });
    const event = { id: 'evt_dies', type: 'charge.refunded', payload: '{"id":"evt_dies"}' };
    await ingestStripeEvent(database.db, event);
    expect(await inbox.processNext(event.id)).toBe('failed');
    expect(seen).toEqual([]);
    await makeDue(event.id);
    expect(await inbox.processNext(event.id)).toBe('failed');
    expect(seen).toEqual([
      { failure: { error: 'Error: cannot apply', attempts: 2 }, insideTx: 'dead', outsideTx: 'pending' },
    ]);
    expect(await row(event.id)).toMatchObject({ status: 'dead', attempts: 2 });
  });

  test('when applying fails, then the claim and every write of the attempt are rolled back', async () => {
    const inbox = createInbox({
      db: database.db,
      apply: async (tx) => {
        await tx.query(`INSERT INTO audit_events (actor, action, details) VALUES ('test', 'half_done', '{}')`);
        throw new Error('crashed half-way');
      },
      logger: silentLogger,
    });
    await ingestStripeEvent(database.db, { id: 'evt_half', type: 'charge.refunded', payload: '{"id":"evt_half"}' });
    expect(await inbox.processNext('evt_half')).toBe('failed');
    expect(await database.db.query(`SELECT 1 FROM audit_events WHERE action = 'half_done'`)).toEqual([]);
    expect(await row('evt_half')).toMatchObject({ status: 'pending', attempts: 1 });
  });

  test('when events are applied in a batch and one of them fails, then the others are applied and only it waits for a retry', async () => {
    const applied: string[] = [];
    const inbox = createInbox({
      db: database.db,
      apply: async (tx, event) => {
        if (event.id === 'evt_batch_bad') throw new Error('cannot apply this one');
        await tx.query(`INSERT INTO audit_events (actor, action, details) VALUES ('test', $1, '{}')`, [event.id]);
        applied.push(event.id);
        return { outcome: 'applied', requestId: null };
      },
      logger: silentLogger,
    });
    const ids = ['evt_batch_1', 'evt_batch_bad', 'evt_batch_2', 'evt_batch_3'];
    for (const id of ids)
      await ingestStripeEvent(database.db, { id, type: 'charge.refunded', payload: `{"id":"${id}"}` });
    expect(await inbox.processBatch(50)).toBe(4);
    const outcomes = await database.db.query<{ id: string; status: string; outcome: string | null; attempts: number }>(
      'SELECT id, status, outcome, attempts FROM stripe_events WHERE id = ANY($1) ORDER BY id',
      [ids],
    );
    expect(outcomes).toEqual([
      { id: 'evt_batch_1', status: 'processed', outcome: 'applied', attempts: 0 },
      { id: 'evt_batch_2', status: 'processed', outcome: 'applied', attempts: 0 },
      { id: 'evt_batch_3', status: 'processed', outcome: 'applied', attempts: 0 },
      { id: 'evt_batch_bad', status: 'pending', outcome: null, attempts: 1 },
    ]);
    // The failed batch's writes were rolled back: each good event's effect is there once.
    const effects = await database.db.query<{ action: string }>(
      `SELECT action FROM audit_events WHERE action LIKE 'evt_batch%' ORDER BY action`,
    );
    expect(effects.map((e) => e.action)).toEqual(['evt_batch_1', 'evt_batch_2', 'evt_batch_3']);
  });

  test('an event that must ask Stripe first is never applied inside a shared batch, and costs no retry', async () => {
    const calls: [string, boolean][] = [];
    const inbox = createInbox({
      db: database.db,
      apply: async (_tx, event, inBatch) => {
        calls.push([event.id, inBatch]);
        if (event.id === 'evt_alone_lookup' && inBatch) throw new ApplyAlone(event.id, 'looks up its payment intent');
        return { outcome: 'no_change', requestId: null };
      },
      logger: silentLogger,
    });
    const ids = ['evt_alone_1', 'evt_alone_lookup', 'evt_alone_2'];
    for (const id of ids)
      await ingestStripeEvent(database.db, { id, type: 'charge.dispute.created', payload: `{"id":"${id}"}` });
    expect(await inbox.processBatch(50)).toBe(3);
    const outcomes = await database.db.query<{ status: string; attempts: number }>(
      'SELECT status, attempts FROM stripe_events WHERE id = ANY($1) ORDER BY id',
      [ids],
    );
    expect(outcomes).toEqual(ids.map(() => ({ status: 'processed', attempts: 0 })));
    // Only ever applied alone, outside the batch.
    expect(calls.filter(([id]) => id === 'evt_alone_lookup')).toEqual([
      ['evt_alone_lookup', true],
      ['evt_alone_lookup', false],
    ]);
  });

  test('a redelivered event is stored once', async () => {
    const event = { id: 'evt_twice', type: 'charge.refunded', payload: '{"id":"evt_twice"}' };
    expect(await ingestStripeEvent(database.db, event)).toBe(true);
    expect(await ingestStripeEvent(database.db, event)).toBe(false);
  });
});
