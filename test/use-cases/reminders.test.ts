import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp, type TestAppOptions } from '../support/app.js';
import { DAY, FakeClock, HOUR, nextMondayAt, SECOND } from '../support/clock.js';
import {
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

const [FIN1 = '', FIN2 = '', FIN3 = ''] = APPROVERS;
const BOSS = 'U0BOSS';

const services = useServices();

/** Starts an app on the shared fakes; without a clock it runs on real time. */
async function start(clock: FakeClock | undefined, options: TestAppOptions = {}) {
  return services.start({ clock, ...options });
}

/** A reminder's DMs are the DMs after the first round (one each when the request was created). */
const remindersTo = (app: TestApp, user: string) => Math.max(0, dmCardsTo(app, user).length - 1);
const reminderAudits = async (app: TestApp, id: string) =>
  (await auditOf(app, id)).filter((a) => a.action === 'reminder_sent');

/** Runs the timers once and waits until what they queued has been delivered. */
async function tickAndSettle(app: TestApp) {
  await app.tick();
  await settled(app);
}

describe('reminders (REMIND_AFTER, default 4h, inside WORKING_HOURS)', () => {
  test('before REMIND_AFTER nothing; at it, approvers who have not acted get a new DM with the card; never twice in a period', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    // Two approvals needed, so one approver can act while the request still waits.
    const app = await start(clock, { env: { POLICY_TWO_APPROVERS_ABOVE: 'USD:100' } });
    const request = await propose(app);
    await settled(app);
    expect(APPROVERS.map((u) => dmCardsTo(app, u).length)).toEqual([1, 1, 1]);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await ephemeral(app, FIN1); // "1 of 2"

    clock.advance(4 * HOUR - SECOND);
    await tickAndSettle(app);
    expect(APPROVERS.map((u) => remindersTo(app, u))).toEqual([0, 0, 0]);

    clock.advance(SECOND); // exactly REMIND_AFTER
    await tickAndSettle(app);
    // FIN1 approved already; the requester is never reminded.
    expect([remindersTo(app, FIN1), remindersTo(app, FIN2), remindersTo(app, FIN3)]).toEqual([0, 1, 1]);
    expect(dmCardsTo(app, 'U0REQUESTER')).toEqual([]);
    const reminder = dmCardsTo(app, FIN2).at(-1);
    expect(JSON.stringify(reminder?.args.blocks)).toContain(CARD_ACTIONS.approve);
    expect(await reminderAudits(app, request.id)).toEqual([
      { action: 'reminder_sent', actor: 'system', details: { recipients: [FIN2, FIN3], period: 1, after: '4h' } },
    ]);

    clock.advance(HOUR);
    await tickAndSettle(app);
    clock.advance(2 * HOUR + 59 * 60 * SECOND); // 7h59m: still the first period
    await tickAndSettle(app);
    expect([remindersTo(app, FIN2), remindersTo(app, FIN3)]).toEqual([1, 1]);

    // The reminder DM's buttons work like the card's: FIN2's approval decides it.
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN2);
    await waitForStatus(app, request.id, 'link_created');
    clock.advance(DAY);
    await tickAndSettle(app);
    expect(await reminderAudits(app, request.id)).toHaveLength(1);
  });

  test('outside working hours nothing is sent; the next working morning one reminder, not one per missed period', async () => {
    const friday = new Date(nextMondayAt(16).getTime() - 3 * DAY); // Friday 16:00 UTC
    const clock = new FakeClock(friday);
    const app = await start(clock, { env: { REMIND_AFTER: '1h' } });
    const request = await propose(app);
    clock.advance(2 * HOUR + 30 * 60 * SECOND); // Friday 18:30: due, but after hours
    await tickAndSettle(app);
    expect(remindersTo(app, FIN1)).toBe(0);
    clock.advance(DAY); // Saturday
    await tickAndSettle(app);
    expect(remindersTo(app, FIN1)).toBe(0);
    clock.set(new Date(friday.getTime() + 3 * DAY - 7 * HOUR)); // Monday 09:00
    await tickAndSettle(app);
    await tickAndSettle(app);
    expect(remindersTo(app, FIN1)).toBe(1);
    expect(await reminderAudits(app, request.id)).toHaveLength(1);
    clock.advance(HOUR); // the next period
    await tickAndSettle(app);
    expect(remindersTo(app, FIN1)).toBe(2);
  });

  test('WORKING_HOURS=always reminds at night; REPORT_TIMEZONE decides what the hours mean', async () => {
    const sunday3am = new Date(nextMondayAt(3).getTime() - DAY);
    const clock = new FakeClock(sunday3am);
    const always = await start(clock, { env: { WORKING_HOURS: 'always', REMIND_AFTER: '30m' } });
    const atNight = await propose(always);
    clock.advance(30 * 60 * SECOND);
    await tickAndSettle(always);
    expect(await reminderAudits(always, atNight.id)).toHaveLength(1);

    // Monday 08:30 UTC is 09:30 in Berlin: inside Mon-Fri 09:00-18:00 there, not yet in UTC.
    const monday0830 = new Date(nextMondayAt(8).getTime() + 30 * 60 * SECOND);
    const reminded: Record<string, number> = {};
    for (const zone of ['UTC', 'Europe/Berlin']) {
      clock.set(new Date(monday0830.getTime() - 10 * SECOND));
      const app = await start(clock, { env: { REPORT_TIMEZONE: zone, REMIND_AFTER: '5s' } });
      const request = await propose(app);
      clock.set(monday0830);
      await tickAndSettle(app);
      reminded[zone] = (await reminderAudits(app, request.id)).length;
    }
    expect(reminded).toEqual({ UTC: 0, 'Europe/Berlin': 1 });
  });

  test('after a restart, a reminder that fell due while the app was down is sent once, and none is repeated', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const first = await start(clock);
    const request = await propose(first);
    await settled(first);
    await first.stop();

    clock.advance(4 * HOUR + 10 * SECOND);
    // The restarted app looks once as it starts: the reminder that fell due goes out then.
    const second = await start(clock, { databaseUrl: first.databaseUrl });
    await tickAndSettle(second);
    await second.stop();
    const third = await start(clock, { databaseUrl: first.databaseUrl });
    await tickAndSettle(third);
    expect(await reminderAudits(third, request.id)).toHaveLength(1);
    expect(APPROVERS.map((u) => remindersTo(third, u))).toEqual([1, 1, 1]);
  });

  test('when two instances share the database and run at the same moment, then one reminder', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const a = await start(clock);
    const b = await start(clock, { databaseUrl: a.databaseUrl });
    const request = await propose(a);
    await settled(a);
    clock.advance(4 * HOUR);
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    await settled(a);
    expect(await reminderAudits(a, request.id)).toHaveLength(1);
    expect(APPROVERS.map((u) => remindersTo(a, u))).toEqual([1, 1, 1]);
  });
});

