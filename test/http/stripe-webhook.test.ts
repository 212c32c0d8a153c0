import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { ADMINS, APPROVERS, type TestApp } from '../support/app.js';
import {
  approvedWithLink,
  auditOf,
  click,
  ephemeral,
  openModal,
  query,
  settled,
  submitModal,
  waitForStatus,
} from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';
import {
  charge,
  checkoutSession,
  dispute,
  postStripeEvent,
  stripeEvent,
  WEBHOOK_SECRETS,
} from '../support/stripe-events.js';

const services = useServices({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(',') } });
const start = (env: Record<string, string> = {}) => services.start({ env });

/** Waits until the inbox worker has applied these events; returns their outcomes in order. */
async function applied(t: TestApp, ids: string[]): Promise<string[]> {
  return eventually(async () => {
    const rows = await query<{ id: string; outcome: string }>(
      t.databaseUrl,
      'SELECT id, outcome FROM stripe_events WHERE id = ANY($1) AND processed_at IS NOT NULL',
      [ids],
    );
    return rows.length === ids.length ? ids.map((id) => rows.find((r) => r.id === id)?.outcome ?? '') : undefined;
  }, `${ids.length} events applied`);
}

const paidReplies = (t: TestApp, reference: string) =>
  t.slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith(`Paid ✅ ${reference}`));

