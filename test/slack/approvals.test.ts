import { afterEach, describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { MODALS } from '../../src/slack/blocks/modals.js';
import { APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { type FakeSlack, startFakeSlack, viewSubmission } from '../support/fake-slack.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { click, ephemeral, propose, query, statusOf, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

const [FIN1 = '', FIN2 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';

let apps: TestApp[] = [];
let stripe: FakeStripe | undefined;
let slack: FakeSlack | undefined;
afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
  await stripe?.close();
  await slack?.close();
  stripe = undefined;
  slack = undefined;
});

async function start(options: Parameters<typeof startTestApp>[0] = {}) {
  slack ??= await startFakeSlack();
  stripe ??= await FakeStripe.start();
  const app = await startTestApp({ slack, stripe, ...options });
  apps.push(app);
  return app;
}

describe('approving a charge', () => {
  test('when an approver approves, then exactly one link is created for exactly the approved version', async () => {
    const app = await start();
    const request = await propose(app);
    expect((await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1)).status).toBe(200);
    await waitForStatus(app, request.id, 'link_created');

    const [link] = stripe?.links ?? [];
    expect(stripe?.links).toHaveLength(1);
    expect(link?.params).toMatchObject({
      line_items: {
        0: {
          quantity: '1',
          price_data: {
            currency: 'usd',
            unit_amount_decimal: '120000',
            product_data: { name: expect.stringContaining('Q3 onboarding workshop') },
          },
        },
      },
      metadata: {
        countersign_request_id: request.id,
        countersign_reference: `CR-${request.number}`,
        countersign_version: '1',
      },
      payment_intent_data: { metadata: { countersign_request_id: request.id } },
      restrictions: { completed_sessions: { limit: '1' } },
    });
    expect(stripe?.createCalls()[0]?.idempotencyKey).toBe(`countersign-link-${request.id}-v1-a0`);

    const [row] = await query(
      app.databaseUrl,
      'SELECT payment_link_id, payment_link_url, approved_at FROM charge_requests',
    );
    expect(row).toMatchObject({ payment_link_id: link?.id, payment_link_url: link?.url });
    const update = await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(link?.url ?? '?'),
    );
    expect(JSON.stringify(update.args.blocks)).toContain(`Approved by <@${FIN1}>`);
    expect(JSON.stringify(update.args.blocks)).toContain('TEST MODE');
    await app.slack.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes(`Payment link for CR-${request.number}`),
    );

    const audit = await query(
      app.databaseUrl,
      'SELECT actor, action, from_status, to_status FROM audit_events ORDER BY id',
    );
    expect(audit).toEqual([
      { actor: REQUESTER, action: 'create', from_status: null, to_status: 'pending_approval' },
      { actor: FIN1, action: 'approve', from_status: 'pending_approval', to_status: 'approved' },
      { actor: 'system', action: 'create_link', from_status: 'approved', to_status: 'link_created' },
    ]);
  });

  test('when 20 approvers click at the same moment, then one approval and one link', async () => {
    const app = await start();
    const request = await propose(app);
    const clicks = Array.from({ length: 20 }, (_, i) =>
      click(app, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[i % 3] ?? FIN1, `c${i}`),
    );
    expect((await Promise.all(clicks)).map((r) => r.status)).toEqual(Array(20).fill(200));
    await waitForStatus(app, request.id, 'link_created');
    await new Promise((r) => setTimeout(r, 500));
    expect(stripe?.links).toHaveLength(1);
    const approvals = await query(app.databaseUrl, "SELECT * FROM audit_events WHERE action = 'approve'");
    expect(approvals).toHaveLength(1);
    expect(await query(app.databaseUrl, 'SELECT * FROM charge_approvals')).toHaveLength(1);
  });

  test('when two app instances share the database and 20 clicks arrive at both, then one approval and one link', async () => {
    const first = await start();
    const second = await start({ databaseUrl: first.databaseUrl });
    const request = await propose(first);
    const clicks = Array.from({ length: 20 }, (_, i) =>
      click(i % 2 ? first : second, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[i % 3] ?? FIN1, `c${i}`),
    );
    await Promise.all(clicks);
    await waitForStatus(first, request.id, 'link_created');
    await new Promise((r) => setTimeout(r, 500));
    expect(stripe?.links).toHaveLength(1);
    expect(
      await query(first.databaseUrl, "SELECT * FROM audit_events WHERE action IN ('approve', 'create_link')"),
    ).toHaveLength(2);
  });

  test('when someone who is not an approver clicks, or the requester approves their own request, then they are told why and nothing changes', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(app, 'U0STRANGER')).toMatch(
      /Only finance approvers can approve or reject CR-\d+\. Nothing was changed\./,
    );
    await click(app, CARD_ACTIONS.reject, `${request.id}:1`, 'U0STRANGER', 'U0STRANGER-reject');
    await app.slack.waitForCall('response_url', (c) => c.args.path === '/response/U0STRANGER-reject');
    expect(app.slack.callsOf('views.open')).toHaveLength(0);

    const own = await start({ databaseUrl: app.databaseUrl, env: { APPROVER_USER_IDS: `${REQUESTER},${FIN1}` } });
    await click(own, CARD_ACTIONS.approve, `${request.id}:1`, REQUESTER);
    expect(await ephemeral(own, REQUESTER)).toMatch(/You requested CR-\d+, so someone else must approve it/);

    expect(await statusOf(app, request.id)).toBe('pending_approval');
    expect(stripe?.links).toHaveLength(0);
    expect(await query(app.databaseUrl, "SELECT * FROM audit_events WHERE action <> 'create'")).toEqual([]);
  });

  test('when ALLOW_SELF_APPROVAL is true, then a requester who is an approver may approve their own request', async () => {
    const app = await start({ env: { APPROVER_USER_IDS: REQUESTER, ALLOW_SELF_APPROVAL: 'true' } });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, REQUESTER);
    await waitForStatus(app, request.id, 'link_created');
  });

  test('members of the approver user group may approve; the membership is looked up once and cached', async () => {
    const app = await start({ env: { APPROVER_USER_IDS: '', APPROVER_USERGROUP_ID: 'S0FINANCE' } });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, 'U0OUTSIDER');
    expect(await ephemeral(app, 'U0OUTSIDER')).toMatch(/Only finance approvers/);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, 'U0GROUPIE');
    await waitForStatus(app, request.id, 'link_created');
    expect(app.slack.callsOf('usergroups.users.list')).toHaveLength(1);
    expect(app.slack.callsOf('usergroups.users.list')[0]?.args).toMatchObject({ usergroup: 'S0FINANCE' });
  });

  test('when a restricted key lacks a permission, then startup names it', async () => {
    const { Writable } = await import('node:stream');
    const { createLogger } = await import('../../src/logger.js');
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _e, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    });
    stripe = await FakeStripe.start();
    stripe.deny('GET /v1/payment_links');
    await start({ logger, env: { STRIPE_SECRET_KEY: 'rk_test_restricted123' } });
    expect(lines.join('')).toContain('STRIPE_SECRET_KEY lacks the permission \\"Payment Links (write)\\"');
    expect(lines.join('')).not.toContain('rk_test_restricted123');
  });

  test('a forged button value is refused', async () => {
    const app = await start();
    await propose(app);
    await click(app, CARD_ACTIONS.approve, '{"amount":1,"status":"approved"}', FIN1);
    expect(await ephemeral(app, FIN1)).toMatch(/not valid any more/);
    expect(stripe?.links).toHaveLength(0);
  });
});

