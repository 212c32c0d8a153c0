import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { MODALS } from '../../src/slack/blocks/modals.js';
import { APPROVERS, type TestApp } from '../support/app.js';
import { eventEnvelope, mentionEvent, viewSubmission } from '../support/fake-slack.js';
import { click, ephemeral, openModal, propose, query, statusOf, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [FIN1 = '', FIN2 = '', FIN3 = ''] = APPROVERS;
const services = useServices();

const start = (env: Record<string, string>, databaseUrl?: string) =>
  services.start({ env, ...(databaseUrl ? { databaseUrl } : {}) });

/** Runs /charges new and returns the ephemeral answer. */
async function newCharge(app: TestApp, text: string, user = 'U0REQUESTER') {
  const id = `${user}-${Math.random().toString(36).slice(2)}`;
  await app.postCommand({ text: `new ${text}`, user_id: user, response_url: app.slack.responseUrl(id) });
  return ephemeral(app, id);
}

const refusals = (app: TestApp) =>
  query<{ actor: string; charge_request_id: string | null; details: { stage: string; rules: string[] } }>(
    app.databaseUrl,
    "SELECT actor, charge_request_id, details FROM audit_events WHERE action = 'policy_refused' ORDER BY id",
  );

describe('spending policy at proposal', () => {
  test('a request over a rule is refused with the rule named, nothing is created, and the refusal is audited', async () => {
    const app = await start({ POLICY_MAX_PER_REQUEST: 'USD:5000', POLICY_ALLOWED_CURRENCIES: 'USD,JPY' });
    expect(await newCharge(app, '5000.01 USD Acme')).toMatch(
      /Nothing was created: policy max per request: \$5,000\.01 USD is above the maximum of \$5,000\.00 USD per request\./,
    );
    expect(await newCharge(app, '100 EUR Acme')).toMatch(
      /policy allowed currencies: EUR is not an allowed currency \(allowed: USD, JPY\)/,
    );
    expect(await query(app.databaseUrl, 'SELECT id FROM charge_requests')).toEqual([]);
    expect((await refusals(app)).map((r) => [r.actor, r.charge_request_id, r.details.stage, r.details.rules])).toEqual([
      ['U0REQUESTER', null, 'proposal', ['max_per_request']],
      ['U0REQUESTER', null, 'proposal', ['allowed_currencies']],
    ]);
    expect(await newCharge(app, '5000 USD Acme')).toMatch(/^Proposed CR-/);
  });

  test('the requester daily limit counts what they asked for today', async () => {
    const app = await start({ POLICY_REQUESTER_DAILY_LIMIT: 'USD:1000' });
    expect(await newCharge(app, '600 USD Acme')).toMatch(/^Proposed/);
    expect(await newCharge(app, '400.01 USD Acme')).toMatch(
      /policy requester daily limit: .*\$1,000\.01 USD, above the daily limit of \$1,000\.00 USD \(\$600\.00 USD already used\)/,
    );
    expect(await newCharge(app, '400 USD Acme')).toMatch(/^Proposed/);
    expect(await newCharge(app, '5 USD Acme', 'U0SOMEONEELSE')).toMatch(/^Proposed/);
  });
});

test('when the agent proposes over a limit, the tool tells the model which rule refused it, and nothing is created', async () => {
  const app = await services.start({
    env: { POLICY_MAX_PER_REQUEST: 'USD:5000' },
    model: (view) =>
      view.toolOutputs.length === 0
        ? {
            call: {
              name: 'propose_charge',
              args: { customer_name: 'Acme', amount: '6,000', currency: 'USD', description: 'workshop' },
            },
          }
        : { text: 'That is above the $5,000 maximum per request, so I cannot propose it.' },
  });
  await app.postEvent(eventEnvelope(mentionEvent('charge Acme $6,000', { ts: '1700000300.000100' })));
  const reply = await app.slack.waitForCall('chat.postMessage');
  expect(reply.args.text).toMatch(/above the \$5,000 maximum/);
  expect(JSON.stringify(app.openai?.requests[1]?.body.input)).toContain('policy max per request');
  expect(await query(app.databaseUrl, 'SELECT id FROM charge_requests')).toEqual([]);
  expect((await refusals(app)).map((r) => r.details.rules)).toEqual([['max_per_request']]);
});

test('an edit is checked against the policy too: over the maximum it is refused and the version stays', async () => {
  const app = await start({ POLICY_MAX_PER_REQUEST: 'USD:5000' });
  const request = await propose(app, 'new 4000 USD Acme');
  await app
    .postInteraction(
      viewSubmission(MODALS.edit, `${request.id}:1`, 'U0REQUESTER', {
        amount: '6000',
        currency: { selected: 'USD' },
        customer: 'Acme',
        description: 'x',
      }),
    )
    .then(async (res) => {
      expect(await res.json()).toMatchObject({
        response_action: 'errors',
        errors: { amount: 'policy max per request: $6,000.00 USD is above the maximum of $5,000.00 USD per request.' },
      });
    });
  expect(await query(app.databaseUrl, 'SELECT version, amount_minor FROM charge_requests')).toEqual([
    { version: 1, amount_minor: '400000' },
  ]);
  expect((await refusals(app)).map((r) => [r.details.stage, r.details.rules])).toEqual([['edit', ['max_per_request']]]);
});

test('the edit form offers only the allowed currencies', async () => {
  const app = await start({ POLICY_ALLOWED_CURRENCIES: 'USD,EUR' });
  const request = await propose(app, 'new 40 USD Acme');
  const modal = await openModal(app, CARD_ACTIONS.edit, `${request.id}:1`, 'U0REQUESTER');
  expect(modal.blocks.find((b) => b.block_id === 'currency')).toMatchObject({
    element: {
      type: 'static_select',
      options: [{ value: 'USD' }, { value: 'EUR' }],
      initial_option: { value: 'USD' },
    },
  });
});

describe('spending policy at approval', () => {
  test('budgets are re-checked at approval, because they moved since the proposal', async () => {
    const app = await start({ POLICY_CHANNEL_MONTHLY_BUDGET: 'USD:1000' });
    const first = await propose(app, 'new 600 USD Acme');
    const second = await propose(app, 'new 600 USD Beta');
    await click(app, CARD_ACTIONS.approve, `${first.id}:1`, FIN1);
    await waitForStatus(app, first.id, 'link_created');
    await click(app, CARD_ACTIONS.approve, `${second.id}:1`, FIN1, 'second');
    expect(await ephemeral(app, 'second')).toMatch(
      /Not approved: policy channel monthly budget: .*\$1,200\.00 USD, above its monthly budget of \$1,000\.00 USD \(\$600\.00 USD already approved\)/,
    );
    expect(await statusOf(app, second.id)).toBe('pending_approval');
    expect((await refusals(app)).map((r) => [r.actor, r.charge_request_id, r.details.stage])).toEqual([
      [FIN1, second.id, 'approval'],
    ]);
  });

  test('20 concurrent approvals racing one budget, on two instances, never exceed it', async () => {
    const env = { POLICY_CHANNEL_MONTHLY_BUDGET: 'USD:1000' };
    const first = await start(env);
    const second = await start(env, first.databaseUrl);
    const requests = [];
    for (let i = 0; i < 20; i++) requests.push(await propose(first, `new 100 USD Customer ${i}`));
    await Promise.all(
      requests.map((r, i) =>
        click(i % 2 ? first : second, CARD_ACTIONS.approve, `${r.id}:1`, APPROVERS[i % 3] ?? FIN1, `race${i}`),
      ),
    );
    await eventually(async () => {
      const [row] = await query<{ n: number }>(
        first.databaseUrl,
        "SELECT count(*)::int AS n FROM charge_requests WHERE status = 'pending_approval'",
      );
      const [decided] = await query<{ n: number }>(
        first.databaseUrl,
        "SELECT count(*)::int AS n FROM audit_events WHERE action IN ('approve', 'policy_refused')",
      );
      return decided?.n === 20 ? row : undefined;
    }, 'every click decided');
    const [approved] = await query<{ n: number; total: string }>(
      first.databaseUrl,
      'SELECT count(*)::int AS n, sum(amount_minor) AS total FROM charge_requests WHERE approved_at IS NOT NULL',
    );
    expect(approved).toEqual({ n: 10, total: '100000' });
    expect((await refusals(first)).length).toBe(10);
  });

  test('above the threshold two distinct approvers are needed; the same approver twice and the requester do not count', async () => {
    const app = await start({
      POLICY_TWO_APPROVERS_ABOVE: 'USD:1000',
      ALLOW_SELF_APPROVAL: 'true',
      APPROVER_USER_IDS: [...APPROVERS, 'U0REQUESTER'].join(','),
    });
    const request = await propose(app, 'new 1000.01 USD Acme');
    const card = await app.slack.waitForCall('chat.postMessage', (c) =>
      JSON.stringify(c.args.blocks ?? []).includes('Needs 2 approvals'),
    );
    expect(JSON.stringify(card.args.blocks)).toContain('Needs 2 approvals — 0 of 2 so far');

    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1, 'a1');
    expect(await ephemeral(app, 'a1')).toMatch(/Your approval is recorded \(1 of 2\)/);
    expect(await statusOf(app, request.id)).toBe('pending_approval');
    await app.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(`1 of 2 approvals — <@${FIN1}> · `),
    );

    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1, 'a1-again');
    expect(await ephemeral(app, 'a1-again')).toMatch(/You already approved version 1/);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, 'U0REQUESTER', 'self');
    expect(await ephemeral(app, 'self')).toMatch(/needs 2 approvers other than the requester/);
    expect(await statusOf(app, request.id)).toBe('pending_approval');

    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN2);
    await waitForStatus(app, request.id, 'link_created');
    expect(services.stripe.links).toHaveLength(1);
    const audit = await query(
      app.databaseUrl,
      `SELECT actor, action FROM audit_events WHERE charge_request_id = $1 ORDER BY id`,
      [request.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['create', 'approval_recorded', 'approve', 'create_link']);
  });

  test('at the threshold one approver is enough', async () => {
    const app = await start({ POLICY_TWO_APPROVERS_ABOVE: 'USD:1000' });
    const request = await propose(app, 'new 1000 USD Acme');
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN3);
    await waitForStatus(app, request.id, 'link_created');
  });
});

describe('/charges policy', () => {
  test('shows the rules and this month’s budget use', async () => {
    const app = await start({ POLICY_CHANNEL_MONTHLY_BUDGET: 'USD:1000', POLICY_TWO_APPROVERS_ABOVE: 'USD:500' });
    const request = await propose(app, 'new 400 USD Acme');
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(app, request.id, 'link_created');
    await app.postCommand({ text: 'policy', response_url: app.slack.responseUrl('policy') });
    const answer = await app.slack.waitForCall('response_url', (c) => c.args.path === '/response/policy');
    const blocks = JSON.stringify(answer.args.blocks);
    expect(blocks).toContain('*Per channel per month (approved):* $1,000.00');
    expect(blocks).toContain('*Two approvers above:* $500.00');
    expect(blocks).toContain('<#C0SALES> $400.00 USD of $1,000.00 USD (40%) ████░░░░░░');
  });
});