describe('POST /stripe/webhook', () => {
  test('when the signature is missing, forged or stale, then 400 and nothing is stored', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
    const missing = await postStripeEvent(t.base, event, { signature: null });
    const forged = await postStripeEvent(t.base, event, { secret: 'whsec_attacker_guess' });
    const stale = await postStripeEvent(t.base, event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    const garbage = await postStripeEvent(t.base, event, { signature: 't=1,v1=deadbeef' });
    expect([missing.status, forged.status, stale.status, garbage.status]).toEqual([400, 400, 400, 400]);
    expect(await missing.json()).toEqual({
      error: 'missing_signature',
      message: 'The Stripe-Signature header is missing.',
    });
    expect(await query(t.databaseUrl, 'SELECT * FROM stripe_events')).toEqual([]);
    expect(await query(t.databaseUrl, 'SELECT status FROM charge_requests')).toEqual([{ status: 'link_created' }]);
  });

  test('when no webhook secret is configured, then events are refused unverified (503), never processed', async () => {
    const t = await start({ STRIPE_WEBHOOK_SECRET: '' });
    const res = await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession('plink_x')));
    expect(res.status).toBe(503);
    expect(await query(t.databaseUrl, 'SELECT * FROM stripe_events')).toEqual([]);
  });

  test('when a customer pays, then Postgres records it, the card says Paid and the thread says who paid', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    const session = checkoutSession(request.paymentLinkId);
    // Signed with the older of two secrets: rotation keeps both valid.
    const event = stripeEvent('checkout.session.completed', session);
    const res = await postStripeEvent(t.base, event, { secret: WEBHOOK_SECRETS[0] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, duplicate: false });
    expect(await applied(t, [event.id])).toEqual(['applied']);

    const [row] = await query(
      t.databaseUrl,
      'SELECT status, amount_received_minor, payer_email, payment_intent_id, paid_at FROM charge_requests',
    );
    expect(row).toMatchObject({
      status: 'paid',
      amount_received_minor: '120000',
      payer_email: 'pat@acme.test',
      payment_intent_id: `pi_${request.paymentLinkId}`,
    });
    expect(row?.paid_at).toBeInstanceOf(Date);
    const reply = await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).startsWith('Paid ✅'));
    expect(reply.args.text).toBe(`Paid ✅ CR-${request.number}: $1,200.00 USD received by pat@acme.test.`);
    await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(':moneybag: Paid $1,200.00 USD by pat@acme.test'),
    );
    const audit = await query(
      t.databaseUrl,
      "SELECT actor, from_status, to_status FROM audit_events WHERE action = 'record_payment'",
    );
    expect(audit).toEqual([{ actor: 'stripe', from_status: 'link_created', to_status: 'paid' }]);
  });

  test('unknown event types and payment links that are not ours are acknowledged and ignored', async () => {
    const t = await start();
    await approvedWithLink(t);
    const unknown = stripeEvent('customer.created', { id: 'cus_1', object: 'customer' });
    const notOurs = stripeEvent('checkout.session.completed', checkoutSession('plink_someone_else'));
    expect((await postStripeEvent(t.base, unknown)).status).toBe(200);
    expect((await postStripeEvent(t.base, notOurs)).status).toBe(200);
    expect(await applied(t, [unknown.id, notOurs.id])).toEqual(['ignored', 'not_ours']);
    expect(await query(t.databaseUrl, 'SELECT status FROM charge_requests')).toEqual([{ status: 'link_created' }]);
  });

  test('when every event arrives twice and in any order, then the final state is the same and "Paid" is said once', async () => {
    const t = await start();
    const permutations = [
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      [2, 0, 4, 1, 3],
      [3, 1, 0, 4, 2],
    ];
    const results: unknown[] = [];
    for (const order of permutations) {
      const request = await approvedWithLink(t);
      const pi = `pi_${request.paymentLinkId}`;
      const events = [
        stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId, { payment_status: 'unpaid' })),
        stripeEvent('checkout.session.async_payment_succeeded', checkoutSession(request.paymentLinkId)),
        stripeEvent('charge.refunded', charge(pi, request.id, { amount_refunded: 20000 })),
        stripeEvent('charge.refunded', charge(pi, request.id, { amount_refunded: 120000 })),
        stripeEvent('charge.dispute.created', {
          id: 'dp_1',
          object: 'dispute',
          reason: 'fraudulent',
          payment_intent: pi,
          charge: `ch_${pi}`,
          metadata: {},
        }),
      ];
      const deliveries = order.flatMap((i) => [events[i], events[i]]);
      const answers = [];
      for (const event of deliveries) answers.push(await (await postStripeEvent(t.base, event)).json());
      expect(answers.filter((a) => (a as { duplicate: boolean }).duplicate)).toHaveLength(5);
      await applied(
        t,
        events.map((e) => e.id),
      );
      const [row] = await query(
        t.databaseUrl,
        'SELECT status, refunded_minor, disputed, amount_received_minor FROM charge_requests WHERE id = $1',
        [request.id],
      );
      results.push(row);
      await eventually(
        () => (paidReplies(t, `CR-${request.number}`).length === 1 ? true : undefined),
        'one Paid reply',
      );
      expect(
        await query(t.databaseUrl, 'SELECT count(*)::int AS n FROM stripe_events WHERE charge_request_id = $1', [
          request.id,
        ]),
      ).toEqual([{ n: 5 }]);
    }
    expect(results).toEqual(
      Array(permutations.length).fill({
        status: 'refunded',
        refunded_minor: '120000',
        disputed: true,
        amount_received_minor: '120000',
      }),
    );
    await settled(t);
    expect(t.slack.callsOf('chat.postMessage').filter((c) => String(c.args.text).startsWith('Paid ✅'))).toHaveLength(
      permutations.length,
    );
  });

  test('when the customer disputes a payment, then the card reads disputed (not paid) and the reason is in words', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    const pi = `pi_${request.paymentLinkId}`;
    const events = [
      stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)),
      stripeEvent('charge.dispute.created', dispute(pi, { reason: 'product_not_received' })),
    ];
    for (const event of events) await postStripeEvent(t.base, event);
    await applied(
      t,
      events.map((e) => e.id),
    );
    expect(await query(t.databaseUrl, 'SELECT disputed, dispute_reason FROM charge_requests')).toEqual([
      { disputed: true, dispute_reason: 'product_not_received' },
    ]);
    const card = await t.slack.waitForCall('chat.update', (c) => JSON.stringify(c.args.blocks).includes('Disputed'));
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain(':rotating_light: disputed (paid)');
    expect(blocks).toContain('*Disputed:* the customer says they did not receive what they paid for.');
    expect(blocks).not.toContain(':moneybag:');
    expect(blocks).not.toContain('product_not_received');
    const notice = await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('disputed'));
    expect(notice.args.text).toContain('the customer says they did not receive what they paid for');
  });

  test('an asynchronous payment that fails ends failed, in either order', async () => {
    const t = await start();
    for (const reversed of [false, true]) {
      const request = await approvedWithLink(t);
      const events = [
        stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId, { payment_status: 'unpaid' })),
        stripeEvent(
          'checkout.session.async_payment_failed',
          checkoutSession(request.paymentLinkId, { payment_status: 'unpaid' }),
        ),
      ];
      for (const event of reversed ? events.reverse() : events) await postStripeEvent(t.base, event);
      await applied(
        t,
        events.map((e) => e.id),
      );
      expect(await query(t.databaseUrl, 'SELECT status FROM charge_requests WHERE id = $1', [request.id])).toEqual([
        { status: 'payment_failed' },
      ]);
    }
  });

  test('after a failed bank payment, an approver makes a new payment link; the old one is deactivated and the new one paid', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    const failed = [
      stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId, { payment_status: 'unpaid' })),
      stripeEvent(
        'checkout.session.async_payment_failed',
        checkoutSession(request.paymentLinkId, { payment_status: 'unpaid' }),
      ),
    ];
    for (const event of failed) await postStripeEvent(t.base, event);
    await waitForStatus(t, request.id, 'payment_failed');
    const card = await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('New payment link'),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(CARD_ACTIONS.retry);
    const [notice] = t.slack.callsOf('chat.postMessage').filter((c) => /failed at the bank/.test(String(c.args.text)));
    expect(String(notice?.args.text)).toContain('An approver can press *New payment link*');

    await click(t, CARD_ACTIONS.retry, `${request.id}:1`, 'U0REQUESTER', 'requester');
    expect(await ephemeral(t, 'requester')).toMatch(/Only finance approvers/);
    await click(t, CARD_ACTIONS.retry, `${request.id}:1`, APPROVERS[0] ?? '');
    await eventually(async () => {
      const [row] = await query<{ status: string; payment_link_id: string }>(
        t.databaseUrl,
        'SELECT status, payment_link_id FROM charge_requests WHERE id = $1',
        [request.id],
      );
      return row?.status === 'link_created' && row.payment_link_id !== request.paymentLinkId ? row : undefined;
    }, 'a new link');
    expect(
      services.stripe.createCalls().map((c) => c.idempotencyKey?.replace(`countersign-link-${request.id}-`, '')),
    ).toEqual(['v1-a0', 'v1-a1']);
    await eventually(
      () => (services.stripe.links.find((l) => l.id === request.paymentLinkId)?.active === false ? true : undefined),
      'the old link deactivated',
    );
    const fresh = services.stripe.links.at(-1)?.id ?? '';
    await postStripeEvent(
      t.base,
      stripeEvent('checkout.session.completed', checkoutSession(fresh, { payment_intent: `pi_${fresh}` })),
    );
    await waitForStatus(t, request.id, 'paid');
    // The old link's deactivation (an outbox item) is audited whenever Stripe confirms it.
    const actions = (await auditOf(t, request.id)).map((a) => a.action);
    expect(actions.filter((a) => a !== 'deactivate_link')).toEqual([
      'create',
      'approve',
      'create_link',
      'start_async_payment',
      'fail_payment',
      'retry_link',
      'create_link',
      'record_payment',
    ]);
    expect(actions.filter((a) => a === 'deactivate_link')).toHaveLength(1);
  });

  test('a payment whose amount differs from the approved one is recorded and flagged', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    await postStripeEvent(
      t.base,
      stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId, { amount_total: 100 })),
    );
    const reply = await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).startsWith('Paid ✅'));
    expect(reply.args.text).toContain(':warning: Stripe received $1.00 USD, but $1,200.00 USD was approved');
  });

  test('when Slack answers 500 and then 429 with Retry-After, then the Paid reply is delivered once after recovery', async () => {
    const t = await start();
    const request = await approvedWithLink(t);
    await settled(t); // the link's own updates are delivered first
    t.slack.failNext('chat.postMessage', { status: 500 });
    t.slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await eventually(() => (paidReplies(t, `CR-${request.number}`).length ? true : undefined), 'Paid reply', 15_000);
    await settled(t);
    expect(paidReplies(t, `CR-${request.number}`)).toHaveLength(1);
    expect(t.slack.callsOf('chat.postMessage!failed')).toHaveLength(2);
  });
});