describe('rejecting and editing', () => {
  test('reject opens a modal that requires a reason; the card and the thread say who rejected and why', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.reject, `${request.id}:1`, FIN1);
    const opened = await app.slack.waitForCall('views.open');
    const view = JSON.parse(String(opened.args.view)) as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(MODALS.reject);

    const empty = await app.postInteraction(
      viewSubmission(MODALS.reject, view.private_metadata, FIN1, { reason: '  ' }),
    );
    expect(await empty.json()).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringMatching(/Say why/) },
    });
    expect(await statusOf(app, request.id)).toBe('pending_approval');

    const ok = await app.postInteraction(
      viewSubmission(MODALS.reject, view.private_metadata, FIN1, { reason: 'Budget frozen until Q4' }),
    );
    expect(ok.status).toBe(200);
    await waitForStatus(app, request.id, 'rejected');
    const update = await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('Rejected by'),
    );
    expect(JSON.stringify(update.args.blocks)).toContain(`Rejected by <@${FIN1}>: Budget frozen until Q4`);
    const notice = await app.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('was rejected'));
    expect(notice.args.text).toContain(`<@${REQUESTER}>`);
    expect(await query(app.databaseUrl, 'SELECT decision, reason, version FROM charge_approvals')).toEqual([
      { decision: 'rejected', reason: 'Budget frozen until Q4', version: 1 },
    ]);
  });

  test('an edit makes a new version and voids approvals of the old one', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.edit, `${request.id}:1`, REQUESTER);
    const opened = await app.slack.waitForCall('views.open');
    const view = JSON.parse(String(opened.args.view)) as { callback_id: string; private_metadata: string };
    expect(view.callback_id).toBe(MODALS.edit);
    const bad = await app.postInteraction(
      viewSubmission(MODALS.edit, view.private_metadata, REQUESTER, {
        amount: '1.500',
        currency: 'USD',
        customer: 'Acme Corp',
        description: 'x',
      }),
    );
    expect(await bad.json()).toMatchObject({
      response_action: 'errors',
      errors: { amount: expect.stringMatching(/two ways/) },
    });
    await app.postInteraction(
      viewSubmission(MODALS.edit, view.private_metadata, REQUESTER, {
        amount: '1500',
        currency: 'USD',
        customer: 'Acme Corp',
        email: '',
        description: 'Q3 onboarding workshop',
      }),
    );
    await eventually(
      async () =>
        (await query<{ version: number }>(app.databaseUrl, 'SELECT version FROM charge_requests'))[0]?.version === 2
          ? true
          : undefined,
      'version 2',
    );

    // The approver's card still showed version 1: that approval must not count.
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    expect(await ephemeral(app, FIN1)).toMatch(/changed after this card was shown \(now version 2\)/);
    expect(await statusOf(app, request.id)).toBe('pending_approval');

    await click(app, CARD_ACTIONS.approve, `${request.id}:2`, FIN2);
    await waitForStatus(app, request.id, 'link_created');
    expect(stripe?.links).toHaveLength(1);
    expect(stripe?.links[0]?.params).toMatchObject({
      line_items: { 0: { price_data: { unit_amount_decimal: '150000' } } },
      metadata: { countersign_version: '2' },
    });
  });

  test('someone else cannot edit or cancel', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.edit, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(app, 'U0STRANGER')).toMatch(/Only the requester or a finance approver/);
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, 'U0OTHER');
    expect(await ephemeral(app, 'U0OTHER')).toMatch(/Only the requester or a finance approver/);
    expect(await statusOf(app, request.id)).toBe('pending_approval');
  });
});

