import pg from 'pg';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp } from './app.js';
import { buttonClick } from './fake-slack.js';
import { eventually } from './http-fake.js';

export async function query<T = Record<string, unknown>>(
  url: string,
  sql: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Proposes through /charges new (1,200 USD for Acme by default) and waits until its card is posted. */
export async function propose(app: TestApp, text = 'new 1,200 USD Acme Corp — Q3 onboarding workshop') {
  const [{ last }] = (await query<{ last: number }>(
    app.databaseUrl,
    'SELECT coalesce(max(number), 0) AS last FROM charge_requests',
  )) as [{ last: number }];
  await app.postCommand({ text });
  return eventually(async () => {
    const [row] = await query<{ id: string; version: number; number: number }>(
      app.databaseUrl,
      'SELECT id, version, number FROM charge_requests WHERE card_ts IS NOT NULL AND number > $1 ORDER BY number LIMIT 1',
      [last],
    );
    return row;
  }, 'card posted');
}

/** A signed button click; the ephemeral answer goes to response_url /response/{responseId}. */
export const click = (app: TestApp, action: string, value: string, user: string, responseId = user) =>
  app.postInteraction(buttonClick(action, value, user, app.slack.responseUrl(responseId)));

export const statusOf = async (app: TestApp, id: string) =>
  (await query<{ status: string }>(app.databaseUrl, 'SELECT status FROM charge_requests WHERE id = $1', [id]))[0]
    ?.status;

export const waitForStatus = (app: TestApp, id: string, status: string) =>
  eventually(async () => ((await statusOf(app, id)) === status ? status : undefined), `status ${status}`);

/** The ephemeral answer sent to response_url /response/{responseId}. */
export const ephemeral = (app: TestApp, responseId: string) =>
  app.slack
    .waitForCall('response_url', (c) => c.args.path === `/response/${responseId}`)
    .then((c) => String(c.args.text));

/** Proposes and approves a request; resolves once its payment link exists. */
export async function approvedWithLink(app: TestApp) {
  const request = await propose(app);
  await click(app, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[0] ?? '');
  await waitForStatus(app, request.id, 'link_created');
  const [row] = await query<{ payment_link_id: string }>(
    app.databaseUrl,
    'SELECT payment_link_id FROM charge_requests WHERE id = $1',
    [request.id],
  );
  return { ...request, paymentLinkId: row?.payment_link_id ?? '' };
}

/** Resolves once no Slack update is waiting in the outbox (everything queued was delivered or is dead). */
export const outboxDrained = (app: TestApp) =>
  eventually(async () => {
    const [row] = await query<{ waiting: number }>(
      app.databaseUrl,
      "SELECT count(*)::int AS waiting FROM slack_outbox WHERE status = 'pending'",
    );
    return row?.waiting === 0 ? true : undefined;
  }, 'the outbox drained');
