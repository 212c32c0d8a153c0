import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { WebClient } from '@slack/web-api';
import type { Database } from '../../src/db/database.js';
import { listAudit } from '../../src/persistence/audit.js';
import { createChargeRequest, transitionChargeRequest } from '../../src/persistence/charge-requests.js';
import { createApproverDirectory } from '../../src/slack/approvers.js';
import { announceLinkDelays } from '../../src/use-cases/announce-link-delays.js';
import { FakeClock } from '../support/clock.js';
import { openTestDatabase, silentLogger } from '../support/database.js';
import { newRequest } from '../support/fixtures.js';

const FIVE_MINUTES = 5 * 60_000;
const APPROVERS = ['U0FIN1', 'U0FIN2'];

let db: Database;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

async function approvedAt(at: Date) {
  const request = await createChargeRequest(db.db, newRequest(), 'U0REQUESTER');
  const moved = await transitionChargeRequest(db.db, {
    id: request.id,
    action: 'approve',
    expected: { status: 'pending_approval', version: 1 },
    actor: 'U0FIN1',
    changes: { approvedAt: at },
  });
  if (!moved.ok) throw new Error(moved.message);
  return moved.request;
}

const outboxOf = (requestId: string) =>
  db.db.query<{ kind: string; payload: Record<string, unknown> }>(
    "SELECT kind, payload FROM slack_outbox WHERE payload->>'requestId' = $1 ORDER BY id",
    [requestId],
  );

describe('announcing late payment links (LINK_DELAY_ALERT)', () => {
  const clock = new FakeClock(new Date('2026-11-20T10:00:00Z'));
  const deps = {
    // The real directory from APPROVER_USER_IDS alone: with no user group it never calls Slack.
    approvers: createApproverDirectory({
      userIds: APPROVERS,
      usergroupId: undefined,
      client: new WebClient(),
      logger: silentLogger,
    }),
    clock,
    logger: silentLogger,
  };

  test('before the delay nothing is said; at the delay the card, the thread and each approver once; never again', async () => {
    const use = { ...deps, db: db.db };
    const request = await approvedAt(clock.now());

    clock.advance(FIVE_MINUTES - 1);
    expect(await announceLinkDelays(use, FIVE_MINUTES)).toBe(0);
    expect(await outboxOf(request.id)).toEqual([]);

    clock.advance(2);
    expect(await announceLinkDelays(use, FIVE_MINUTES)).toBe(1);
    expect(await outboxOf(request.id)).toEqual([
      { kind: 'update_card', payload: { kind: 'update_card', requestId: request.id } },
      {
        kind: 'thread_reply',
        payload: { kind: 'thread_reply', requestId: request.id, notice: { type: 'link_delayed', after: '5m' } },
      },
      ...APPROVERS.map((userId) => ({
        kind: 'direct_message',
        payload: {
          kind: 'direct_message',
          requestId: request.id,
          userId,
          notice: { type: 'link_delayed', after: '5m' },
        },
      })),
    ]);
    const [delayed] = await db.db.query<{ link_delayed_at: Date }>(
      'SELECT link_delayed_at FROM charge_requests WHERE id = $1',
      [request.id],
    );
    expect(delayed?.link_delayed_at).toEqual(clock.now());
    expect((await listAudit(db.db, request.id)).filter((e) => e.action === 'link_delayed')).toMatchObject([
      {
        actor: 'system',
        fromStatus: 'approved',
        toStatus: 'approved',
        details: { after: '5m', approversTold: APPROVERS },
      },
    ]);

    clock.advance(FIVE_MINUTES * 10);
    expect(await announceLinkDelays(use, FIVE_MINUTES)).toBe(0);
    expect(await outboxOf(request.id)).toHaveLength(4);
  });

  test('when several runs (instances) announce at once, then each request is announced exactly once', async () => {
    const use = { ...deps, db: db.db };
    const requests = await Promise.all(Array.from({ length: 5 }, () => approvedAt(clock.now())));
    clock.advance(FIVE_MINUTES + 1000);
    const counts = await Promise.all(Array.from({ length: 4 }, () => announceLinkDelays(use, FIVE_MINUTES)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    for (const request of requests) {
      expect((await outboxOf(request.id)).filter((i) => i.kind === 'thread_reply')).toHaveLength(1);
    }
  });

  test('a request that got its link, or was canceled, in time is not announced', async () => {
    const use = { ...deps, db: db.db };
    const linked = await approvedAt(clock.now());
    await transitionChargeRequest(db.db, {
      id: linked.id,
      action: 'create_link',
      expected: { status: 'approved', version: 1 },
      actor: 'system',
      changes: { paymentLinkId: `plink_${linked.number}`, paymentLinkUrl: 'https://buy.stripe.com/x' },
    });
    clock.advance(FIVE_MINUTES * 2);
    expect(await announceLinkDelays(use, FIVE_MINUTES)).toBe(0);
    expect(await outboxOf(linked.id)).toEqual([]);
  });
});
