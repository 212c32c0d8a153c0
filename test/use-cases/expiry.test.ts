import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { PERMISSION_CHECK_LINK_ID } from '../../src/stripe/client.js';
import { APPROVERS, type TestApp, type TestAppOptions } from '../support/app.js';
import { DAY, FakeClock, nextMondayAt, SECOND } from '../support/clock.js';
import {
  approvedWithLink,
  auditOf,
  click,
  dmCardsTo,
  ephemeral,
  propose,
  query,
  settled,
  statusOf,
  waitForStatus,
} from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';
import { checkoutSession, postStripeEvent, stripeEvent, WEBHOOK_SECRETS } from '../support/stripe-events.js';

const [FIN1 = '', FIN2 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';

const services = useServices({ env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(',') } });
const start = (clock: FakeClock, options: TestAppOptions = {}) => services.start({ clock, ...options });

async function tickAndSettle(t: TestApp) {
  await t.tick();
  await settled(t);
}

const threadReplies = (t: TestApp, pattern: RegExp) =>
  t.slack.callsOf('chat.postMessage').filter((c) => !c.args.blocks && pattern.test(String(c.args.text)));
const channelCard = async (t: TestApp, id: string) => {
  const [row] = await query<{ card_ts: string }>(t.databaseUrl, 'SELECT card_ts FROM charge_requests WHERE id = $1', [
    id,
  ]);
  return JSON.stringify(t.slack.message('C0SALES', row?.card_ts ?? '')?.blocks ?? []);
};
const linkDeactivations = () =>
  (services.stripe.requests ?? []).filter(
    (r) =>
      r.method === 'POST' &&
      /^\/v1\/payment_links\/plink_/.test(r.path) &&
      r.path !== `/v1/payment_links/${PERMISSION_CHECK_LINK_ID}`, // the startup check, not a link of ours
  );

describe('REQUEST_EXPIRES_AFTER', () => {
  test('an undecided request expires (never approves): audited, the requester told in the thread, every card updated', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const t = await start(clock, { env: { REQUEST_EXPIRES_AFTER: '3d' } });
    const request = await propose(t);
    clock.advance(3 * DAY - SECOND);
    await tickAndSettle(t);
    expect(await statusOf(t, request.id)).toBe('pending_approval');

    clock.advance(SECOND);
    await tickAndSettle(t);
    expect(await statusOf(t, request.id)).toBe('expired');
    expect(services.stripe.links).toEqual([]);
    const expiry = (await auditOf(t, request.id)).find((a) => a.action === 'expire');
    expect(expiry).toMatchObject({ actor: 'system', details: { after: '3d' } });
    const [notice] = threadReplies(t, /expired/);
    expect(String(notice?.args.text)).toMatch(
      new RegExp(
        `^:hourglass: <@${REQUESTER}> CR-${request.number} \\(\\$1,200\\.00.*\\) expired: nobody approved or rejected it within 3d`,
      ),
    );
    const card = await channelCard(t, request.id);
    expect(card).toContain('expired');
    expect(card).not.toContain(CARD_ACTIONS.approve);
    // Every DM copy follows the card: the first DMs and the reminders sent while it waited.
    const copies = await query<{ channel_id: string; ts: string }>(
      t.databaseUrl,
      'SELECT channel_id, ts FROM card_copies',
    );
    expect(copies.length).toBeGreaterThan(3);
    for (const c of copies)
      expect(JSON.stringify(t.slack.message(c.channel_id, c.ts)?.blocks)).not.toContain(CARD_ACTIONS.approve);

    await click(t, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    expect(await ephemeral(t, FIN1)).toMatch(/already expired/);
    expect(await statusOf(t, request.id)).toBe('expired');
  });
});

