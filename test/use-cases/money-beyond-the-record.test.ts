import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { ADMINS, APPROVERS, type TestApp } from '../support/app.js';
import { DAY, FakeClock, nextMondayAt } from '../support/clock.js';
import {
  approvedWithLink,
  auditOf,
  click,
  openModal,
  query,
  settled,
  statusOf,
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

/**
 * Money is never dropped: a payment through an older link after Request again, a second payment on
 * a paid request, and the refunds and disputes of that second payment are all recorded, and nothing
 * is left payable twice.
 */

const [FIN1 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';
const services = useServices({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(',') } });

const threadReplies = (t: TestApp, pattern: RegExp) =>
  t.slack
    .callsOf('chat.postMessage')
    .filter((c) => !c.args.blocks && pattern.test(String(c.args.text)))
    .map((c) => String(c.args.text));

async function row(t: TestApp, id: string) {
  const [found] = await query<{
    status: string;
    version: number;
    payment_intent_id: string | null;
    payment_link_id: string | null;
    amount_received_minor: string | null;
    refunded_minor: string;
    disputed: boolean;
    flags: { code: string; facts?: Record<string, unknown> }[];
  }>(
    t.databaseUrl,
    `SELECT status, version, payment_intent_id, payment_link_id, amount_received_minor, refunded_minor, disputed, flags
     FROM charge_requests WHERE id = $1`,
    [id],
  );
  if (!found) throw new Error(`no request ${id}`);
  return found;
}

/** A link that expired unpaid, asked for again: version 2 waits for approval; the old link is returned. */
async function askedAgain(t: TestApp, clock: FakeClock) {
  const request = await approvedWithLink(t);
  clock.advance(DAY);
  await t.tick();
  await waitForStatus(t, request.id, 'link_expired');
  await click(t, CARD_ACTIONS.requestAgain, `${request.id}:1`, REQUESTER);
  await waitForStatus(t, request.id, 'pending_approval');
  return request;
}

const start = (clock = new FakeClock(nextMondayAt(10)), env: Record<string, string> = {}) =>
  services.start({ clock, env: { LINK_EXPIRES_AFTER: '1d', ...env } }).then((t) => ({ t, clock }));

const linkActive = (id: string | null) => services.stripe.links.find((l) => l.id === id)?.active;

describe('a payment through the expired link after Request again', () => {
  test('when version 2 is approved and Stripe is still making its link, then it is withdrawn, the payment recorded and the new link deactivated', async () => {
    const { t, clock } = await start();
    const request = await askedAgain(t, clock);
    const release = services.stripe.holdNext('POST /v1/payment_links');
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'approved');
    await eventually(() => (services.stripe.createCalls().length === 2 ? true : undefined), 'link v2 being made');

    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await waitForStatus(t, request.id, 'paid');
    release();
    // The link Stripe finishes making for version 2 is deactivated: nobody may pay it.
    await eventually(() => (linkActive(services.stripe.links[1]?.id ?? null) === false ? true : undefined), 'v2 off');
    await settled(t);

    const paid = await row(t, request.id);
    expect(paid).toMatchObject({
      status: 'paid',
      amount_received_minor: '120000',
      payment_link_id: request.paymentLinkId,
    });
    expect(paid.flags.map((f) => f.code)).toEqual(['paid_after_expiry']);
    const actions = (await auditOf(t, request.id)).map((a) => a.action);
    expect(actions.slice(-4)).toEqual(['approve', 'cancel', 'record_payment', 'deactivate_link']);
    expect(threadReplies(t, /version 2 is withdrawn: it will not get a payment link/)).toHaveLength(1);
  });

  test('when version 2 has its own link, then the payment is recorded, flagged, and the new link deactivated', async () => {
    const { t, clock } = await start();
    const request = await askedAgain(t, clock);
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    const v2 = (await row(t, request.id)).payment_link_id;
    expect(v2).not.toBe(request.paymentLinkId);

    const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
    await postStripeEvent(t.base, event);
    await postStripeEvent(t.base, event);
    await waitForStatus(t, request.id, 'paid');
    await eventually(() => (linkActive(v2) === false ? true : undefined), 'the newer link deactivated');
    await settled(t);

    const paid = await row(t, request.id);
    // The flag names the link the money came through, not the newer one.
    expect(paid.flags).toEqual([{ code: 'paid_after_expiry', facts: { paymentLinkId: request.paymentLinkId } }]);
    expect(paid.payment_intent_id).toBe(`pi_${request.paymentLinkId}`);
    const notices = threadReplies(t, /^Paid ✅/);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain('Its current payment link is being deactivated, so the customer cannot pay twice.');
    const deactivations = (await auditOf(t, request.id)).filter((a) => a.action === 'deactivate_link');
    expect(deactivations).toEqual([
      expect.objectContaining({ actor: 'system', details: { paymentLinkId: v2, reason: 'paid through another link' } }),
    ]);
  });

  test('when Stripe refuses to deactivate the newer link, it is kept dead and every admin is told what to do', async () => {
    const { t, clock } = await start(undefined, { ADMIN_USER_IDS: ADMINS.join(',') });
    const request = await askedAgain(t, clock);
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    const v2 = (await row(t, request.id)).payment_link_id ?? '';
    services.stripe.failNext('POST /v1/payment_links/:id', {
      status: 403,
      type: 'invalid_request_error',
      message: 'The provided key does not have the required permissions for this endpoint.',
    });

    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await waitForStatus(t, request.id, 'paid');
    const alert = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === ADMINS[0] && String(c.args.text).includes('did not deactivate'),
    );
    expect(String(alert.args.text)).toContain(
      `Stripe did not deactivate payment link \`${v2}\` of CR-${request.number}`,
    );
    expect(String(alert.args.text)).toContain('deactivate it in the Stripe Dashboard now');
    const dead = await query(t.databaseUrl, "SELECT kind FROM slack_outbox WHERE status = 'dead'");
    expect(dead).toEqual([{ kind: 'deactivate_link' }]);
    expect(linkActive(v2)).toBe(true);
  });

  test('when version 2’s link failed, then it is withdrawn and the payment recorded', async () => {
    const { t, clock } = await start();
    const request = await askedAgain(t, clock);
    services.stripe.failNext('POST /v1/payment_links', {
      status: 400,
      type: 'invalid_request_error',
      message: 'Invalid currency',
    });
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'link_failed');

    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await waitForStatus(t, request.id, 'paid');
    expect((await auditOf(t, request.id)).map((a) => a.action).slice(-2)).toEqual(['cancel', 'record_payment']);
  });
});