describe('the job runs by itself', () => {
  test('with REMIND_AFTER=5s and no test driving it, the reminder goes out within seconds of falling due', async () => {
    const app = await start(undefined, {
      env: { REMIND_AFTER: '5s', WORKING_HOURS: 'always' },
      workflowCheckMs: 'app',
    });
    const request = await propose(app);
    const [sent] = await eventually(
      async () => {
        const rows = await query<{ sent_at: Date; round_since: Date }>(
          app.databaseUrl,
          'SELECT sent_at, round_since FROM approval_reminders WHERE charge_request_id = $1',
          [request.id],
        );
        return rows.length ? rows : undefined;
      },
      'a reminder',
      20_000,
    );
    const lateMs = (sent?.sent_at.getTime() ?? 0) - (sent?.round_since.getTime() ?? 0) - 5 * SECOND;
    // The job looks every 5 s here (never less often than every 30 s): late by one look at most, plus
    // some slack for a busy test machine.
    expect(lateMs).toBeGreaterThanOrEqual(0);
    expect(lateMs).toBeLessThan(10 * SECOND);
    await eventually(() => (remindersTo(app, FIN1) === 1 ? true : undefined), 'the reminder DM');
  });
});

describe('escalation (ESCALATE_AFTER, default 24h)', () => {
  test('the escalation contacts get the card by DM once; they may decide it only once it is escalated', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const app = await start(clock, { env: { ESCALATION_USER_IDS: `${BOSS},U0REQUESTER` } });
    const request = await propose(app);

    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, BOSS, 'boss-early');
    expect(await ephemeral(app, 'boss-early')).toMatch(/Only finance approvers can approve or reject/);
    expect(await statusOf(app, request.id)).toBe('pending_approval');

    clock.advance(24 * HOUR - SECOND);
    await tickAndSettle(app);
    expect(dmCardsTo(app, BOSS)).toEqual([]);

    clock.advance(SECOND);
    await tickAndSettle(app);
    await tickAndSettle(app);
    expect(dmCardsTo(app, BOSS)).toHaveLength(1);
    expect(JSON.stringify(dmCardsTo(app, BOSS)[0]?.args.blocks)).toContain(CARD_ACTIONS.approve);
    // The requester is never asked to decide their own request, even when named as a contact.
    expect(dmCardsTo(app, 'U0REQUESTER')).toEqual([]);
    const escalations = (await auditOf(app, request.id)).filter((a) => a.action === 'escalated');
    expect(escalations).toEqual([
      { action: 'escalated', actor: 'system', details: { recipients: [BOSS], period: 1, after: '1d' } },
    ]);

    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, BOSS);
    await waitForStatus(app, request.id, 'link_created');
    const approval = (await auditOf(app, request.id)).find((a) => a.action === 'approve');
    expect(approval).toMatchObject({ actor: BOSS, details: { as: 'escalation_contact' } });

    clock.advance(3 * DAY);
    await tickAndSettle(app);
    expect(dmCardsTo(app, BOSS)).toHaveLength(1);
  });
});

