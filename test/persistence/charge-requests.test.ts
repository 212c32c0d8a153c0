import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import { createPoolDb } from '../../src/db/sql.js';
import { listAudit } from '../../src/persistence/audit.js';
import {
  createChargeRequest,
  findChargeRequestByNumber,
  transitionChargeRequest,
} from '../../src/persistence/charge-requests.js';
import { openTestDatabase } from '../support/database.js';
import { newRequest } from '../support/fixtures.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase({ poolSize: 25 });
});
afterAll(async () => {
  await db?.close();
});

describe('charge requests in PostgreSQL', () => {
  test('when a request is created, then it is pending at version 1 with a CR- reference and an audited creation', async () => {
    const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER', { via: 'test' });
    expect(request).toMatchObject({ status: 'pending_approval', version: 1, amountMinor: 120000n, currency: 'USD' });
    expect(request.reference).toMatch(/^CR-1\d{3,}$/);
    expect(await findChargeRequestByNumber(db.db, request.number)).toMatchObject({ id: request.id });
    const trail = await listAudit(db.db, request.id);
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({
      actor: 'U0REQUESTER',
      action: 'create',
      toStatus: 'pending_approval',
      details: { via: 'test' },
    });
  });

  test('amounts beyond 2^53 minor units survive the round trip exactly (bigint, never number)', async () => {
    const huge = 9_007_199_254_740_993n; // 2^53 + 1: a float would round it
    const request = await createChargeRequest(db.db, newRequest({ amountMinor: huge }), 'U0REQUESTER');
    expect(request.amountMinor).toBe(huge);
  });

  test('when 20 actors race the same approval on one pool, then exactly one wins and one audit event is written', async () => {
    const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        transitionChargeRequest(db.db, {
          id: request.id,
          action: 'approve',
          expected: { status: 'pending_approval', version: 1 },
          actor: `U0APPROVER${i}`,
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const losers = results.filter((r) => !r.ok);
    expect(losers).toHaveLength(19);
    for (const loser of losers) expect(loser).toMatchObject({ code: 'conflict', current: { status: 'approved' } });
    const approvals = (await listAudit(db.db, request.id)).filter((e) => e.action === 'approve');
    expect(approvals).toHaveLength(1);
  });

  test('when two app processes (separate connection pools) race an approval and a cancel, then exactly one wins', async () => {
    const second = createPoolDb({ url: db.url, max: 10, applicationName: 'countersign-second' });
    try {
      for (let round = 0; round < 10; round++) {
        const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
        const expected = { status: 'pending_approval' as const, version: 1 };
        const results = await Promise.all([
          ...Array.from({ length: 5 }, () =>
            transitionChargeRequest(db.db, { id: request.id, action: 'approve', expected, actor: 'U0A' }),
          ),
          ...Array.from({ length: 5 }, () =>
            transitionChargeRequest(second, { id: request.id, action: 'cancel', expected, actor: 'U0REQUESTER' }),
          ),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const trail = await listAudit(db.db, request.id);
        expect(trail.map((e) => e.action)).toHaveLength(2); // create + the single winner
      }
    } finally {
      await second.end();
    }
  });

  test('when a request is edited, then the version increases and a move based on the old version is refused', async () => {
    const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
    const edited = await transitionChargeRequest(db.db, {
      id: request.id,
      action: 'edit',
      expected: { status: 'pending_approval', version: 1 },
      actor: 'U0REQUESTER',
      changes: { amountMinor: 150000n },
      details: { amountMinor: { from: 120000n, to: 150000n } },
    });
    expect(edited).toMatchObject({
      ok: true,
      request: { version: 2, amountMinor: 150000n, status: 'pending_approval' },
    });
    const staleApproval = await transitionChargeRequest(db.db, {
      id: request.id,
      action: 'approve',
      expected: { status: 'pending_approval', version: 1 },
      actor: 'U0APPROVER',
    });
    expect(staleApproval).toMatchObject({ ok: false, code: 'conflict', current: { version: 2 } });
    const trail = await listAudit(db.db, request.id);
    expect(trail.map((e) => [e.action, e.version])).toEqual([
      ['create', 1],
      ['edit', 2],
    ]);
    expect(trail[1]?.details).toEqual({ amountMinor: { from: '120000', to: '150000' } });
  });

  test('when the state machine forbids a move, then nothing is written', async () => {
    const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
    const result = await transitionChargeRequest(db.db, {
      id: request.id,
      action: 'record_payment',
      expected: { status: 'pending_approval', version: 1 },
      actor: 'stripe',
    });
    expect(result).toMatchObject({ ok: false, code: 'wrong_state' });
    expect(await listAudit(db.db, request.id)).toHaveLength(1);
  });

  test('the audit trail is append-only: the database refuses updates and deletes', async () => {
    await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
    await expect(db.db.query(`UPDATE audit_events SET actor = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(db.db.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
  });

  test('the database itself refuses impossible rows (zero amount, unknown status, lowercase currency)', async () => {
    await expect(createChargeRequest(db.db, newRequest({ amountMinor: 0n }), 'U0X')).rejects.toThrow(/amount_check/);
    await expect(createChargeRequest(db.db, newRequest({ currency: 'usd' }), 'U0X')).rejects.toThrow(/currency_check/);
    await expect(db.db.query(`UPDATE charge_requests SET status = 'teleported'`)).rejects.toThrow(/status_check/);
  });
});