describe('the expired link of a request asked for again', () => {
  test('when its webhook never arrives, reconciliation still finds the payment made through it', async () => {
    const { t, clock } = await start(undefined, { ADMIN_USER_IDS: ADMINS.join(',') });
    const request = await askedAgain(t, clock);
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    services.stripe.sessions.push(checkoutSession(request.paymentLinkId));

    await t.postCommand({ text: 'reconcile', user_id: ADMINS[0] ?? '', response_url: t.slack.responseUrl('admin') });
    await waitForStatus(t, request.id, 'paid');
    await t.slack.waitForCall(
      'response_url',
      (c) =>
        c.args.path === '/response/admin' && /^Checked 2 payment links .*recorded 1 payment/.test(String(c.args.text)),
    );
  });

  test('canceling the new version does not ask Stripe about the expired link, which is already off', async () => {
    const { t, clock } = await start();
    const request = await askedAgain(t, clock);
    const before = services.stripe.requests.length;
    services.stripe.failNext('POST /v1/payment_links/:id', { status: 500, type: 'api_error', message: 'down' });
    const form = await openModal(t, CARD_ACTIONS.cancel, `${request.id}:2`, REQUESTER);
    await submitModal(t, form, REQUESTER, { reason: 'not needed any more' });
    await waitForStatus(t, request.id, 'canceled');
    expect(services.stripe.requests.slice(before)).toEqual([]);
    const [cancel] = (await auditOf(t, request.id)).filter((a) => a.action === 'cancel');
    expect(cancel?.details).toMatchObject({ linkDeactivated: false });
  });
});

