import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { FakeClock } from '../support/clock.js';
import { eventEnvelope, homeOpenedEvent } from '../support/fake-slack.js';
import { query, runCommand } from '../support/flows.js';

const [FIN1 = '', FIN2 = ''] = APPROVERS;
const BOB = 'U0BOB';
const REQUESTER = 'U0REQUESTER';
const NOW = new Date('2026-11-20T10:00:00Z');
const clock = new FakeClock(NOW);
let t: TestApp;

/** Inserts `count` requests straight into the database, the oldest `minutesAgo` minutes before NOW. */
async function seed(rows: {
  count: number;
  customer: string;
  requester?: string;
  status?: string;
  version?: number;
  minutesAgo?: number;
}): Promise<{ id: string }[]> {
  return query<{ id: string }>(
    t.databaseUrl,
    `INSERT INTO charge_requests (status, version, source, team_id, channel_id, requester_id, customer_name, description,
       amount_minor, currency, created_at)
     SELECT $1, $2, 'command', 'T0TEAM', CASE WHEN i % 2 = 0 THEN 'C0SALES' ELSE 'C0OPS' END, $3, $4 || ' ' || i, 'seeded',
       10000, 'USD', $5::timestamptz - make_interval(mins => $6 - i + 1)
     FROM generate_series(1, $7) i RETURNING id`,
    [
      rows.status ?? 'pending_approval',
      rows.version ?? 1,
      rows.requester ?? REQUESTER,
      rows.customer,
      NOW,
      rows.minutesAgo ?? rows.count,
      rows.count,
    ],
  );
}

async function approveAsSeeded(ids: readonly { id: string }[], approver: string, version = 1) {
  for (const { id } of ids) {
    await query(
      t.databaseUrl,
      `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision) VALUES ($1, $2, $3, 'approved')`,
      [id, version, approver],
    );
  }
}

type View = { blocks: { type: string; text?: { text: string }; elements?: { text?: string; action_id?: string }[] }[] };

async function home(user: string): Promise<{ view: View; json: string }> {
  const before = t.slack.callsOf('views.publish').filter((c) => c.args.user_id === user).length;
  await t.postEvent(eventEnvelope(homeOpenedEvent(user)));
  const published = await t.slack.waitForCall(
    'views.publish',
    (c) =>
      c.args.user_id === user &&
      t.slack
        .callsOf('views.publish')
        .filter((d) => d.args.user_id === user)
        .indexOf(c) >= before,
  );
  return { view: JSON.parse(String(published.args.view)) as View, json: String(published.args.view) };
}

