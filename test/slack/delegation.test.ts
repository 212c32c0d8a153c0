import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { click, ephemeral, propose, query, runCommand, statusOf, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [ALICE = '', MAYA = ''] = APPROVERS;
const BOB = 'U0BOB';
const CAROL = 'U0CAROL';
const REQUESTER = 'U0REQUESTER';
/** 20 Nov 2026, 11:00 in Berlin. */
const START = new Date('2026-11-20T10:00:00Z');

const services = useServices({ env: { REPORT_TIMEZONE: 'Europe/Berlin' } });

async function start(env: Record<string, string> = {}) {
  const clock = new FakeClock(START);
  return { t: await services.start({ clock, env }), clock };
}

const delegations = (t: TestApp) =>
  query(
    t.databaseUrl,
    'SELECT delegator_id, delegate_id, reason, revoked_by FROM approval_delegations ORDER BY created_at',
  );
const delegationAudit = (t: TestApp) =>
  query<{ actor: string; action: string; details: Record<string, unknown> }>(
    t.databaseUrl,
    "SELECT actor, action, details FROM audit_events WHERE action LIKE 'delegation_%' ORDER BY id",
  );

describe('/charges delegate', () => {
  test('refuses what cannot be a delegation, with a clear message, and stores nothing', async () => {
    const { t } = await start();
    const cases: [string, string, RegExp][] = [
      [BOB, `delegate <@${CAROL}|carol> until 2026-11-30`, /Only finance approvers can delegate/],
      [ALICE, `delegate <@${ALICE}|alice> until 2026-11-30`, /cannot delegate to yourself/],
      [ALICE, 'delegate <@U0BOT|countersign> until 2026-11-30', /Countersign itself cannot approve/],
      [
        ALICE,
        `delegate <@${BOB}|bob> until 2026-11-19`,
        /2026-11-19 is in the past \(today is 2026-11-20 in Europe\/Berlin\)/,
      ],
      [ALICE, `delegate <@${BOB}|bob> until 2026-02-30`, /"2026-02-30" is not a date/],
      [ALICE, `delegate <@${BOB}|bob> until 2028-01-01`, /more than a year ahead/],
      [ALICE, `delegate <@${MAYA}|maya> until 2026-11-30`, /already a finance approver/],
      [ALICE, 'delegate @bob until 2026-11-30', /Pick the person from Slack’s @-suggestions/],
      [ALICE, `delegate <@${BOB}|bob> next week`, /Write it as `\/charges delegate @user until YYYY-MM-DD \[reason\]`/],
      [ALICE, 'delegate off', /no delegation in force/],
    ];
    for (const [user, text, expected] of cases) expect((await runCommand(t, text, user)).text).toMatch(expected);
    expect(await delegations(t)).toEqual([]);
    expect(await delegationAudit(t)).toEqual([]);
    expect((await runCommand(t, 'delegate', ALICE)).text).toMatch(/You have not delegated your approval right/);
  });

  test('a delegation is shown, told to the delegate, audited, listed by /charges policy, replaced and turned off', async () => {
    const { t } = await start();
    const made = await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30 parental leave`, ALICE);
    expect(made.text).toContain(
      `<@${BOB}> may approve and reject charges for you until the end of 2026-11-30 (Europe/Berlin)`,
    );
    const dm = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === BOB);
    expect(dm.args.text).toContain(`<@${ALICE}> asked you to approve charges for them until the end of 2026-11-30`);
    expect((await runCommand(t, 'delegate', ALICE)).text).toContain(
      `You have handed your approval right to <@${BOB}> until the end of 2026-11-30 (Europe/Berlin) (parental leave)`,
    );
    expect((await runCommand(t, 'delegate', BOB)).text).toContain(
      `You stand in for <@${ALICE}> until the end of 2026-11-30`,
    );
    const policy = await runCommand(t, 'policy', REQUESTER);
    expect(policy.blocks).toContain(
      `<@${BOB}> approves for <@${ALICE}> until the end of 2026-11-30 (Europe/Berlin) (parental leave)`,
    );

    // One person stands in for one approver at a time.
    expect((await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-25`, MAYA)).text).toMatch(
      /already stands in for another approver/,
    );

    const replaced = await runCommand(t, `delegate <@${CAROL}|carol> until 2026-11-25`, ALICE);
    expect(replaced.text).toContain(`This replaces your delegation to <@${BOB}>.`);
    expect((await runCommand(t, 'delegate off', ALICE)).text).toContain(`Your delegation to <@${CAROL}> is off`);
    expect((await runCommand(t, 'policy', REQUESTER)).blocks).toContain('*Delegations in force:* none');

    expect(await delegations(t)).toEqual([
      { delegator_id: ALICE, delegate_id: BOB, reason: 'parental leave', revoked_by: ALICE },
      { delegator_id: ALICE, delegate_id: CAROL, reason: null, revoked_by: ALICE },
    ]);
    const audit = await delegationAudit(t);
    expect(audit.map((a) => [a.actor, a.action, a.details.delegateId, a.details.why])).toEqual([
      [ALICE, 'delegation_created', BOB, undefined],
      [ALICE, 'delegation_ended', BOB, 'replaced'],
      [ALICE, 'delegation_created', CAROL, undefined],
      [ALICE, 'delegation_ended', CAROL, 'turned_off'],
    ]);
    expect(audit[0]?.details).toMatchObject({
      lastDay: '2026-11-30',
      timezone: 'Europe/Berlin',
      startsAt: START.toISOString(),
      // The end of 30 November in Berlin (CET, UTC+1).
      endsAt: '2026-11-30T23:00:00.000Z',
      reason: 'parental leave',
    });
  });
});

