import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { click, propose, query, settled, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [FIN1 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';
const FIVE_MINUTES = 5 * 60_000;

const services = useServices();

async function start(clock: FakeClock, options: Parameters<typeof startTestApp>[0] = {}) {
  return services.start({ clock, env: { LINK_DELAY_ALERT: '5m' }, ...options });
}

/** Stripe cannot be reached: every connection to create a link drops (the client retries twice each time). */
function stripeUnreachable() {
  for (let i = 0; i < 600; i++) services.stripe.dropNext('POST /v1/payment_links');
}

const delayNotices = (reference: string) =>
  services.slack
    .callsOf('chat.postMessage')
    .filter(
      (c) =>
        c.args.thread_ts &&
        String(c.args.text).includes(`payment link for ${reference}`) &&
        String(c.args.text).includes('is late'),
    );
const delayDms = (reference: string) =>
  services.slack
    .callsOf('chat.postMessage')
    .filter((c) => /^U/.test(String(c.args.channel)) && String(c.args.text).startsWith(`:hourglass: ${reference} `));
const delayAudits = (app: TestApp, id: string) =>
  query(app.databaseUrl, "SELECT actor FROM audit_events WHERE charge_request_id = $1 AND action = 'link_delayed'", [
    id,
  ]);

describe('a payment link that does not come (LINK_DELAY_ALERT)', () => {
  test('when a request is approved for longer than LINK_DELAY_ALERT without a link, then the card shows the delay and the thread and every approver are told what to do, once', async () => {
    const clock = new FakeClock();
    const app = await start(clock);
    stripeUnreachable();
    const request = await propose(app);
    const reference = `CR-${request.number}`;
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await eventually(() => ((services.stripe.createCalls().length ?? 0) >= 3 ? true : undefined), 'Stripe tried');

    clock.advance(FIVE_MINUTES + 1_000);
    const notice = await app.slack.waitForCall('chat.postMessage', (c) => delayNotices(reference).includes(c));
    expect(String(notice.args.text)).toMatch(
      /approved over 5m ago and Stripe has not made it yet \(Stripe's last answer: .*connection to Stripe.*\)\. Countersign keeps trying .* press \*Cancel request\* on the card\./,
    );
    const card = await app.slack.waitForCall('chat.update', (c) => JSON.stringify(c.args.blocks).includes('is late'));
    expect(JSON.stringify(card.args.blocks)).toContain('the payment link is late');
    await eventually(() => (delayDms(reference).length === APPROVERS.length ? true : undefined), 'approvers told');
    expect(
      delayDms(reference)
        .map((c) => c.args.channel)
        .sort(),
    ).toEqual([...APPROVERS].sort());
    expect(String(delayDms(reference)[0]?.args.text)).toMatch(/status\.stripe\.com.*STRIPE_SECRET_KEY.*Cancel request/);
    expect(await delayAudits(app, request.id)).toEqual([{ actor: 'system' }]);

    // Later looks, and more time, say nothing more; when Stripe is back the link comes as usual.
    clock.advance(FIVE_MINUTES * 3);
    services.stripe.clearFailures();
    await waitForStatus(app, request.id, 'link_created');
    await settled(app);
    expect(delayNotices(reference)).toHaveLength(1);
    expect(delayDms(reference)).toHaveLength(APPROVERS.length);
    expect(await delayAudits(app, request.id)).toHaveLength(1);
    expect(services.stripe.links).toHaveLength(1);
  });

  test('when two instances run, or the app restarts, then each late request is announced exactly once, also one that became late while the app was down', async () => {
    const clock = new FakeClock();
    const first = await start(clock);
    const second = await start(clock, { databaseUrl: first.databaseUrl });
    stripeUnreachable();
    const early = await propose(first);
    await click(first, CARD_ACTIONS.approve, `${early.id}:1`, FIN1);
    clock.advance(FIVE_MINUTES + 1_000);
    await eventually(() => (delayNotices(`CR-${early.number}`).length > 0 ? true : undefined), 'first announced');

    // Both instances stop; a second request becomes late while nothing runs.
    const late = await propose(second);
    await click(second, CARD_ACTIONS.approve, `${late.id}:1`, FIN1);
    await waitForStatus(second, late.id, 'approved');
    await first.stop();
    await second.stop();
    clock.advance(FIVE_MINUTES + 1_000);

    const restarted = await start(clock, { databaseUrl: first.databaseUrl });
    const another = await start(clock, { databaseUrl: first.databaseUrl });
    await eventually(() => (delayNotices(`CR-${late.number}`).length > 0 ? true : undefined), 'second announced');
    await settled(restarted);
    await settled(another);
    for (const request of [early, late]) {
      expect(delayNotices(`CR-${request.number}`)).toHaveLength(1);
      expect(delayDms(`CR-${request.number}`)).toHaveLength(APPROVERS.length);
      expect(await delayAudits(restarted, request.id)).toHaveLength(1);
    }
  });

  /** Approved with Stripe unreachable, and announced late once. */
  async function announcedLate(app: TestApp, clock: FakeClock) {
    stripeUnreachable();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    clock.advance(FIVE_MINUTES + 1_000);
    await eventually(() => (delayNotices(`CR-${request.number}`).length === 1 ? true : undefined), 'announced');
    return request;
  }

  test('when a request is late again after Retry, then it is announced again', async () => {
    const clock = new FakeClock();
    const app = await start(clock);
    const request = await announcedLate(app, clock);
    // Stripe then refuses for good: the link fails, and an approver presses Retry.
    services.stripe.clearFailures();
    services.stripe.failNext('POST /v1/payment_links', {
      status: 403,
      type: 'invalid_request_error',
      message: 'The provided key does not have the required permissions for this endpoint.',
    });
    clock.advance(60_000);
    await waitForStatus(app, request.id, 'link_failed');
    stripeUnreachable();
    await click(app, CARD_ACTIONS.retry, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'approved');

    clock.advance(FIVE_MINUTES + 1_000);
    await eventually(() => (delayNotices(`CR-${request.number}`).length === 2 ? true : undefined), 'announced again');
    await settled(app);
    expect(delayDms(`CR-${request.number}`)).toHaveLength(APPROVERS.length * 2);
    expect(await delayAudits(app, request.id)).toHaveLength(2);
  });

  test('when the new version after Request again is late, then it is announced again', async () => {
    const clock = new FakeClock();
    const app = await start(clock);
    const request = await announcedLate(app, clock);
    // The link comes after all, and expires unpaid; the requester asks again and it is approved again.
    services.stripe.clearFailures();
    clock.advance(60_000);
    await waitForStatus(app, request.id, 'link_created');
    clock.advance(30 * 24 * 60 * 60_000);
    await app.tick();
    await waitForStatus(app, request.id, 'link_expired');
    await click(app, CARD_ACTIONS.requestAgain, `${request.id}:1`, REQUESTER);
    await waitForStatus(app, request.id, 'pending_approval');
    stripeUnreachable();
    await click(app, CARD_ACTIONS.approve, `${request.id}:2`, FIN1);
    await waitForStatus(app, request.id, 'approved');
    expect(delayNotices(`CR-${request.number}`)).toHaveLength(1);

    clock.advance(FIVE_MINUTES + 1_000);
    await eventually(() => (delayNotices(`CR-${request.number}`).length === 2 ? true : undefined), 'announced again');
    await settled(app);
    expect(await delayAudits(app, request.id)).toHaveLength(2);
  });
});
