import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import pg from 'pg';
import { createPoolDb, type PoolDb } from '../../src/db/sql.js';
import { createEmptyDatabase } from '../support/database.js';
import { eventually } from '../support/http-fake.js';

let url: string;
beforeAll(async () => {
  url = await createEmptyDatabase();
});

const opened: PoolDb[] = [];
const open = (options: { max?: number; lockPoolSize?: number } = {}) => {
  const db = createPoolDb({ url, ...options });
  opened.push(db);
  return db;
};
afterEach(async () => {
  jest.restoreAllMocks();
  for (const db of opened.splice(0)) await db.end();
});

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

describe('session locks (db.withSessionLock)', () => {
  test('when one instance holds a lock, then another skips it at once, and takes it once it is free', async () => {
    const [first, second] = [open(), open()];
    const holding = gate();
    const release = gate();
    const held = first.withSessionLock('countersign:job', async () => {
      holding.open();
      await release.opened;
      return 'first';
    });
    await holding.opened;

    const skipped = jest.fn(async () => 'second');
    expect(await second.withSessionLock('countersign:job', skipped)).toEqual({ ran: false });
    expect(skipped).not.toHaveBeenCalled();
    expect(await second.withSessionLock('countersign:other-job', async () => 'other')).toEqual({
      ran: true,
      value: 'other',
    });

    release.open();
    expect(await held).toEqual({ ran: true, value: 'first' });
    expect(await second.withSessionLock('countersign:job', skipped)).toEqual({ ran: true, value: 'second' });
  });

  test('when someone else holds a one-key advisory lock on the same hash, then ours is not blocked (own key space)', async () => {
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock(hashtext($1))', ['countersign:job']);
      expect(await open().withSessionLock('countersign:job', async () => 'ran')).toEqual({ ran: true, value: 'ran' });
    } finally {
      await other.end();
    }
  });

  test('when the unlock fails, then the work still counts, and its connection is closed so the lock dies with it', async () => {
    const [db, other] = [open(), open()];
    const query = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
    jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].includes('pg_advisory_unlock')) {
        return Promise.reject(new Error('connection lost at unlock'));
      }
      return query.apply(this, args);
    } as never);

    expect(await db.withSessionLock('countersign:job', async () => 'done')).toEqual({ ran: true, value: 'done' });
    // Not back in the pool holding the lock: closed, so another instance can take the lock.
    await eventually(() => (db.lockPool.totalCount === 0 ? true : undefined), 'the lock connection closed');
    jest.restoreAllMocks();
    expect(await other.withSessionLock('countersign:job', async () => 'next')).toEqual({ ran: true, value: 'next' });
  });

  test('when more lock holders run than the lock pool has connections, then the main pool still serves queries, and every holder runs in turn', async () => {
    const db = open({ max: 2, lockPoolSize: 3 });
    const release = gate();
    let inside = 0;
    const runs = Array.from({ length: 10 }, (_, i) =>
      db.withSessionLock(`countersign:link:${i}`, async () => {
        // Holders query through the main pool while they hold their lock, as issuePaymentLink does.
        await db.query('SELECT 1');
        inside += 1;
        await release.opened;
        return i;
      }),
    );
    await eventually(() => (inside === 3 ? true : undefined), 'three holders inside');
    expect(db.lockPool.waitingCount).toBe(7);

    // The rest of the app is not starved while every lock connection is taken.
    expect(await db.query<{ ok: number }>('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    expect(await db.transaction((tx) => tx.query<{ ok: number }>('SELECT 2 AS ok'))).toEqual([{ ok: 2 }]);
    expect(db.pool.totalCount).toBeLessThanOrEqual(2);

    release.open();
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 10 }, (_, i) => ({ ran: true, value: i })));
  });
});
