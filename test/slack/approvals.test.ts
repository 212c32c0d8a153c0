import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { MODALS } from '../../src/slack/blocks/modals.js';
import { APPROVERS, type TestAppOptions } from '../support/app.js';
import { viewSubmission } from '../support/fake-slack.js';
import {
  auditOf,
  click,
  ephemeral,
  openModal,
  propose,
  query,
  settled,
  statusOf,
  submitModal,
  waitForStatus,
} from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [FIN1 = '', FIN2 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';

const services = useServices();

const start = (options: TestAppOptions = {}) => services.start(options);

describe('approving a charge', () => {
  test('when an approver approves, then exactly one link is created for exactly the approved version', async () => {
    const app = await start();
    const request = await propose(app);
    expect((await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1)).status).toBe(200);
    await waitForStatus(app, request.id, 'link_created');

    const [link] = services.stripe.links ?? [];
    expect(services.stripe.links).toHaveLength(1);
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
        countersign_link_attempt: '0',
      },
      payment_intent_data: { metadata: { countersign_request_id: request.id } },
      restrictions: { completed_sessions: { limit: '1' } },
    });
    expect(services.stripe.createCalls()[0]?.idempotencyKey).toBe(`countersign-link-${request.id}-v1-a0`);

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
    await settled(app);
    expect(services.stripe.links).toHaveLength(1);
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
    await Promise.all([settled(first), settled(second)]);
    expect(services.stripe.links).toHaveLength(1);
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
    expect(services.stripe.links).toHaveLength(0);
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
    // Payment links can be read but not written: the read calls would pass.
    (await services.prepare()).stripe.restrictKey('rk_test_restricted123', [
      'payment_link_read',
      'checkout_session_read',
    ]);
    await start({ logger, env: { STRIPE_SECRET_KEY: 'rk_test_restricted123' } });
    expect(lines.join('')).toContain('STRIPE_SECRET_KEY lacks the permission \\"Payment Links: write\\"');
    expect(lines.join('')).toContain('rak_payment_link_write');
    expect(lines.join('')).not.toContain('rk_test_restricted123');
    expect(services.stripe.links).toEqual([]);
  });

  test('a forged button value is refused', async () => {
    const app = await start();
    await propose(app);
    await click(app, CARD_ACTIONS.approve, '{"amount":1,"status":"approved"}', FIN1);
    expect(await ephemeral(app, FIN1)).toMatch(/not valid any more/);
    expect(services.stripe.links).toHaveLength(0);
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
    expect(JSON.stringify(update.args.blocks)).toMatch(
      new RegExp(`Rejected by <@${FIN1}> · \\d{1,2} \\w{3} \\d{2}:\\d{2} UTC: Budget frozen until Q4`),
    );
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
    const view = JSON.parse(String(opened.args.view)) as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string; element?: { type: string; options?: unknown[] } }[];
    };
    expect(view.callback_id).toBe(MODALS.edit);
    // Without POLICY_ALLOWED_CURRENCIES every supported currency can be picked.
    expect(view.blocks.find((b) => b.block_id === 'currency')?.element).toMatchObject({ type: 'static_select' });
    expect(view.blocks.find((b) => b.block_id === 'currency')?.element?.options).toHaveLength(30);
    const bad = await app.postInteraction(
      viewSubmission(MODALS.edit, view.private_metadata, REQUESTER, {
        amount: '1.500',
        currency: { selected: 'USD' },
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
        currency: { selected: 'USD' },
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
    expect(services.stripe.links).toHaveLength(1);
    expect(services.stripe.links[0]?.params).toMatchObject({
      line_items: { 0: { price_data: { unit_amount_decimal: '150000' } } },
      metadata: { countersign_version: '2' },
    });
  });

  test('when two people edit from forms opened on the same version, then the first edit wins and the second is told the request changed, changing nothing', async () => {
    const app = await start();
    const request = await propose(app);
    const requesters = await openModal(app, CARD_ACTIONS.edit, `${request.id}:1`, REQUESTER);
    const approvers = await openModal(app, CARD_ACTIONS.edit, `${request.id}:1`, FIN1);
    const fields = (amount: string) => ({
      amount,
      currency: { selected: 'USD' },
      customer: 'Acme Corp',
      email: '',
      description: 'Q3 onboarding workshop',
    });

    expect(await submitModal(app, approvers, FIN1, fields('1300'))).toEqual({});
    const late = await submitModal(app, requesters, REQUESTER, fields('1500'));
    expect(late).toEqual({
      response_action: 'errors',
      errors: { amount: expect.stringMatching(/changed since you opened this form \(it is now version 2\)/) },
    });
    expect(late.errors?.amount).toMatch(/Nothing was changed: close it and press Edit on the card again\.$/);
    expect(await query(app.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
      { version: 2, amount_minor: '130000' },
    ]);
    expect((await auditOf(app, request.id)).map((a) => a.action)).toEqual(['create', 'edit']);

    // Reopened on the current version, the same edit goes through.
    const reopened = await openModal(app, CARD_ACTIONS.edit, `${request.id}:2`, REQUESTER);
    expect(await submitModal(app, reopened, REQUESTER, fields('1500'))).toEqual({});
    expect(await query(app.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
      { version: 3, amount_minor: '150000' },
    ]);
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
    services.stripe.failNext('POST /v1/payment_links', {
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
    expect(JSON.stringify(failed.args.blocks)).toMatch(/not allowed to change payment links/);

    await click(app, CARD_ACTIONS.retry, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(app, 'U0STRANGER')).toMatch(/Only finance approvers can retry/);
    await click(app, CARD_ACTIONS.retry, `${request.id}:1`, FIN2);
    await waitForStatus(app, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(1);
    expect(services.stripe.createCalls().map((c) => c.idempotencyKey)).toEqual([
      `countersign-link-${request.id}-v1-a0`,
      `countersign-link-${request.id}-v1-a1`,
    ]);
    const actions = await query(app.databaseUrl, 'SELECT action, actor FROM audit_events ORDER BY id');
    expect(actions.map((a) => a.action)).toEqual(['create', 'approve', 'fail_link', 'retry_link', 'create_link']);
  });

  test('when Stripe is down for a while, then the request stays approved and the link is created once it recovers', async () => {
    const app = await start();
    for (let i = 0; i < 3; i++)
      services.stripe.failNext('POST /v1/payment_links', { status: 500, type: 'api_error', message: 'boom' });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(1);
    // Stripe stores each 500 under its key and replays it: each key is retried once, its replay
    // sends Countersign looking for a link (none), and the next attempt number gets a fresh key.
    expect(
      services.stripe.createCalls().map((c) => ({
        key: c.idempotencyKey?.replace(`countersign-link-${request.id}-`, ''),
        status: c.status,
        replayed: c.replayed,
      })),
    ).toEqual([
      { key: 'v1-a0', status: 500, replayed: false },
      { key: 'v1-a0', status: 500, replayed: true },
      { key: 'v1-a1', status: 500, replayed: false },
      { key: 'v1-a1', status: 500, replayed: true },
      { key: 'v1-a2', status: 500, replayed: false },
      { key: 'v1-a2', status: 500, replayed: true },
      { key: 'v1-a3', status: 200, replayed: false },
    ]);
    const moves = await query(
      app.databaseUrl,
      "SELECT details->>'from' AS from, details->>'to' AS to FROM audit_events WHERE action = 'advance_link_attempt' ORDER BY id",
    );
    expect(moves).toEqual([
      { from: '0', to: '1' },
      { from: '1', to: '2' },
      { from: '2', to: '3' },
    ]);
  });

  test('when the app dies between the Stripe call and the database write, then a restarted app records the same link', async () => {
    // Stopped with almost no grace: the click's work is cut off while Stripe holds its answer.
    const app = await start({ env: { SHUTDOWN_TIMEOUT_MS: '100' } });
    const request = await propose(app);
    services.stripe.holdCreateResponses();
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await services.stripe.waitForLinks(1);
    await app.stop();
    expect(await statusOf(app, request.id)).toBe('approved');

    const restarted = await start({ databaseUrl: app.databaseUrl });
    await waitForStatus(restarted, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(1);
    const [row] = await query(restarted.databaseUrl, 'SELECT payment_link_id FROM charge_requests');
    expect(row?.payment_link_id).toBe(services.stripe.links[0]?.id);
    expect(services.stripe.createCalls().some((c) => c.replayed)).toBe(true);
  });

  test('cancel asks first, says the link will be deactivated, deactivates it; the card and the thread say who and why', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    const modal = await openModal(app, CARD_ACTIONS.cancel, `${request.id}:1`, REQUESTER);
    expect(modal.callback_id).toBe(MODALS.cancel);
    expect(JSON.stringify(modal.blocks)).toContain("This deactivates the customer's payment link");
    // Opening the form changed nothing: it is the confirmation.
    expect(await statusOf(app, request.id)).toBe('link_created');
    expect(services.stripe.links[0]?.active).toBe(true);
    // The requester's own reason is optional.
    expect(modal.blocks.find((b) => b.block_id === 'reason')?.optional).toBe(true);
    expect(await submitModal(app, modal, REQUESTER, { reason: '' })).toEqual({});
    await waitForStatus(app, request.id, 'canceled');
    expect(services.stripe.links[0]?.active).toBe(false);
    await app.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('no longer accepts payments'));
    const card = await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('Canceled by'),
    );
    expect(JSON.stringify(card.args.blocks)).toMatch(
      new RegExp(`Canceled by <@${REQUESTER}> · [^"]+ UTC\\. The payment link was deactivated\\.`),
    );
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, REQUESTER, 'again');
    expect(await ephemeral(app, 'again')).toMatch(/can no longer be canceled/);
  });

  test("an approver's cancel needs a reason, which is stored, audited and shown; a stranger cannot open the form", async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.cancel, `${request.id}:1`, 'U0STRANGER');
    expect(await ephemeral(app, 'U0STRANGER')).toMatch(/Only the requester or a finance approver/);
    expect(app.slack.callsOf('views.open')).toHaveLength(0);

    const modal = await openModal(app, CARD_ACTIONS.cancel, `${request.id}:1`, FIN1);
    expect(modal.blocks.find((b) => b.block_id === 'reason')?.optional).toBe(false);
    expect(JSON.stringify(modal.blocks)).not.toContain('deactivates');
    expect(await submitModal(app, modal, FIN1, { reason: ' ' })).toMatchObject({
      response_action: 'errors',
      errors: { reason: expect.stringMatching(/Say why you cancel it/) },
    });
    expect(await statusOf(app, request.id)).toBe('pending_approval');

    expect(await submitModal(app, modal, FIN1, { reason: 'Customer <b>withdrew</b>' })).toEqual({});
    await waitForStatus(app, request.id, 'canceled');
    const [row] = await query(app.databaseUrl, 'SELECT canceled_by, cancel_reason FROM charge_requests');
    expect(row).toEqual({ canceled_by: FIN1, cancel_reason: 'Customer <b>withdrew</b>' });
    const [audit] = await query(app.databaseUrl, "SELECT actor, details FROM audit_events WHERE action = 'cancel'");
    expect(audit).toEqual({ actor: FIN1, details: { linkDeactivated: false, reason: 'Customer <b>withdrew</b>' } });
    const card = await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('Canceled by'),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(': Customer &lt;b&gt;withdrew&lt;/b&gt;.');
    const notice = await app.slack.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('was canceled'));
    expect(notice.args.text).toContain(`was canceled by <@${FIN1}>: Customer &lt;b&gt;withdrew&lt;/b&gt;`);
  });

  test('when Stripe cannot deactivate the link, then the request is not canceled and the form says why', async () => {
    const app = await start();
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    services.stripe.failNext('POST /v1/payment_links/:id', {
      status: 400,
      type: 'invalid_request_error',
      message: 'nope',
    });
    const modal = await openModal(app, CARD_ACTIONS.cancel, `${request.id}:1`, FIN2);
    expect(await submitModal(app, modal, FIN2, { reason: 'wrong customer' })).toMatchObject({
      errors: { reason: expect.stringMatching(/Stripe did not deactivate the payment link/) },
    });
    expect(await statusOf(app, request.id)).toBe('link_created');
  });

  test('with FINANCE_CHANNEL_ID set, the card is mirrored there with a link to the thread and kept in sync', async () => {
    const app = await start({ env: { FINANCE_CHANNEL_ID: 'C0FINANCE' } });
    const request = await propose(app);
    const mirror = await app.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'C0FINANCE');
    expect(JSON.stringify(mirror.args.blocks)).toContain(CARD_ACTIONS.approve);
    // The finance copy names the channel the request came from; the channel's own card does not need to.
    expect(JSON.stringify(mirror.args.blocks)).toMatch(/From <#C0SALES> · <https:[^|]+\|Open the request thread>/);
    const own = app.slack.callsOf('chat.postMessage').find((c) => c.args.channel === 'C0SALES');
    expect(JSON.stringify(own?.args.blocks)).not.toContain('From <#C0SALES>');
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    await app.slack.waitForCall(
      'chat.update',
      (c) => c.args.channel === 'C0FINANCE' && JSON.stringify(c.args.blocks).includes('Payment link'),
    );
  });
});
