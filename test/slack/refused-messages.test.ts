import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS, type TestApp, type TestAppOptions } from '../support/app.js';
import type { ChannelBreak, FakeSlack } from '../support/fake-slack.js';
import { buttonClick } from '../support/fake-slack.js';
import { click, propose, query, settled, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { capturingLogger } from '../support/logs.js';
import { useServices } from '../support/services.js';

const [FIN1 = ''] = APPROVERS;
const REQUESTER = 'U0REQUESTER';

const services = useServices();

async function start(logger = capturingLogger(), options: Omit<TestAppOptions, 'logger'> = {}) {
  const app = await services.start({ logger: logger.logger, ...options });
  return { app, slack: app.slack, logs: logger.lines };
}

interface OutboxRow {
  id: string;
  kind: string;
  status: string;
  last_error: string | null;
  payload: { requestId: string; userId?: string };
}
const outbox = (t: TestApp) =>
  // Approvers' DM copies (APPROVAL_NOTIFY) follow their own path; these tests follow the card and the notices.
  query<OutboxRow>(
    t.databaseUrl,
    `SELECT id::text, kind, status, last_error, payload FROM slack_outbox WHERE kind <> 'dm_card' ORDER BY id`,
  );
const dms = (s: FakeSlack, user: string) =>
  s
    .callsOf('chat.postMessage')
    .filter((c) => c.args.channel === user)
    .map((c) => String(c.args.text));

describe('a Slack message refused for good reaches a person', () => {
  test.each<[ChannelBreak, RegExp]>([
    [
      'not_in_channel',
      /I am not a member of that channel \(`not_in_channel`\): invite me there with `\/invite @Countersign`/,
    ],
    ['channel_not_found', /the channel no longer exists, or I cannot see it \(`channel_not_found`\)/],
    ['is_archived', /the channel is archived \(`is_archived`\)/],
  ])(
    'when the card cannot be posted (%s), then the requester is told by DM, the log names the item, and it stays dead with Slack’s code',
    async (error, reason) => {
      const { app: t, slack: s, logs } = await start();
      s.breakChannel('C0SALES', error);
      await t.postCommand({ text: 'new 50 USD Acme & <Partners>' });
      const [dm] = await eventually(() => {
        const found = dms(s, REQUESTER).filter((text) => text.includes('I could not post the card'));
        return found.length ? found : undefined;
      }, 'a DM to the requester');
      expect(dm).toMatch(/^:warning: I could not post the card of CR-\d+ in <#C0SALES>: /);
      expect(dm).toMatch(reason);
      expect(dm).toContain('$50.00 USD for Acme &amp; &lt;Partners&gt; — waiting for approval');
      expect(dm).toMatch(/App Home or `\/charges pending`/);

      await settled(t);
      const [request] = await query<{ id: string }>(t.databaseUrl, 'SELECT id FROM charge_requests');
      const rows = await outbox(t);
      expect(rows.map(({ kind, status, last_error, payload }) => ({ kind, status, last_error, payload }))).toEqual([
        {
          kind: 'post_card',
          status: 'dead',
          last_error: error,
          payload: { kind: 'post_card', requestId: request?.id },
        },
        {
          kind: 'direct_message',
          status: 'delivered',
          last_error: null,
          payload: expect.objectContaining({ requestId: request?.id, userId: REQUESTER }),
        },
      ]);
      const logged = logs().find((l) => l.msg === `Slack refused the update for good (${error}); kept as dead`);
      expect(logged).toMatchObject({
        level: 'error',
        id: rows[0]?.id,
        kind: 'post_card',
        requestId: request?.id,
        error,
        handled: `${REQUESTER} told by DM`,
      });
    },
  );

  test('when Slack refuses the card as too large (invalid_blocks), then a plain-text version replaces it and the approver who acted is told', async () => {
    const { app: t, slack: s, logs } = await start();
    const request = await propose(t);
    s.failNext('chat.update', { error: 'invalid_blocks' });
    await click(t, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    const fallback = await s.waitForCall(
      'chat.update',
      (c) => Array.isArray(c.args.blocks) && c.args.blocks.length === 0,
    );
    expect(String(fallback.args.text)).toMatch(
      /^CR-\d+: \$1,200\.00 USD for Acme Corp — .*\n_Slack could not show the full card\. Approvers can act on it from Countersign's App Home or `\/charges pending`\._$/,
    );
    const [dm] = await eventually(() => {
      const found = dms(s, FIN1);
      return found.length ? found : undefined;
    }, 'a DM to the approver');
    expect(dm).toMatch(
      /I could not show the card of CR-\d+ in <#C0SALES>: Slack refused the message as too large or malformed \(`invalid_blocks`\)\. I posted a plain-text version there instead\./,
    );
    await settled(t);
    const dead = (await outbox(t)).filter((r) => r.status === 'dead');
    expect(dead).toMatchObject([
      { kind: 'update_card', last_error: 'invalid_blocks', payload: { requestId: request.id } },
    ]);
    expect(logs().find((l) => l.id === dead[0]?.id && l.level === 'error')).toMatchObject({
      handled: `plain-text fallback posted in C0SALES; ${FIN1} told by DM`,
    });
  });

  test('when the channel is archived after the card was posted, then the approver who acted gets the thread’s news, the payment link included, by DM', async () => {
    const { app: t, slack: s } = await start();
    const request = await propose(t);
    s.breakChannel('C0SALES', 'is_archived');
    await click(t, CARD_ACTIONS.approve, `${request.id}:1`, FIN1);
    await waitForStatus(t, request.id, 'link_created');
    await settled(t);
    const texts = dms(s, FIN1);
    expect(
      texts.some((text) =>
        /^:warning: I could not post this in the thread of CR-\d+ in <#C0SALES>: the channel is archived/.test(text),
      ),
    ).toBe(true);
    expect(
      texts.some(
        (text) =>
          text.includes(`>:link: Payment link for CR-${request.number}`) &&
          text.includes(services.stripe.links[0]?.url ?? '?'),
      ),
    ).toBe(true);
    expect(texts.some((text) => text.includes('I could not post the card') || text.includes('could not show'))).toBe(
      true,
    );
  });

  test('when the card was never posted, then the thread’s news (approval, payment link) goes to the requester by DM, not lost', async () => {
    const { app: t, slack: s } = await start();
    s.breakChannel('C0SALES', 'channel_not_found');
    await t.postCommand({ text: 'new 1,200 USD Acme & Co — workshop' });
    // The approvers still got the card by DM; one approves from there.
    const dmCard = await s.waitForCall('chat.postMessage', (c) => c.args.channel === `D${FIN1}`);
    const [request] = await query<{ id: string; number: number }>(
      t.databaseUrl,
      'SELECT id, number FROM charge_requests',
    );
    expect(JSON.stringify(dmCard.args.blocks)).toContain(`CR-${request?.number}`);
    await t.postInteraction(
      buttonClick(CARD_ACTIONS.approve, `${request?.id}:1`, FIN1, s.responseUrl(FIN1), `D${FIN1}`),
    );
    await waitForStatus(t, request?.id ?? '', 'link_created');
    const texts = await eventually(() => {
      const found = dms(s, REQUESTER).filter((text) => text.startsWith(':speech_balloon:'));
      return found.length === 2 ? found : undefined;
    }, 'the approval and the link, by DM');
    const about = `:speech_balloon: The card of CR-${request?.number} ($1,200.00 USD for Acme &amp; Co) could not be posted in <#C0SALES>, so there is no thread for this; here it is instead:\n>`;
    expect(texts[0]).toBe(
      `${about}:white_check_mark: CR-${request?.number} ($1,200.00 USD) was approved by <@${FIN1}>. Creating the payment link…`,
    );
    expect(texts[1]).toContain(`${about}:link: Payment link for CR-${request?.number}`);
    expect(texts[1]).toContain(services.stripe.links[0]?.url ?? '?');
    await settled(t);
    expect((await outbox(t)).filter((r) => r.kind === 'thread_reply').map((r) => r.status)).toEqual([
      'delivered',
      'delivered',
    ]);
  });

  test('when Slack keeps failing to post the card until the outbox gives up, then the requester is told, and the admins', async () => {
    const { app: t, slack: s } = await start(capturingLogger(), {
      env: { APPROVAL_NOTIFY: 'channel', ADMIN_USER_IDS: 'U0ADMIN' },
      app: { outboxMaxAttempts: 2 },
    });
    s.failNext('chat.postMessage', { status: 500 });
    s.failNext('chat.postMessage', { status: 500 });
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    const [dm] = await eventually(() => {
      const found = dms(s, REQUESTER);
      return found.length ? found : undefined;
    }, 'a DM to the requester');
    expect(dm).toMatch(
      /^:warning: I could not post the card of CR-\d+ in <#C0SALES>: Slack kept failing, and I gave up after 2 attempts \(last error: `An HTTP protocol error occurred: statusCode = 500`\)\.\n/,
    );
    expect(dm).toMatch(/an admin can retry the failed message from `\/charges ops`\.$/);
    await settled(t);
    expect(dms(s, 'U0ADMIN')).toEqual([
      expect.stringMatching(/^:rotating_light: A Slack update could not be delivered/),
    ]);
    expect((await outbox(t)).map((r) => [r.kind, r.status])).toEqual([
      ['post_card', 'dead'],
      ['ops_alert', 'delivered'],
      ['direct_message', 'delivered'],
    ]);
  });

  test('when the DM that tells about a refusal is refused too, then it stays dead and nothing loops', async () => {
    const { app: t, slack: s } = await start();
    s.breakChannel('C0SALES', 'channel_not_found');
    s.breakChannel(REQUESTER, 'channel_not_found');
    await t.postCommand({ text: 'new 50 USD Acme Corp' });
    await eventually(async () => ((await outbox(t)).length === 2 ? true : undefined), 'the DM queued');
    await settled(t);
    expect((await outbox(t)).map((r) => [r.kind, r.status, r.last_error])).toEqual([
      ['post_card', 'dead', 'channel_not_found'],
      ['direct_message', 'dead', 'channel_not_found'],
    ]);
  });
});