beforeAll(async () => {
  t = await startTestApp({ clock, env: { REPORT_TIMEZONE: 'Europe/Berlin', ADMIN_USER_IDS: 'U0ADMIN' } });
  // 300 requests wait for approval, the oldest five hours ago, alternating between two channels.
  await seed({ count: 300, customer: 'Waiting', minutesAgo: 300 });
  // FIN1's own requests, and requests FIN1 already approved (of two needed), are not waiting for FIN1.
  await seed({ count: 3, customer: 'Own', requester: FIN1 });
  await approveAsSeeded(await seed({ count: 2, customer: 'Approved' }), FIN1);
  // Approved at version 1, edited since: waits for FIN1 again.
  await approveAsSeeded(await seed({ count: 1, customer: 'Edited', version: 2 }), FIN1, 1);
  // A failed link waits for an approver to retry it.
  await seed({ count: 1, customer: 'Failed link', status: 'link_failed' });
  // Decided requests wait for nobody.
  await seed({ count: 4, customer: 'Paid', status: 'paid' });
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

describe('App Home', () => {
  test('"Waiting for you (N)" is the real count, without the viewer’s own or already approved requests; age and channel shown; within 100 blocks', async () => {
    const { view, json } = await home(FIN1);
    // 300 waiting + 1 edited since FIN1 approved + 1 failed link; not FIN1's 3 nor the 2 FIN1 approved.
    expect(json).toContain('*Waiting for you* (302)');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const queue = json.slice(0, json.indexOf('*Your requests*'));
    expect(queue).not.toContain('Own ');
    expect(queue).not.toContain('Approved 1');
    // Oldest first, with its age and channel.
    expect(json).toMatch(/Waiting 1 — waiting for approval\\nRequested by <@U0REQUESTER> in <#C0OPS> · waiting 5h 0m/);
    const rows = view.blocks.filter((b) => b.type === 'actions');
    expect(rows).toHaveLength(20);
    expect(json).toContain('…and 282 more, newer than these.');
    expect(view.blocks.flatMap((b) => b.elements ?? []).some((e) => e.action_id === CARD_ACTIONS.approve)).toBe(true);
  });

  test('another approver also sees FIN1’s own requests and those FIN1 approved: they still wait for them', async () => {
    const { json } = await home(FIN2);
    // Everything FIN1 sees, plus FIN1's own 3 and the 2 FIN1 approved.
    expect(json).toContain('*Waiting for you* (307)');
  });

  test('a requester sees the true count of their own requests, and no queue', async () => {
    const { json } = await home(REQUESTER);
    expect(json).not.toContain('Waiting for you');
    // 300 waiting, 2 approved by FIN1, 1 edited, 1 failed link, 4 paid.
    expect(json).toContain('*Your requests* (308)');
    expect(json).toContain('…and 298 more: `/charges mine` lists them.');
  });

  test('a delegate sees the queue of the approver they stand in for, without that approver’s own requests', async () => {
    await runCommand(t, `delegate <@${BOB}|bob> until 2026-11-30`, FIN1);
    const { json } = await home(BOB);
    expect(json).toContain(`You stand in for <@${FIN1}> until the end of 2026-11-30 (Europe/Berlin)`);
    expect(json).toContain('*Waiting for you* (302)');
    await runCommand(t, 'delegate off', FIN1);
  });
});

describe('/charges pending', () => {
  test('gives the true count and says how many it leaves out', async () => {
    const { text, blocks } = await runCommand(t, 'pending', FIN2);
    // 300 + 3 + 2 + 1 pending and 1 failed link.
    expect(text).toBe('307 requests wait for approvers');
    expect(blocks).toContain('Waiting for approvers (307)');
    const section = (JSON.parse(blocks) as { text?: { text: string } }[])[1]?.text?.text ?? '';
    const lines = section.split('\n');
    const more = /^…and (\d+) more \(the oldest are shown first\)$/.exec(lines.at(-1) ?? '');
    expect(more).not.toBeNull();
    expect(lines.length - 1 + Number(more?.[1])).toBe(307);
    expect(section.length).toBeLessThanOrEqual(3000);
    expect(lines[0]).toMatch(/Waiting 1 · by <@U0REQUESTER> in <#C0OPS> · waiting for approval · waiting 5h 0m$/);
  });

  test('is refused to people who cannot approve', async () => {
    expect((await runCommand(t, 'pending', REQUESTER)).text).toMatch(/for finance approvers and admins/);
  });
});

describe('/charges mine', () => {
  test('lists the caller’s own requests, newest first, with their state, true count and "…and N more"', async () => {
    const { blocks } = await runCommand(t, 'mine', REQUESTER);
    expect(blocks).toContain('Your charge requests (308)');
    const section = (JSON.parse(blocks) as { text?: { text: string } }[])[1]?.text?.text ?? '';
    const lines = section.split('\n');
    expect(lines.at(-1)).toMatch(/^…and \d+ more \(the newest are shown first\)$/);
    expect(lines.length - 1 + Number(/\d+/.exec(lines.at(-1) ?? '')?.[0])).toBe(308);
    expect(section).toContain('*paid*');
    expect(section).toMatch(/Paid 4 · \*paid\* · asked 20 Nov 10:59 CET/);
  });

  test('for someone with no requests, says so', async () => {
    expect((await runCommand(t, 'mine', 'U0NEWBIE')).text).toMatch(/You have not asked for any charges yet/);
  });

  test('FIN1 sees only FIN1’s own', async () => {
    const { blocks } = await runCommand(t, 'mine', FIN1);
    expect(blocks).toContain('Your charge requests (3)');
    expect(blocks).not.toContain('…and');
  });
});