describe('LINK_EXPIRES_AFTER', () => {
  test('an unpaid link is deactivated at Stripe first; if Stripe refuses, nothing changes until it works', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const t = await start(clock, { env: { LINK_EXPIRES_AFTER: '2d' } });
    const request = await approvedWithLink(t);
    clock.advance(2 * DAY - SECOND);
    await tickAndSettle(t);
    expect(linkDeactivations()).toEqual([]);

    clock.advance(SECOND);
    services.stripe.failNext('POST /v1/payment_links/:id', {
      status: 400,
      type: 'invalid_request_error',
      message: 'nope',
    });
    await tickAndSettle(t);
    expect(linkDeactivations().map((r) => r.status)).toEqual([400]);
    expect(await statusOf(t, request.id)).toBe('link_created');
    expect(threadReplies(t, /no longer accepts payments/)).toEqual([]);
    expect(services.stripe.links[0]?.active).toBe(true);

    await tickAndSettle(t);
    expect(linkDeactivations().map((r) => [r.status, r.params.active])).toEqual([
      [400, 'false'],
      [200, 'false'],
    ]);
    expect(services.stripe.links[0]?.active).toBe(false);
    expect(await statusOf(t, request.id)).toBe('link_expired');
    const [notice] = threadReplies(t, /no longer accepts payments/);
    expect(String(notice?.args.text)).toMatch(/was not paid within 2d and no longer accepts payments/);
    expect(String(notice?.args.text)).toContain(`<@${REQUESTER}> can press *Request again*`);
    const audit = (await auditOf(t, request.id)).find((a) => a.action === 'expire_link');
    expect(audit).toMatchObject({ actor: 'system', details: { paymentLinkId: request.paymentLinkId, after: '2d' } });
    expect(await channelCard(t, request.id)).toContain(CARD_ACTIONS.requestAgain);

    await tickAndSettle(t);
    expect(linkDeactivations()).toHaveLength(2);
  });

  test('Request again makes a new version that needs approval again, and a new link once approved', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const t = await start(clock);
    const request = await approvedWithLink(t);
    clock.advance(30 * DAY); // the default
    await tickAndSettle(t);
    expect(await statusOf(t, request.id)).toBe('link_expired');

    await click(t, CARD_ACTIONS.requestAgain, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(t, 'U0STRANGER')).toMatch(/Only the requester or a finance approver/);
    await click(t, CARD_ACTIONS.requestAgain, `${request.id}:1`, REQUESTER);
    await waitForStatus(t, request.id, 'pending_approval');
    await settled(t);
    const [row] = await query<{ version: number }>(t.databaseUrl, 'SELECT version FROM charge_requests');
    expect(row?.version).toBe(2);
    expect(threadReplies(t, /asked for CR-\d+ .* again: version 2 needs approval again/)).toHaveLength(1);
    // Approvers are asked again by DM (the card of version 2, with its buttons).
    expect(JSON.stringify(dmCardsTo(t, FIN2).at(-1)?.args.blocks)).toContain(`${request.id}:2`);

    // The old approval does not count: a click on version 1 is refused.
    await click(t, CARD_ACTIONS.approve, `${request.id}:1`, FIN1, 'old');
    expect(await ephemeral(t, 'old')).toMatch(/changed after this card was shown/);
    await click(t, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(2);
    expect(services.stripe.createCalls().at(-1)?.idempotencyKey).toBe(`countersign-link-${request.id}-v2-a0`);
    expect((await auditOf(t, request.id)).map((a) => a.action)).toEqual([
      'create',
      'approve',
      'create_link',
      'expire_link',
      'request_again',
      'approve',
      'create_link',
    ]);
  });

  test('a payment that still arrives after expiry is recorded and flagged paid_after_expiry, also after Request again', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const t = await start(clock, { env: { LINK_EXPIRES_AFTER: '1d' } });
    const expiredOnly = await approvedWithLink(t);
    const askedAgain = await approvedWithLink(t, 'new 1,200 USD Globex — Q3 onboarding workshop');
    clock.advance(DAY);
    await tickAndSettle(t);
    await click(t, CARD_ACTIONS.requestAgain, `${askedAgain.id}:1`, REQUESTER);
    await waitForStatus(t, askedAgain.id, 'pending_approval');

    // Checkouts opened before the expiry are completed now.
    for (const r of [expiredOnly, askedAgain]) {
      await postStripeEvent(t.base, stripeEvent('checkout.session.completed', checkoutSession(r.paymentLinkId)));
    }
    await waitForStatus(t, expiredOnly.id, 'paid');
    await waitForStatus(t, askedAgain.id, 'paid');
    const rows = await query<{ id: string; amount_received_minor: string; flags: { code: string }[] }>(
      t.databaseUrl,
      'SELECT id, amount_received_minor, flags FROM charge_requests',
    );
    for (const row of rows) {
      expect(row.amount_received_minor).toBe('120000');
      expect(row.flags.map((f) => f.code)).toEqual(['paid_after_expiry']);
    }
    await settled(t);
    const notices = threadReplies(t, /^Paid ✅/).map((c) => String(c.args.text));
    expect(notices).toHaveLength(2);
    expect(notices.every((n) => n.includes('The payment link had expired'))).toBe(true);
    expect(notices.filter((n) => n.includes('version 2 is withdrawn: it will not get a payment link'))).toHaveLength(1);
    expect((await auditOf(t, askedAgain.id)).map((a) => [a.action, a.actor]).slice(-3)).toEqual([
      ['request_again', REQUESTER],
      ['cancel', 'stripe'],
      ['record_payment', 'stripe'],
    ]);
    await eventually(
      async () => ((await channelCard(t, askedAgain.id)).includes('Paid') ? true : undefined),
      'the card shows the payment',
    );
  });
});
