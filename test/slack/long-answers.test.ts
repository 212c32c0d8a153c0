import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SUPPORTED_CURRENCIES } from '../../src/domain/currencies.js';
import { ADMINS, startTestApp, type TestApp } from '../support/app.js';
import { query } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';

/**
 * Admin answers over a lot of data, end to end against the strict fake Slack (which refuses what real
 * Slack refuses and posts nothing): they arrive, within 50 blocks, and say what they left out.
 */
const ADMIN = ADMINS[0] ?? '';
const CURRENCIES = [...SUPPORTED_CURRENCIES, 'ZAR', 'THB', 'MYR', 'PHP', 'IDR', 'TRY', 'ILS', 'AED', 'SAR', 'KRW']
  .filter((c, i, all) => all.indexOf(c) === i)
  .slice(0, 40);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({
    env: {
      ADMIN_USER_IDS: ADMIN,
      RECONCILE_INTERVAL_MS: '0',
      POLICY_CHANNEL_MONTHLY_BUDGET: 'USD:1000000',
    },
  });
  // 300 channels and requesters (150 of them in USD, against a budget), 40 currencies, all approved
  // this month; names full of & < >.
  await query(
    t.databaseUrl,
    `INSERT INTO charge_requests (status, source, team_id, channel_id, requester_id, customer_name, description,
       amount_minor, currency, created_at, approved_at)
     SELECT 'approved', 'command', 'T0TEAM', 'C0' || lpad(i::text, 8, '0'), 'U0' || lpad(i::text, 8, '0'),
       repeat('&<>', 60), repeat('&<>', 300), 99999999,
       CASE WHEN i < 150 THEN 'USD' ELSE ($1::text[])[1 + i % array_length($1::text[], 1)] END, now(), now()
     FROM generate_series(0, 299) AS i`,
    [CURRENCIES],
  );
});
afterAll(async () => {
  await t?.stop();
});

async function answer(text: string) {
  const id = `long-${Math.random().toString(36).slice(2)}`;
  await t.postCommand({ text, user_id: ADMIN, response_url: t.slack.responseUrl(id) });
  return eventually(() => {
    const refused = t.slack.callsOf('response_url!failed').find((c) => c.args.path === `/response/${id}`);
    if (refused) throw new Error(`Slack refused the answer to ${text}: ${refused.error} ${refused.errors?.join('; ')}`);
    return t.slack
      .callsOf('response_url')
      .find((c) => c.args.path === `/response/${id}` && !String(c.args.text).startsWith(':hourglass'));
  }, `answer to ${text}`);
}

describe('long answers reach the admin', () => {
  test('/charges report over 40 currencies and 300 channels and people', async () => {
    const reply = await answer('report 30d by channel');
    const blocks = reply.args.blocks as unknown[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(blocks)).toMatch(/…and \d+ more currencies: `\/charges export` with the same period/);
    expect(JSON.stringify(blocks)).toMatch(/…and \d+ more channels: `\/charges policy` lists every budget/);
  });

  test('/charges policy with 150 channels using a budget (the 20 fullest are listed)', async () => {
    const reply = await answer('policy');
    expect(JSON.stringify(reply.args.blocks)).toContain('*Budget use this month*');
  });

  test('/charges audit of a request with 500 events, and the whole trail as a file', async () => {
    const [request] = await query<{ id: string; number: number }>(
      t.databaseUrl,
      'SELECT id, number FROM charge_requests ORDER BY number LIMIT 1',
    );
    await query(
      t.databaseUrl,
      `INSERT INTO audit_events (charge_request_id, actor, action, from_status, to_status, version, details)
       SELECT $1, 'U0FIN1', 'approval_recorded', 'pending_approval', 'pending_approval', 1,
         jsonb_build_object('reason', repeat('&<>', 100), 'n', i)
       FROM generate_series(1, 500) AS i`,
      [request?.id],
    );
    const reply = await answer(`audit CR-${request?.number}`);
    expect(JSON.stringify(reply.args.blocks)).toMatch(
      new RegExp(`…and \\d+ more events: \`/charges audit CR-${request?.number} csv\` sends the whole trail`),
    );

    await answer(`audit CR-${request?.number} csv`);
    const upload = await t.slack.waitForCall('file_upload');
    expect(String(upload.args.content).trim().split('\r\n')).toHaveLength(1 + 500);
    expect(t.slack.callsOf('files.completeUploadExternal').at(-1)?.args).toMatchObject({ channel_id: `D${ADMIN}` });
  });
});