describe('with nobody to send it to, nothing is pretended', () => {
  /** Thread messages (not DMs) that start with `prefix`. */
  const threadSays = (app: TestApp, prefix: string) =>
    app.slack
      .callsOf('chat.postMessage')
      .filter((c) => c.args.channel === 'C0SALES' && String(c.args.text).startsWith(prefix))
      .map((c) => String(c.args.text));

  test('when the only escalation contact is the requester, then nothing is escalated, the audit says not sent, and the thread says why, once', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const app = await start(clock, { env: { ESCALATION_USER_IDS: 'U0REQUESTER' } });
    const request = await propose(app);
    clock.advance(24 * HOUR);
    await tickAndSettle(app);
    await tickAndSettle(app);
    expect(threadSays(app, ':warning:')).toEqual([
      `:warning: CR-${request.number} has waited 1d without a decision, but there is nobody to escalate it to: no escalation contact besides the requester (ESCALATION_USER_IDS, ESCALATION_USERGROUP_ID). An admin should check them.`,
    ]);
    expect(dmCardsTo(app, 'U0REQUESTER')).toEqual([]);
    const trail = (await auditOf(app, request.id)).filter((a) => a.action.startsWith('escalat'));
    expect(trail).toEqual([
      {
        action: 'escalation_not_sent',
        actor: 'system',
        details: { recipients: [], period: 1, after: '1d', reason: 'no_recipients' },
      },
    ]);
    expect(
      await query(
        app.databaseUrl,
        "SELECT 1 FROM slack_outbox WHERE kind = 'dm_card' AND payload->>'occasion' LIKE 'escalation%'",
      ),
    ).toEqual([]);
    expect(await query(app.databaseUrl, 'SELECT escalated_at FROM charge_requests')).toEqual([{ escalated_at: null }]);
  });

  test('when every approver left has acted, then no reminder is recorded as sent and the thread says nobody is left to remind', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    // One approver, two approvals needed: once FIN1 has approved, nobody is left who could.
    const app = await start(clock, { env: { APPROVER_USER_IDS: FIN1, POLICY_TWO_APPROVERS_ABOVE: 'USD:100' } });
    const request = await propose(app);
    await click(app, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await ephemeral(app, FIN1); // "1 of 2"
    await settled(app);
    clock.advance(4 * HOUR);
    await tickAndSettle(app);
    expect(threadSays(app, ':warning:')).toEqual([
      `:warning: CR-${request.number} still waits for approval, but there is nobody left to remind: every approver besides the requester has already acted on this version. An admin should check who may approve (APPROVER_USER_IDS, APPROVER_USERGROUP_ID).`,
    ]);
    expect(dmCardsTo(app, FIN1)).toHaveLength(1); // the first notice only
    expect((await auditOf(app, request.id)).filter((a) => a.action.startsWith('reminder'))).toEqual([
      {
        action: 'reminder_not_sent',
        actor: 'system',
        details: { recipients: [], period: 1, after: '4h', reason: 'no_recipients' },
      },
    ]);
  });
});

describe('the database keeps each reminder to once', () => {
  test('the same request, wait, kind and period cannot be recorded twice, even by racing writers', async () => {
    const clock = new FakeClock(nextMondayAt(10));
    const app = await start(clock);
    const request = await propose(app);
    const insert = () =>
      query(
        app.databaseUrl,
        `INSERT INTO approval_reminders (charge_request_id, kind, round_since, period, recipients, sent_at)
         SELECT id, 'reminder', awaiting_approval_since, 1, '[]', now() FROM charge_requests WHERE id = $1`,
        [request.id],
      ).then(
        () => 'inserted',
        (error: { code?: string }) => error.code,
      );
    expect((await Promise.all([insert(), insert(), insert()])).sort()).toEqual(['23505', '23505', 'inserted']);
  });
});