describe('deciding as a delegate', () => {
  test('the window: from the start, through the last day, and not the day after; the card and audit say for whom', async () => {
    const { t, clock } = await start();
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, ALICE);

    const first = await propose(t);
    await click(t, CARD_ACTIONS.approve, `${first.id}:1`, BOB);
    await waitForStatus(t, first.id, 'link_created');
    const card = await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('Payment link'),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(`Approved by <@${BOB}> for <@${ALICE}> · 20 Nov 11:00 CET`);
    await t.slack.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes(`was approved by <@${BOB}> for <@${ALICE}>`),
    );
    expect(await query(t.databaseUrl, 'SELECT approver_id, delegate_id FROM charge_approvals')).toEqual([
      { approver_id: ALICE, delegate_id: BOB },
    ]);
    const [approve] = await query<{ actor: string; details: Record<string, unknown> }>(
      t.databaseUrl,
      "SELECT actor, details FROM audit_events WHERE action = 'approve'",
    );
    expect(approve?.actor).toBe(BOB);
    expect(approve?.details).toMatchObject({ onBehalfOf: ALICE, delegationId: expect.any(String) });

    // 23:59 on the last day, Berlin time.
    clock.set(new Date('2026-11-30T22:59:00Z'));
    const lastDay = await propose(t);
    await click(t, CARD_ACTIONS.approve, `${lastDay.id}:1`, BOB);
    await waitForStatus(t, lastDay.id, 'link_created');

    // Midnight: 1 December in Berlin. The delegation is over.
    clock.set(new Date('2026-11-30T23:00:00Z'));
    const after = await propose(t);
    await click(t, CARD_ACTIONS.approve, `${after.id}:1`, BOB, 'after');
    expect(await ephemeral(t, 'after')).toMatch(/Only finance approvers can approve or reject/);
    expect(await statusOf(t, after.id)).toBe('pending_approval');
  });

  test('a delegate can never approve their own request, nor one made by the approver they stand in for', async () => {
    const { t } = await start();
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, ALICE);
    const own = await propose(t, 'new 100 USD Bob Customer', BOB);
    await click(t, CARD_ACTIONS.approve, `${own.id}:1`, BOB, 'own');
    expect(await ephemeral(t, 'own')).toMatch(/You requested CR-\d+, so someone else must approve it/);
    const alices = await propose(t, 'new 100 USD Alice Customer', ALICE);
    await click(t, CARD_ACTIONS.approve, `${alices.id}:1`, BOB, 'alices');
    expect(await ephemeral(t, 'alices')).toMatch(/requested by the approver you stand in for/);
    expect(await statusOf(t, own.id)).toBe('pending_approval');
    expect(await statusOf(t, alices.id)).toBe('pending_approval');
    expect(await query(t.databaseUrl, 'SELECT * FROM charge_approvals')).toEqual([]);
  });

  test('even with ALLOW_SELF_APPROVAL a delegate cannot approve their own request', async () => {
    const { t } = await start({ ALLOW_SELF_APPROVAL: 'true' });
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, ALICE);
    const own = await propose(t, 'new 100 USD Bob Customer', BOB);
    await click(t, CARD_ACTIONS.approve, `${own.id}:1`, BOB, 'own');
    expect(await ephemeral(t, 'own')).toMatch(/so someone else must approve it/);
  });

  test('two-approver rule: a delegate and the approver they stand for count as one approver', async () => {
    const { t, clock } = await start({ POLICY_TWO_APPROVERS_ABOVE: 'USD:1000' });
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, ALICE);

    const a = await propose(t, 'new 2000 USD Acme');
    await click(t, CARD_ACTIONS.approve, `${a.id}:1`, ALICE, 'alice-a');
    expect(await ephemeral(t, 'alice-a')).toMatch(/recorded \(1 of 2\)/);
    await click(t, CARD_ACTIONS.approve, `${a.id}:1`, BOB, 'bob-a');
    expect(await ephemeral(t, 'bob-a')).toMatch(
      /approver you stand in for has already approved .* count as one approver/,
    );
    expect(await statusOf(t, a.id)).toBe('pending_approval');

    const b = await propose(t, 'new 3000 USD Acme');
    await click(t, CARD_ACTIONS.approve, `${b.id}:1`, BOB, 'bob-b');
    expect(await ephemeral(t, 'bob-b')).toMatch(/recorded \(1 of 2\)/);
    const progress = await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(`1 of 2 approvals — <@${BOB}> for <@${ALICE}> · 20 Nov 11:00 CET`),
    );
    expect(progress).toBeDefined();
    await click(t, CARD_ACTIONS.approve, `${b.id}:1`, ALICE, 'alice-b');
    expect(await ephemeral(t, 'alice-b')).toMatch(/Your delegate already approved .* count as one approver/);
    expect(await statusOf(t, b.id)).toBe('pending_approval');

    clock.advance(60_000);
    await click(t, CARD_ACTIONS.approve, `${b.id}:1`, MAYA);
    await waitForStatus(t, b.id, 'link_created');
    const card = await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes('Payment link'),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(
      `Approved by <@${BOB}> for <@${ALICE}> · 20 Nov 11:00 CET and <@${MAYA}> · 20 Nov 11:01 CET`,
    );
    const recorded = await query<{ details: Record<string, unknown> }>(
      t.databaseUrl,
      "SELECT details FROM audit_events WHERE action = 'approval_recorded' AND actor = $1",
      [BOB],
    );
    expect(recorded[0]?.details).toMatchObject({ onBehalfOf: ALICE, approvals: 1, required: 2 });
  });

  test('a delegate rejects with a reason; after "delegate off" they can do nothing more', async () => {
    const { t } = await start();
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, ALICE);
    const request = await propose(t);
    await click(t, CARD_ACTIONS.reject, `${request.id}:1`, BOB);
    const opened = await t.slack.waitForCall('views.open');
    const view = JSON.parse(String(opened.args.view)) as { private_metadata: string };
    const { viewSubmission } = await import('../support/fake-slack.js');
    await t.postInteraction(viewSubmission('charge_reject_modal', view.private_metadata, BOB, { reason: 'No budget' }));
    await waitForStatus(t, request.id, 'rejected');
    await t.slack.waitForCall('chat.update', (c) =>
      JSON.stringify(c.args.blocks).includes(`Rejected by <@${BOB}> for <@${ALICE}> · 20 Nov 11:00 CET: No budget.`),
    );
    const [reject] = await query<{ details: Record<string, unknown> }>(
      t.databaseUrl,
      "SELECT details FROM audit_events WHERE action = 'reject'",
    );
    expect(reject?.details).toMatchObject({ reason: 'No budget', onBehalfOf: ALICE });

    await runCommand(t, 'delegate off', ALICE);
    const next = await propose(t);
    await click(t, CARD_ACTIONS.approve, `${next.id}:1`, BOB, 'off');
    expect(await ephemeral(t, 'off')).toMatch(/Only finance approvers/);
    await eventually(async () => ((await statusOf(t, next.id)) === 'pending_approval' ? true : undefined), 'pending');
  });
});

test('/charges help documents delegate and mine', async () => {
  const { t } = await start();
  const { blocks } = await runCommand(t, 'help', REQUESTER);
  expect(blocks).toContain('/charges delegate @user until YYYY-MM-DD [reason]');
  expect(blocks).toContain('/charges delegate off');
  expect(blocks).toContain('/charges mine');
  expect(blocks).toContain('&lt;amount&gt;');
});
