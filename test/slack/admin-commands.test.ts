import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { ADMINS, APPROVERS, startTestApp, type TestApp } from '../support/app.js';
import { buttonClick, eventEnvelope } from '../support/fake-slack.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { query } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

const ADMIN = ADMINS[0] ?? '';
const FIN = APPROVERS[0] ?? '';
let t: TestApp;
let stripe: FakeStripe;

/** Inserts a request row directly, as history would have left it. */
async function seed(row: {
  createdAt: string;
  currency?: string;
  amountMinor?: bigint;
  status?: string;
  requester?: string;
  channel?: string;
  customer?: string;
  approvedAfterMinutes?: number;
  paidAfterMinutes?: number;
}) {
  const created = new Date(row.createdAt);
  const at = (minutes?: number) => (minutes === undefined ? null : new Date(created.getTime() + minutes * 60_000));
  const [inserted] = await query<{ id: string; number: number }>(
    t.databaseUrl,
    `INSERT INTO charge_requests (status, source, team_id, channel_id, thread_ts, requester_id, customer_name, description,
       amount_minor, currency, created_at, approved_at, paid_at, link_created_at, amount_received_minor)
     VALUES ($1, 'command', 'T0TEAM', $2, NULL, $3, $4, 'seeded', $5::bigint, $6, $7, $8, $9, $8, CASE WHEN $9::timestamptz IS NULL THEN NULL ELSE $5::bigint END)
     RETURNING id, number`,
    [
      row.status ?? 'pending_approval',
      row.channel ?? 'C0SALES',
      row.requester ?? 'U0REQUESTER',
      row.customer ?? 'Acme Corp',
      (row.amountMinor ?? 10000n).toString(),
      row.currency ?? 'USD',
      created,
      at(row.approvedAfterMinutes),
      at(row.paidAfterMinutes),
    ],
  );
  if (inserted && row.approvedAfterMinutes !== undefined) {
    await query(
      t.databaseUrl,
      `INSERT INTO charge_approvals (charge_request_id, version, approver_id, decision) VALUES ($1, 1, $2, 'approved')`,
      [inserted.id, FIN],
    );
  }
  return inserted;
}

async function command(text: string, user = ADMIN) {
  const id = `${user}-${Math.random().toString(36).slice(2)}`;
  await t.postCommand({ text, user_id: user, response_url: t.slack.responseUrl(id) });
  const calls = () => t.slack.callsOf('response_url').filter((c) => c.args.path === `/response/${id}`);
  // Long-running subcommands send a progress note first: wait for the final answer.
  await eventually(
    () =>
      calls().some((c) => !String(c.args.text).startsWith(':hourglass') && !String(c.args.text).startsWith(':mag:'))
        ? true
        : undefined,
    `answer to ${text}`,
  );
  const last = calls().at(-1);
  return { text: String(last?.args.text), blocks: JSON.stringify(last?.args.blocks ?? []) };
}

beforeAll(async () => {
  stripe = await FakeStripe.start();
  t = await startTestApp({
    stripe,
    env: { ADMIN_USER_IDS: ADMIN, REPORT_TIMEZONE: 'Europe/Berlin', RECONCILE_INTERVAL_MS: '0' },
  });
  // October and November 2026 in Berlin; three currencies; one row on each side of the month end.
  await seed({
    createdAt: '2026-10-15T10:00:00Z',
    currency: 'USD',
    amountMinor: 120000n,
    status: 'paid',
    approvedAfterMinutes: 30,
    paidAfterMinutes: 180,
    channel: 'C0SALES',
  });
  await seed({
    createdAt: '2026-10-16T10:00:00Z',
    currency: 'USD',
    amountMinor: 50000n,
    status: 'rejected',
    channel: 'C0SALES',
  });
  await seed({
    createdAt: '2026-10-17T10:00:00Z',
    currency: 'EUR',
    amountMinor: 9900n,
    status: 'link_created',
    approvedAfterMinutes: 90,
    requester: 'U0OTHER',
    channel: 'C0OPS',
  });
  await seed({
    createdAt: '2026-10-18T10:00:00Z',
    currency: 'JPY',
    amountMinor: 5000n,
    status: 'pending_approval',
    channel: 'C0OPS',
  });
  // 23:30 UTC on 31 October is already 1 November in Berlin.
  await seed({
    createdAt: '2026-10-31T23:30:00Z',
    currency: 'USD',
    amountMinor: 777n,
    status: 'pending_approval',
    customer: '=HYPERLINK("http://evil")',
  });
  await query(
    t.databaseUrl,
    `INSERT INTO agent_runs (team_id, channel_id, user_id, model, input_tokens, output_tokens, total_tokens, latency_ms, outcome, created_at)
     VALUES ('T0TEAM', 'C0SALES', 'U0REQUESTER', 'gpt-5-mini', 2000000, 500000, 2500000, 900, 'proposed', '2026-10-20T10:00:00Z'),
            ('T0TEAM', 'C0SALES', 'U0REQUESTER', 'gpt-5-mini', 1000000, 0, 1000000, 700, 'model_timeout', '2026-10-21T10:00:00Z')`,
  );
});
afterAll(async () => {
  await t?.stop();
  await stripe?.close();
});