describe('Stripe failures, crashes and cancellation', () => {
  test('when Stripe refuses permanently, then the request is link_failed with the reason, and Retry creates one link', async () => {
    const app = await start();
    stripe?.failNext('POST /v1/payment_links', {
      status: 403,
      type: 'invalid_request_error',
      message: 'The provided key does not have permission to create payment links.',
    });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_failed');
    const failed = await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(CARD_ACTIONS.retry),
    );
    expect(JSON.stringify(failed.args.blocks)).toMatch(/not allowed to create payment links/);

    await click(app, CARD_ACTIONS.retry, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(app, 'U0STRANGER')).toMatch(/Only finance approvers can retry/);
    await click(app, CARD_ACTIONS.retry, `${request.id}:1`, FIN2);
    await waitForStatus(app, request.id, 'link_created');
    expect(stripe?.links).toHaveLength(1);
    expect(stripe?.createCalls().map((c) => c.idempotencyKey)).toEqual([
      `countersign-link-${request.id}-v1-a0`,
      `countersign-link-${request.id}-v1-a1`,
    ]);
    const actions = await query(app.databaseUrl, 'SELECT action, actor FROM audit_events ORDER BY id');
    expect(actions.map((a) => a.action)).toEqual(['create', 'approve', 'fail_link', 'retry_link', 'create_link']);
  });

  test('when Stripe is down for a while, then the request stays approved and the link is created once it recovers', async () => {
    const app = await start();
    for (let i = 0; i < 3; i++)
      stripe?.failNext('POST /v1/payment_links', { status: 500, type: 'api_error', message: 'boom' });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    expect(stripe?.links).toHaveLength(1);
    expect(new Set(stripe?.createCalls().map((c) => c.idempotencyKey))).toEqual(
      new Set([`countersign-link-${request.id}-v1-a0`]),
    );
  });

  test('when the app dies between the Stripe call and the database write, then a restarted app records the same link', async () => {
    // Dies: shutdown gives the click still waiting for Stripe no grace.
    const app = await start({ env: { SHUTDOWN_TIMEOUT_MS: '100' } });
    const request = await propose(app);
    stripe?.holdCreateResponses();
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await stripe?.waitForLinks(1);
    await app.stop();
    apps = [];
    expect(await statusOf(app, request.id)).toBe('approved');

    const restarted = await start({ databaseUrl: app.databaseUrl });
    await waitForStatus(restarted, request.id, 'link_created');
    expect(stripe?.links).toHaveLength(1);
    const [row] = await query(restarted.databaseUrl, 'SELECT payment_link_id FROM charge_requests');
    expect(row?.payment_link_id).toBe(stripe?.links[0]?.id);
    expect(stripe?.createCalls().some((c) => c.replayed)).toBe(true);
  });

  test('cancel deactivates an existing link; the card and the thread say so', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, REQUESTER);
    await waitForStatus(app, request.id, 'canceled');
    expect(stripe?.links[0]?.active).toBe(false);
    await app.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('no longer accepts payments'));
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, REQUESTER, 'again');
    expect(await ephemeral(app, 'again')).toMatch(/can no longer be canceled/);
  });

  test('when Stripe cannot deactivate the link, then the request is not canceled', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    stripe?.failNext('POST /v1/payment_links/:id', { status: 400, type: 'invalid_request_error', message: 'nope' });
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, FIN2);
    expect(await ephemeral(app, FIN2)).toMatch(/Stripe did not deactivate the payment link/);
    expect(await statusOf(app, request.id)).toBe('link_created');
  });

  test('with FINANCE_CHANNEL_ID set, the card is mirrored there with a link to the thread and kept in sync', async () => {
    const app = await start({ env: { FINANCE_CHANNEL_ID: 'C0FINANCE' } });
    const request = await propose(app);
    const mirror = await app.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0FINANCE');
    expect(JSON.stringify(mirror.args.blocks)).toContain(CARD_ACTIONS.approve);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    await app.slack.waitForCall(
      'chat.update',
      (c) => c.args.channel === 'C0FINANCE' && JSON.stringify(c.args.blocks).includes('Payment link'),
    );
  });
});
