import { afterEach, describe, expect, test } from '@jest/globals';
import { DEAD_LETTER_ACTIONS } from '../../src/slack/blocks/operations.js';
import { ADMINS, startTestApp, type TestApp } from '../support/app.js';
import { buttonClick } from '../support/fake-slack.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { approvedWithLink, query, settled, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { checkoutSession, stripeEvent, WEBHOOK_SECRETS } from '../support/stripe-events.js';

let app: TestApp | undefined;
let stripe: FakeStripe | undefined;
afterEach(async () => {
  await app?.stop();
  await stripe?.close();
  app = undefined;
  stripe = undefined;
});

const ADMIN = ADMINS[0] ?? '';

async function start(options: { stripe?: FakeStripe; admins?: string } = {}) {
  app = await startTestApp({
    stripe: options.stripe,
    env: { ADMIN_USER_IDS: options.admins ?? ADMIN, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRETS.join(',') },
  });
  return app;
}

/** What the bot said to `user` by DM (fake Slack's DM to a user id is a post to that id). */
const dmsTo = (t: TestApp, user: string) =>
  t.slack
    .callsOf('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));

/** Runs `/charges ops` as `user` and returns the blocks of the ephemeral answer. */
async function ops(t: TestApp, user = ADMIN, responseId = `ops-${Math.random()}`) {
  await t.postCommand({ text: 'ops', user_id: user, response_url: t.slack.responseUrl(responseId) });
  const answer = await t.slack.waitForCall('response_url', (c) => c.args.path === `/response/${responseId}`);
  return { text: String(answer.args.text), blocks: JSON.stringify(answer.args.blocks ?? []) };
}

/** Clicks a dead letter's button in the ops message; returns the answer that replaced (or followed) it. */
async function press(t: TestApp, action: string, value: string, user = ADMIN) {
  const responseId = `press-${Math.random()}`;
  await t.postInteraction(buttonClick(action, value, user, t.slack.responseUrl(responseId)));
  const answer = await t.slack.waitForCall('response_url', (c) => c.args.path === `/response/${responseId}`);
  return {
    text: String(answer.args.text),
    blocks: JSON.stringify(answer.args.blocks ?? []),
    replaced: answer.args.replace_original,
  };
}

const outboxRows = (t: TestApp) =>
  query<{ id: string; kind: string; status: string; last_error: string | null }>(
    t.databaseUrl,
    'SELECT id, kind, status, last_error FROM slack_outbox ORDER BY id',
  );

const auditOf = (t: TestApp, action: string) =>
  query<{ actor: string; charge_request_id: string | null; details: Record<string, unknown> }>(
    t.databaseUrl,
    'SELECT actor, charge_request_id, details FROM audit_events WHERE action = $1 ORDER BY id',
    [action],
  );

/** Proposes in a channel Slack says is gone: the card's post_card item dies at once. */
async function deadCard(t: TestApp, channel: string) {
  t.slack.breakChannel(channel, 'channel_not_found');
  await t.postCommand({ text: 'new 1,200 USD Acme Corp — Q3 workshop', channel_id: channel });
  return eventually(async () => {
    const [row] = await query<{ id: string; number: number; request_id: string }>(
      t.databaseUrl,
      `SELECT o.id, r.number, r.id AS request_id FROM slack_outbox o
       JOIN charge_requests r ON r.id::text = o.payload->>'requestId'
       WHERE o.status = 'dead' AND r.channel_id = $1`,
      [channel],
    );
    return row;
  }, 'a dead post_card');
}

describe('/charges ops and dead letters', () => {
  test('when a Slack update dies, then ops lists it with its request and error, and Retry delivers it (audited)', async () => {
    const t = await start();
    const dead = await deadCard(t, 'C0GONE');
    // The rest (the requester told by DM, approvers' copies) is delivered: only the dead card waits.
    await settled(t);

    const view = await ops(t);
    expect(view.blocks).toContain(`*CR-${dead.number}*`);
    expect(view.blocks).toContain('`channel_not_found`');
    expect(view.blocks).toContain('Slack post card');
    expect(view.blocks).toContain(`"value":"outbox:${dead.id}"`);
    expect(view.blocks).toContain(DEAD_LETTER_ACTIONS.retry);
    expect(view.blocks).toContain(DEAD_LETTER_ACTIONS.discard);
    expect(view.blocks).toMatch(/Slack updates \(outbox\)\*\\nwaiting 0 · oldest — · dead 1/);

    // Someone re-creates the channel; the admin retries.
    t.slack.repairChannel('C0GONE');
    const answer = await press(t, DEAD_LETTER_ACTIONS.retry, `outbox:${dead.id}`);
    expect(answer.replaced).toBe(true);
    expect(answer.blocks).toContain(`The Slack update for CR-${dead.number} is queued again`);
    const card = await t.slack.waitForCall(
      'chat.postMessage',
      (c) => c.args.channel === 'C0GONE' && Array.isArray(c.args.blocks),
    );
    expect(JSON.stringify(card.args.blocks)).toContain(`CR-${dead.number}`);
    await eventually(
      async () => ((await outboxRows(t)).find((r) => r.id === dead.id)?.status === 'delivered' ? true : undefined),
      'delivered after retry',
    );
    expect(await auditOf(t, 'retry_dead_letter')).toEqual([
      {
        actor: ADMIN,
        charge_request_id: dead.request_id,
        details: { queue: 'outbox', id: dead.id, kind: 'post_card', lastError: 'channel_not_found', attempts: 1 },
      },
    ]);

    // Clicking Retry again (a stale message, a second admin) changes nothing.
    const again = await press(t, DEAD_LETTER_ACTIONS.retry, `outbox:${dead.id}`);
    expect(again.blocks).toContain('no longer dead');
    expect(await auditOf(t, 'retry_dead_letter')).toHaveLength(1);
  });

  test('when an admin discards a dead update, then it leaves the list, is never tried again and is on the record', async () => {
    const t = await start();
    const dead = await deadCard(t, 'C0ARCHIVED');
    const answer = await press(t, DEAD_LETTER_ACTIONS.discard, `outbox:${dead.id}`);
    expect(answer.blocks).toContain('was discarded and will not be tried again');
    expect(answer.blocks).toContain('No dead letters.');
    expect((await outboxRows(t)).find((r) => r.id === dead.id)?.status).toBe('discarded');
    expect(await auditOf(t, 'discard_dead_letter')).toEqual([
      {
        actor: ADMIN,
        charge_request_id: dead.request_id,
        details: { queue: 'outbox', id: dead.id, kind: 'post_card', lastError: 'channel_not_found', attempts: 1 },
      },
    ]);
    expect((await ops(t)).blocks).not.toContain(`outbox:${dead.id}`);
    // The request's own audit trail shows it.
    const trail = await ops(t).then(async () => {
      await t.postCommand({
        text: `audit CR-${dead.number}`,
        user_id: ADMIN,
        response_url: t.slack.responseUrl('trail'),
      });
      return t.slack.waitForCall('response_url', (c) => c.args.path === '/response/trail');
    });
    expect(JSON.stringify(trail.args.blocks)).toContain('discard_dead_letter');
  });

  test('when someone who is not an admin runs ops or clicks Retry, then they are refused and nothing changes', async () => {
    const t = await start();
    const dead = await deadCard(t, 'C0GONE');
    expect((await ops(t, 'U0REQUESTER')).text).toMatch(/admin/i);
    const answer = await press(t, DEAD_LETTER_ACTIONS.retry, `outbox:${dead.id}`, 'U0REQUESTER');
    expect(answer.replaced).toBe(false);
    expect(answer.text).toMatch(/admin/i);
    expect((await outboxRows(t)).find((r) => r.id === dead.id)?.status).toBe('dead');
    expect(await auditOf(t, 'retry_dead_letter')).toEqual([]);
  });

  test('when a Stripe event died, then ops shows it with its request, and Retry applies it', async () => {
    stripe = await FakeStripe.start();
    const t = await start({ stripe });
    const request = await approvedWithLink(t);
    const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
    // As the inbox leaves an event whose attempts ran out (a bug fixed since, a database hiccup).
    await query(
      t.databaseUrl,
      `INSERT INTO stripe_events (id, type, payload, status, attempts, last_error)
       VALUES ($1, $2, $3::jsonb, 'dead', 10, 'Error: connection terminated unexpectedly')`,
      [event.id, event.type, JSON.stringify(event)],
    );
    const view = await ops(t);
    expect(view.blocks).toContain(`*CR-${request.number}* · Stripe checkout.session.completed ${event.id}`);
    expect(view.blocks).toContain('`Error: connection terminated unexpectedly`');
    expect(view.blocks).toMatch(/Stripe events \(inbox\)\*\\nwaiting 0 · oldest — · dead 1/);

    const answer = await press(t, DEAD_LETTER_ACTIONS.retry, `inbox:${event.id}`);
    expect(answer.blocks).toContain(`The Stripe event ${event.id} for CR-${request.number} is queued again`);
    await waitForStatus(t, request.id, 'paid');
    const [row] = await query<{ status: string; outcome: string }>(
      t.databaseUrl,
      'SELECT status, outcome FROM stripe_events WHERE id = $1',
      [event.id],
    );
    expect(row).toEqual({ status: 'processed', outcome: 'applied' });
    expect(await auditOf(t, 'retry_dead_letter')).toMatchObject([
      { actor: ADMIN, charge_request_id: request.id, details: { queue: 'inbox', id: event.id } },
    ]);
  });

  test('when a Slack update dies, then each admin is told by DM what failed, why and what to do; an alert that dies alerts nobody', async () => {
    const t = await start({ admins: `${ADMIN},U0ADMIN2` });
    t.slack.breakChannel('U0ADMIN2', 'channel_not_found'); // Slack cannot DM this admin
    const dead = await deadCard(t, 'C0GONE');
    await settled(t);
    expect(dmsTo(t, ADMIN)).toEqual([
      [
        `:rotating_light: A Slack update could not be delivered and is kept as dead: post card for CR-${dead.number} (outbox item ${dead.id}), after 1 attempt.`,
        'Why: channel_not_found',
        'What to do: fix the cause (for `not_in_channel`, `channel_not_found` or `is_archived`: invite @Countersign to the channel, or unarchive it), then open `/charges ops` and press *Retry* on it, or *Discard* it.',
      ].join('\n'),
    ]);
    // One alert per admin; the one Slack refused stays dead and is not itself alerted about (no loop).
    const alerts = await query<{ status: string; payload: { userId: string } }>(
      t.databaseUrl,
      `SELECT status, payload FROM slack_outbox WHERE kind = 'ops_alert' ORDER BY id`,
    );
    expect(alerts.map((a) => [a.payload.userId, a.status])).toEqual([
      [ADMIN, 'delivered'],
      ['U0ADMIN2', 'dead'],
    ]);
    expect((await ops(t)).blocks).toContain('Slack ops alert');
  });

  test('when a Stripe event fails its last attempt, then each admin is told by DM, and Retry after the fix applies it', async () => {
    stripe = await FakeStripe.start();
    const t = await start({ stripe });
    const request = await approvedWithLink(t);
    await settled(t);
    // The database refuses to record the payment (a bug, a full disk) until the cause is fixed.
    await query(
      t.databaseUrl,
      `CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'could not extend file: No space left on device'; END $$;
       CREATE TRIGGER refuse_writes BEFORE UPDATE ON charge_requests FOR EACH ROW EXECUTE FUNCTION refuse_writes();`,
    );
    const event = stripeEvent('checkout.session.completed', checkoutSession(request.paymentLinkId));
    // Its ninth attempt failed already; the tenth is its last.
    await query(
      t.databaseUrl,
      `INSERT INTO stripe_events (id, type, payload, attempts) VALUES ($1, $2, $3::jsonb, 9)`,
      [event.id, event.type, JSON.stringify(event)],
    );
    const [alert] = await eventually(() => {
      const found = dmsTo(t, ADMIN);
      return found.length ? found : undefined;
    }, 'the admin alerted');
    expect(alert).toBe(
      [
        `:rotating_light: A Stripe event could not be applied and is kept as dead: checkout.session.completed \`${event.id}\`, after 10 attempts.`,
        'Why: error: could not extend file: No space left on device',
        'Until it is applied, what it carries (a payment, a refund, a dispute) is not recorded. What to do: find the cause in the log (search for the event id) and fix it, then open `/charges ops` and press *Retry* on it; *Discard* it only if it must never be applied.',
      ].join('\n'),
    );
    expect(await query(t.databaseUrl, 'SELECT status, attempts FROM stripe_events WHERE id = $1', [event.id])).toEqual([
      { status: 'dead', attempts: 10 },
    ]);

    await query(t.databaseUrl, 'DROP TRIGGER refuse_writes ON charge_requests');
    await press(t, DEAD_LETTER_ACTIONS.retry, `inbox:${event.id}`);
    await waitForStatus(t, request.id, 'paid');
  });

  test('a forged button value is refused', async () => {
    const t = await start();
    const answer = await press(t, DEAD_LETTER_ACTIONS.discard, 'outbox:1; DROP TABLE slack_outbox');
    expect(answer.blocks).toContain('no longer dead');
    const other = await press(t, DEAD_LETTER_ACTIONS.discard, '{"queue":"outbox"}');
    expect(other.blocks).toContain('not valid any more');
  });
});