describe('/charges report', () => {
  test('shows per-currency totals, never adding currencies together, with funnel, medians and AI cost', async () => {
    const { blocks, text } = await command('report 2026-10');
    expect(text).toContain('Usage report, October 2026 (Europe/Berlin)');
    expect(text).toContain('USD: 2 requested, 1 paid; EUR: 1 requested, 0 paid; JPY: 1 requested, 0 paid');
    expect(blocks).toContain('Requested   ████████████      2  $1,700.00');
    expect(blocks).toContain('Paid        ██████░░░░░░      1  $1,200.00');
    expect(blocks).toContain('Rejected    ██████░░░░░░      1  $500.00');
    expect(blocks).toContain('€99.00');
    expect(blocks).toContain('¥5,000');
    expect(blocks).toContain('median time to approve 30m, to pay 3h 0m');
    // 3M input tokens at $0.25/M + 0.5M output at $2.00/M = $0.75 + $1.00.
    expect(blocks).toContain('2 runs (1 proposals, 1 model failures)');
    expect(blocks).toContain('estimated cost $1.75');
    expect(blocks).toContain('<@U0REQUESTER> — 2 · $1,700.00');
  });

  test('period boundaries follow the report time zone', async () => {
    const november = await command('report 2026-11');
    expect(november.text).toContain('USD: 1 requested');
    const range = await command('report 2026-10-31..2026-10-31');
    expect(range.text).toContain('no requests');
  });

  test('an empty period says so', async () => {
    const { blocks } = await command('report 2020-01');
    expect(blocks).toContain('No charge requests in this period.');
  });

  test.each([
    ['by channel', '<#C0OPS> — 1 · €99.00'],
    ['by requester', '<@U0OTHER> — 1 · €99.00'],
    ['by approver', `<@${FIN}> — 1 · $1,200.00`],
    ['by status', 'link created — 1 · €99.00'],
  ])('report 2026-10 %s', async (by, expected) => {
    const { blocks } = await command(`report 2026-10 ${by}`);
    expect(blocks).toContain(expected);
  });

  test('bad periods and dimensions are explained', async () => {
    expect((await command('report fortnight')).text).toMatch(/I don't know the period "fortnight"/);
    expect((await command('report 30d by mood')).text).toMatch(/Group by one of: requester, channel, approver, status/);
  });
});

describe('admin authorisation', () => {
  test.each(['report 30d', 'export 30d', 'audit CR-1001', 'reconcile'])(
    '"%s" is refused to non-admins',
    async (text) => {
      const { text: answer } = await command(text, 'U0REQUESTER');
      expect(answer).toMatch(/for Countersign admins/);
    },
  );
});

describe('/charges export', () => {
  test('sends a CSV of the period to the admin DM, quoted and with formulas neutralised', async () => {
    const before = t.slack.callsOf('file_upload').length;
    const { text } = await command('export 2026-11');
    // Named by the days of REPORT_TIMEZONE (Europe/Berlin), not by the UTC dates of its instants.
    expect(text).toMatch(/Sent countersign-2026-11-01-to-2026-11-30\.csv \(1 rows\)/);
    const upload = t.slack.callsOf('file_upload')[before];
    const csv = String(upload?.args.content);
    const [header, row] = csv.split('\r\n');
    expect(header?.startsWith('reference,status,version,source,currency,amount,amount_minor')).toBe(true);
    expect(row).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(row).toContain(',USD,7.77,777,');
    expect(t.slack.callsOf('conversations.open').at(-1)?.args).toMatchObject({ users: ADMIN });
    expect(t.slack.callsOf('files.completeUploadExternal').at(-1)?.args).toMatchObject({ channel_id: `D${ADMIN}` });
  });

  test('has an approvers column: who approved the current version, a delegate as "U0BOB for U0FIN2"', async () => {
    const request = await seed({ createdAt: '2026-09-10T10:00:00Z', status: 'link_created', approvedAfterMinutes: 10 });
    await query(
      t.databaseUrl,
      `INSERT INTO charge_approvals (charge_request_id, version, approver_id, delegate_id, decision, created_at)
       VALUES ($1, 1, 'U0FIN2', 'U0BOB', 'approved', now() + interval '1 minute')`,
      [request?.id],
    );
    await seed({ createdAt: '2026-09-11T10:00:00Z', status: 'pending_approval' });
    const before = t.slack.callsOf('file_upload').length;
    await command('export 2026-09');
    const csv = String(t.slack.callsOf('file_upload')[before]?.args.content);
    const [header, approved, pending] = csv.split('\r\n').map((line) => line.split(','));
    const column = header?.indexOf('approvers') ?? -1;
    expect(header?.[column - 1]).toBe('requester_id');
    expect(approved?.[column]).toBe(`${FIN};U0BOB for U0FIN2`);
    expect(pending?.[column]).toBe('');
  });
});

describe('/charges audit and pending', () => {
  test('audit shows the whole trail of one request', async () => {
    await t.postCommand({
      text: 'new 10 USD Audit Co — trail',
      user_id: 'U0REQUESTER',
      response_url: t.slack.responseUrl('audit-new'),
    });
    const [row] = await eventually(async () => {
      const rows = await query<{ number: number }>(
        t.databaseUrl,
        "SELECT number FROM charge_requests WHERE customer_name = 'Audit Co'",
      );
      return rows.length ? rows : undefined;
    }, 'request');
    const { blocks } = await command(`audit CR-${row?.number}`);
    expect(blocks).toContain(`Audit trail of CR-${row?.number}`);
    expect(blocks).toContain('<@U0REQUESTER> *create* pending approval (v1)');
    expect((await command('audit CR-999999')).text).toMatch(/No request CR-999999/);
  });

  test('pending lists what waits for approvers, oldest first, with thread links; others are refused', async () => {
    const { blocks } = await command('pending', FIN);
    expect(blocks).toContain('Waiting for approvers');
    expect(blocks.indexOf('¥5,000')).toBeLessThan(blocks.indexOf('$7.77'));
    expect(blocks).toMatch(/waiting \d+d/);
    expect((await command('pending', 'U0NOBODY')).text).toMatch(/for finance approvers and admins/);
  });
});

describe('App Home', () => {
  test('approvers see their queue; buttons there obey the same rules as on the card', async () => {
    await t.postEvent(
      eventEnvelope({ type: 'app_home_opened', user: FIN, channel: 'D0HOME', tab: 'home', event_ts: '1.1' }),
    );
    const published = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === FIN);
    const view = JSON.parse(String(published.args.view)) as {
      blocks: { type: string; elements?: { action_id: string; value: string }[] }[];
    };
    const approve = view.blocks.flatMap((b) => b.elements ?? []).find((e) => e.action_id === CARD_ACTIONS.approve);
    expect(approve).toBeDefined();

    const homeClick = (user: string) => {
      const payload = buttonClick(CARD_ACTIONS.approve, approve?.value ?? '', user, '');
      const { response_url: _none, container: _c, ...rest } = payload;
      return t.postInteraction({
        ...rest,
        container: { type: 'view', view_id: 'V0HOME' },
        view: { id: 'V0HOME', type: 'home' },
      });
    };
    const [id] = (approve?.value ?? '').split(':');
    await homeClick('U0STRANGER');
    const refusal = await t.slack.waitForCall('chat.postMessage', (c) => c.args.channel === 'U0STRANGER');
    expect(refusal.args.text).toMatch(/Only finance approvers/);
    expect((await query(t.databaseUrl, 'SELECT status FROM charge_requests WHERE id = $1', [id]))[0]?.status).toBe(
      'pending_approval',
    );

    await homeClick(FIN);
    await eventually(
      async () =>
        (await query(t.databaseUrl, 'SELECT status FROM charge_requests WHERE id = $1', [id]))[0]?.status ===
        'link_created'
          ? true
          : undefined,
      'approved from Home',
    );
    // The Home tab is refreshed after the click.
    await t.slack.waitForCall('views.publish', (c) => c.args.user_id === FIN && c !== published);

    await t.postEvent(
      eventEnvelope({ type: 'app_home_opened', user: 'U0REQUESTER', channel: 'D0HOME2', tab: 'home', event_ts: '1.2' }),
    );
    const mine = await t.slack.waitForCall('views.publish', (c) => c.args.user_id === 'U0REQUESTER');
    expect(String(mine.args.view)).toContain('*Your requests* (');
    expect(String(mine.args.view)).not.toContain(CARD_ACTIONS.approve);
  });
});