test('events stored but not yet applied when the app stopped are applied after a restart', async () => {
  const t = await start();
  const request = await approvedWithLink(t);
  await t.stop();
  // As if the app died right after answering Stripe: the event is in the inbox, unapplied.
  const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
  await query(t.databaseUrl, 'INSERT INTO stripe_events (id, type, payload) VALUES ($1, $2, $3)', [
    event.id,
    event.type,
    JSON.stringify(event),
  ]);
  const restarted = await services.start({ databaseUrl: t.databaseUrl });
  expect(await applied(restarted, [event.id])).toEqual(['applied']);
  await waitForStatus(restarted, request.id, 'paid');
});

test('a payment that arrives after cancellation is still recorded, and the thread is told to consider a refund', async () => {
  const t = await start();
  const request = await approvedWithLink(t);
  const form = await openModal(t, CARD_ACTIONS.cancel, `${request.id}:1`, 'U0REQUESTER');
  await submitModal(t, form, 'U0REQUESTER', { reason: 'not needed' });
  await waitForStatus(t, request.id, 'canceled');
  // The customer paid in the moment before the link was deactivated: the money arrived regardless.
  const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
  await postStripeEvent(t.base, event);
  expect(await applied(t, [event.id])).toEqual(['applied']);
  const [row] = await query(t.databaseUrl, 'SELECT status, amount_received_minor FROM charge_requests WHERE id = $1', [
    request.id,
  ]);
  expect(row).toEqual({ status: 'paid', amount_received_minor: '120000' });
  const reply = await t.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).startsWith('Paid ✅'));
  expect(reply.args.text).toContain('The request had been canceled; consider refunding the payment.');
  // The card keeps who canceled and why, beside the payment.
  await t.slack.waitForCall('chat.update', (c) =>
    /:warning: Canceled by <@U0REQUESTER> · \d{1,2} \w{3} \d{2}:\d{2} UTC: not needed\. The customer paid before/.test(
      JSON.stringify(c.args.blocks),
    ),
  );
});

