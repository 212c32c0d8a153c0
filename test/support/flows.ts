import pg from 'pg';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp } from './app.js';
import { buttonClick, viewSubmission } from './fake-slack.js';
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
export async function propose(app: TestApp, text = 'new 1,200 USD Acme Corp — Q3 onboarding workshop', user?: string) {
  const [{ last }] = (await query<{ last: number }>(
    app.databaseUrl,
    'SELECT coalesce(max(number), 0) AS last FROM charge_requests',
  )) as [{ last: number }];
  await app.postCommand({ text, ...(user ? { user_id: user } : {}) });
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
export async function approvedWithLink(app: TestApp, text?: string) {
  const request = await propose(app, text);
  await click(app, CARD_ACTIONS.approve, `${request.id}:1`, APPROVERS[0] ?? '');
  await waitForStatus(app, request.id, 'link_created');
  const [row] = await query<{ payment_link_id: string }>(
    app.databaseUrl,
    'SELECT payment_link_id FROM charge_requests WHERE id = $1',
    [request.id],
  );
  return { ...request, paymentLinkId: row?.payment_link_id ?? '' };
}

/**
 * Resolves once nothing is left to happen: no Slack listener work in flight, and no Slack update or
 * Stripe event waiting in the queues. Tests use it to prove that something happened only once,
 * instead of sleeping and hoping the rest has finished.
 */
export async function settled(app: TestApp): Promise<void> {
  await eventually(async () => {
    await app.app.idle();
    const [row] = await query<{ waiting: number }>(
      app.databaseUrl,
      `SELECT (SELECT count(*) FROM slack_outbox WHERE status = 'pending')::int
            + (SELECT count(*) FROM stripe_events WHERE status = 'pending')::int AS waiting`,
    );
    return row?.waiting === 0 ? true : undefined;
  }, 'nothing left to do (listeners idle, queues drained)');
}

/** Cards the bot posted by DM to `userId` (fake Slack's DM channel is `D` + the user id). */
export const dmCardsTo = (app: TestApp, userId: string) =>
  app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === `D${userId}` && Array.isArray(c.args.blocks));

/** The audit actions of a request, oldest first. */
export const auditOf = (app: TestApp, id: string) =>
  query<{ action: string; actor: string; details: Record<string, unknown> }>(
    app.databaseUrl,
    'SELECT action, actor, details FROM audit_events WHERE charge_request_id = $1 ORDER BY id',
    [id],
  );

export interface OpenedModal {
  readonly callback_id: string;
  readonly private_metadata: string;
  readonly blocks: { type: string; block_id?: string; optional?: boolean; text?: { text: string } }[];
}

/** Clicks a button that opens a modal and returns the modal Slack was asked to open. */
export async function openModal(app: TestApp, action: string, value: string, user: string): Promise<OpenedModal> {
  const before = app.slack.callsOf('views.open').length;
  await click(app, action, value, user);
  const opened = await eventually(() => app.slack.callsOf('views.open')[before], `${action} modal`);
  return JSON.parse(String(opened.args.view)) as OpenedModal;
}

/** Submits a modal as Slack does; resolves to the acknowledgement's body (`{}` when it simply closes). */
export async function submitModal(
  app: TestApp,
  modal: Pick<OpenedModal, 'callback_id' | 'private_metadata'>,
  user: string,
  values: Parameters<typeof viewSubmission>[3],
): Promise<{ response_action?: string; errors?: Record<string, string> }> {
  const res = await app.postInteraction(viewSubmission(modal.callback_id, modal.private_metadata, user, values));
  const body = await res.text();
  return body ? (JSON.parse(body) as { response_action?: string; errors?: Record<string, string> }) : {};
}

/** Runs `/charges <text>` as `user` and resolves to its final ephemeral answer (after any progress note). */
export async function runCommand(app: TestApp, text: string, user: string): Promise<{ text: string; blocks: string }> {
  const id = `${user}-${Math.random().toString(36).slice(2)}`;
  await app.postCommand({ text, user_id: user, response_url: app.slack.responseUrl(id) });
  const calls = () => app.slack.callsOf('response_url').filter((c) => c.args.path === `/response/${id}`);
  await eventually(
    () => (calls().some((c) => !/^:(hourglass|mag):/.test(String(c.args.text))) ? true : undefined),
    `answer to /charges ${text}`,
  );
  const last = calls().at(-1);
  return { text: String(last?.args.text), blocks: JSON.stringify(last?.args.blocks ?? []) };
}