describe('a second payment on a paid request', () => {
  test('is flagged extra_payment with its amount, never replaces the recorded one, and its refund and dispute are kept beside it', async () => {
    const { t } = await start();
    const request = await approvedWithLink(t);
    const recorded = `pi_${request.paymentLinkId}`;
    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await waitForStatus(t, request.id, 'paid');

    // The customer paid again (a second checkout opened before the first completed).
    const second = 'pi_second_payment_1';
    const secondSession = checkoutSession(request.paymentLinkId, { payment_intent: second });
    services.stripe.sessions.push(secondSession);
    const again = stripeEvent('checkout.session.completed', secondSession);
    await postStripeEvent(t.base, again);
    await postStripeEvent(t.base, again);
    await eventually(async () => ((await row(t, request.id)).flags.length ? true : undefined), 'flagged');
    await settled(t);
    let paid = await row(t, request.id);
    expect(paid).toMatchObject({ status: 'paid', payment_intent_id: recorded, refunded_minor: '0' });
    expect(paid.flags).toEqual([
      { code: 'extra_payment', facts: { payment_intent: second, amount_minor: '120000', currency: 'USD' } },
    ]);
    const [told] = threadReplies(t, /a second payment/);
    expect(told).toBe(
      `:rotating_light: CR-${request.number}: a second payment of $1,200.00 USD (\`${second}\`) was received besides the recorded one. Refund it in the Stripe Dashboard unless the customer meant to pay twice. Flagged \`extra_payment\`; the request keeps the payment it recorded.`,
    );
    expect(threadReplies(t, /a second payment/)).toHaveLength(1);
    const card = await t.slack.waitForCall('chat.update', (c) => JSON.stringify(c.args.blocks).includes('Paid twice'));
    expect(JSON.stringify(card.args.blocks)).toContain(second);

    // Finance refunds the second payment: the request's own refund total is untouched.
    await postStripeEvent(
      t.base,
      stripeEvent('charge.refunded', charge(second, request.id, { amount_refunded: 120000 })),
    );
    await eventually(
      async () => ((await row(t, request.id)).flags[0]?.facts?.refunded_minor === '120000' ? true : undefined),
      'the refund kept on the flag',
    );
    // A dispute of the second payment does not mark the request disputed.
    await postStripeEvent(t.base, stripeEvent('charge.dispute.created', dispute(second, { reason: 'duplicate' })));
    await eventually(
      async () => ((await row(t, request.id)).flags[0]?.facts?.dispute_reason ? true : undefined),
      'the dispute kept on the flag',
    );
    await settled(t);
    paid = await row(t, request.id);
    expect(paid).toMatchObject({ status: 'paid', refunded_minor: '0', disputed: false, payment_intent_id: recorded });
    expect(threadReplies(t, /It has been refunded\./)).toHaveLength(1);
    expect(threadReplies(t, /The customer disputed it: the customer says they were charged twice/)).toHaveLength(1);
    expect((await auditOf(t, request.id)).filter((a) => a.action === 'extra_payment')).toHaveLength(3);
  });

  test('a refund of the second payment that arrives before it flags it once, whatever comes after', async () => {
    const { t } = await start();
    const request = await approvedWithLink(t);
    await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId)));
    await waitForStatus(t, request.id, 'paid');
    const second = 'pi_second_payment_2';
    await postStripeEvent(
      t.base,
      stripeEvent('charge.refunded', charge(second, request.id, { amount_refunded: 50000, amount: 120000 })),
    );
    await postStripeEvent(
      t.base,
      stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId, { payment_intent: second })),
    );
    await settled(t);
    const paid = await row(t, request.id);
    expect(paid.status).toBe('paid');
    expect(paid.flags).toEqual([
      {
        code: 'extra_payment',
        facts: { payment_intent: second, amount_minor: '120000', currency: 'USD', refunded_minor: '50000' },
      },
    ]);
    expect(threadReplies(t, /a second payment/)).toEqual([
      expect.stringContaining('$500.00 USD of it has been refunded; refund the rest in the Stripe Dashboard.'),
    ]);
  });
});

describe('looking up a payment intent at Stripe', () => {
  test('when Stripe cannot answer, the event waits for a retry instead of being dropped as not ours', async () => {
    const { t } = await start();
    const request = await approvedWithLink(t);
    const intent = `pi_${request.paymentLinkId}`;
    // The SDK retries a failed read twice: three failures make one failed attempt.
    for (let i = 0; i < 3; i += 1) {
      services.stripe.failNext('GET /v1/payment_intents/:id', { status: 500, type: 'api_error', message: 'boom' });
    }
    const event = stripeEvent('charge.dispute.created', dispute(intent, { reason: 'fraudulent' }));
    await postStripeEvent(t.base, event);
    const failed = await eventually(async () => {
      const [e] = await query<{ attempts: number; outcome: string | null }>(
        t.databaseUrl,
        'SELECT attempts, outcome FROM stripe_events WHERE id = $1',
        [event.id],
      );
      return e && e.attempts > 0 ? e : undefined;
    }, 'a failed attempt');
    expect(failed.outcome).toBeNull();
    await eventually(async () => ((await row(t, request.id)).disputed ? true : undefined), 'applied on retry', 15_000);
    expect(await statusOf(t, request.id)).toBe('link_created');
  });
});
