import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { WebClient } from '@slack/web-api';
import type { Database } from '../../src/db/database.js';
import { NO_POLICY } from '../../src/domain/policy.js';
import { createChargeRequest, transitionChargeRequest } from '../../src/persistence/charge-requests.js';
import { createApproverDirectory } from '../../src/slack/approvers.js';
import { createStripeClient } from '../../src/stripe/client.js';
import { createStripeGateway } from '../../src/stripe/gateway.js';
import type { UseCaseDeps } from '../../src/use-cases/deps.js';
import { sweepApprovedRequests } from '../../src/use-cases/payment-link.js';
import { FakeClock, SECOND } from '../support/clock.js';
import { openTestDatabase, silentLogger } from '../support/database.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { newRequest } from '../support/fixtures.js';

let database: Database;
let stripe: FakeStripe;
beforeAll(async () => {
  database = await openTestDatabase();
  stripe = await FakeStripe.start();
});
afterAll(async () => {
  await stripe?.close();
  await database?.close();
});

test('when the 20 requests the sweep takes keep failing, then a 21st waiting request gets its turn on the next sweep', async () => {
  const clock = new FakeClock(new Date('2026-11-20T10:00:00Z'));
  const client = createStripeClient({ secretKey: 'sk_test_sweep', apiBase: stripe.apiBase, webhookSecrets: [] });
  const deps: UseCaseDeps = {
    db: database.db,
    stripe: client && createStripeGateway(client),
    approvers: createApproverDirectory({
      userIds: ['U0FIN1'],
      usergroupId: undefined,
      client: new WebClient(),
      logger: silentLogger,
    }),
    allowSelfApproval: false,
    policy: { rules: NO_POLICY, timezone: 'UTC' },
    clock,
    logger: silentLogger,
  };
  // 21 approved requests, approved one millisecond apart: the 21st has waited least.
  const approved: string[] = [];
  for (let i = 0; i < 21; i++) {
    const created = await createChargeRequest(database.db, newRequest({ createdAt: clock.now() }), 'U0REQUESTER');
    const at = new Date(clock.now().getTime() + i);
    const moved = await transitionChargeRequest(database.db, {
      id: created.id,
      action: 'approve',
      expected: { status: 'pending_approval', version: 1 },
      actor: 'U0FIN1',
      changes: { approvedAt: at },
      at,
    });
    if (!moved.ok) throw new Error(moved.message);
    approved.push(created.id);
  }
  // Stripe fails every link it is asked for (a server error: retry later, same key).
  const failing = { status: 500, type: 'api_error', message: 'An unknown error occurred' };
  for (let i = 0; i < 50; i++) stripe.failNext('POST /v1/payment_links', failing);
  const triedSince = (from: number) =>
    stripe
      .createCalls()
      .slice(from)
      .map((r) => /countersign-link-(.+)-v1-a0$/.exec(r.idempotencyKey ?? '')?.[1]);

  clock.advance(60 * SECOND);
  expect(await sweepApprovedRequests(deps, 10)).toBe(20);
  expect(triedSince(0)).toEqual(approved.slice(0, 20));

  clock.advance(60 * SECOND);
  const before = stripe.createCalls().length;
  expect(await sweepApprovedRequests(deps, 10)).toBe(20);
  // The one that waited goes first; those that just failed go to the back.
  expect(triedSince(before)[0]).toBe(approved[20]);
});