describe('reconciliation', () => {
  test('when a webhook never arrives, then /charges reconcile records the payment, once', async () => {
    const t = await start({ ADMIN_USER_IDS: ADMINS.join(',') });
    const request = await approvedWithLink(t);
    services.stripe.sessions.push(checkoutSession(request.paymentLinkId));

    await t.postCommand({ text: 'reconcile', user_id: 'U0NOTADMIN', response_url: t.slack.responseUrl('not-admin') });
    expect(await ephemeral(t, 'not-admin')).toMatch(/for Countersign admins/);
    expect(await query(t.databaseUrl, 'SELECT status FROM charge_requests')).toEqual([{ status: 'link_created' }]);

    await t.postCommand({ text: 'reconcile', user_id: ADMINS[0] ?? '', response_url: t.slack.responseUrl('admin') });
    await waitForStatus(t, request.id, 'paid');
    await t.slack.waitForCall(
      'response_url',
      (c) =>
        c.args.path === '/response/admin' &&
        String(c.args.text).startsWith(
          'Checked 1 payment link (open, or closed in the last two days); recorded 1 payment',
        ),
    );

    // The webhook arriving late, and a second reconciliation, change nothing.
    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await t.postCommand({ text: 'reconcile', user_id: ADMINS[0] ?? '', response_url: t.slack.responseUrl('again') });
    await t.slack.waitForCall(
      'response_url',
      (c) => c.args.path === '/response/again' && String(c.args.text).startsWith('Checked 0'),
    );
    await eventually(() => (paidReplies(t, `CR-${request.number}`).length ? true : undefined), 'Paid reply');
    await settled(t);
    expect(paidReplies(t, `CR-${request.number}`)).toHaveLength(1);
  });

  test('a checkout completed on a link canceled meanwhile is found too, when its webhook never arrives', async () => {
    const t = await start({ ADMIN_USER_IDS: ADMINS.join(',') });
    const request = await approvedWithLink(t);
    const form = await openModal(t, CARD_ACTIONS.cancel, `${request.id}:1`, 'U0REQUESTER');
    await submitModal(t, form, 'U0REQUESTER', { reason: 'not needed' });
    await waitForStatus(t, request.id, 'canceled');
    services.stripe.sessions.push(checkoutSession(request.paymentLinkId));

    await t.postCommand({ text: 'reconcile', user_id: ADMINS[0] ?? '', response_url: t.slack.responseUrl('admin') });
    await waitForStatus(t, request.id, 'paid');
    await t.slack.waitForCall(
      'response_url',
      (c) =>
        c.args.path === '/response/admin' && /^Checked 1 payment link .*recorded 1 payment/.test(String(c.args.text)),
    );
  });
});
