import { describe, expect, test } from '@jest/globals';
import { CARD_ACTIONS } from '../../src/slack/blocks/approval-card.js';
import { APPROVERS } from '../support/app.js';
import { buttonClick, type SlackCall } from '../support/fake-slack.js';
import { dmCardsTo, propose, query, settled, waitForStatus } from '../support/flows.js';
import { eventually } from '../support/http-fake.js';
import { useServices } from '../support/services.js';

const [FIN1 = '', FIN2 = '', FIN3 = ''] = APPROVERS;

const services = useServices();

const start = (env: Record<string, string> = {}) => services.start({ env });

const buttons = (call: SlackCall | undefined) =>
  ((call?.args.blocks ?? []) as { type: string; elements?: { action_id?: string; value?: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);
const text = (blocks: unknown) => JSON.stringify(blocks ?? []);

describe('approvers are notified where they work', () => {
  test('when FINANCE_CHANNEL_ID is unset (dm by default), then each approver gets the card by DM with working buttons, never the requester', async () => {
    const app = await start();
    // FIN1 asks: the other approvers are asked, FIN1 is not.
    await app.postCommand({ text: 'new 1,200 USD Acme Corp — workshop', user_id: FIN1 });
    const [request] = await eventually(async () => {
      const rows = await query<{ id: string }>(
        app.databaseUrl,
        'SELECT id FROM charge_requests WHERE card_ts IS NOT NULL',
      );
      return rows.length ? rows : undefined;
    }, 'card posted');
    await eventually(() => (dmCardsTo(app, FIN2).length && dmCardsTo(app, FIN3).length ? true : undefined), 'DMs');
    await settled(app);
    expect(dmCardsTo(app, FIN1)).toEqual([]);
    expect(app.slack.callsOf('conversations.open').map((c) => c.args.users)).toEqual(
      expect.arrayContaining([FIN2, FIN3]),
    );
    const dm = dmCardsTo(app, FIN2)[0];
    expect(buttons(dm).map((b) => [b.action_id, b.value])).toEqual([
      [CARD_ACTIONS.approve, `${request?.id}:1`],
      [CARD_ACTIONS.reject, `${request?.id}:1`],
      [CARD_ACTIONS.edit, `${request?.id}:1`],
      [CARD_ACTIONS.cancel, `${request?.id}:1`],
    ]);
    expect(text(dm?.args.blocks)).toContain('Open the request thread');
    // No finance channel, so no mirror.
    expect(app.slack.callsOf('chat.postMessage').filter((c) => c.args.channel === 'C0FINANCE')).toEqual([]);
  });

  test('when an approver approves from their DM, then the same rules apply and every copy of the card is updated', async () => {
    const app = await start();
    const request = await propose(app);
    await eventually(() => (APPROVERS.every((u) => dmCardsTo(app, u).length === 1) ? true : undefined), 'three DMs');
    // Someone who is not an approver cannot use a DM's button either (values are ids only).
    await app.postInteraction(
      buttonClick(CARD_ACTIONS.approve, `${request.id}:1`, 'U0STRANGER', app.slack.responseUrl('x'), `DU0STRANGER`),
    );
    await eventually(() => app.slack.callsOf('response_url').find((c) => c.args.path === '/response/x'), 'refusal');
    expect(await query(app.databaseUrl, 'SELECT status FROM charge_requests')).toEqual([
      { status: 'pending_approval' },
    ]);

    await app.postInteraction(
      buttonClick(CARD_ACTIONS.approve, `${request.id}:1`, FIN2, app.slack.responseUrl(FIN2), `D${FIN2}`),
    );
    await waitForStatus(app, request.id, 'link_created');
    const copies = await query<{ channel_id: string; ts: string }>(
      app.databaseUrl,
      'SELECT channel_id, ts FROM card_copies WHERE charge_request_id = $1 ORDER BY user_id',
      [request.id],
    );
    expect(copies.map((c) => c.channel_id)).toEqual([`D${FIN1}`, `D${FIN2}`, `D${FIN3}`]);
    await eventually(
      () =>
        copies.every((c) => text(app.slack.message(c.channel_id, c.ts)?.blocks).includes('Payment link'))
          ? true
          : undefined,
      'every DM copy shows the link',
    );
    for (const c of copies) {
      const blocks = text(app.slack.message(c.channel_id, c.ts)?.blocks);
      expect(blocks).toContain(`Approved by <@${FIN2}>`);
      expect(blocks).not.toContain(CARD_ACTIONS.approve);
    }
  });

  test('when the channel card could not be posted, then every DM copy still follows the request', async () => {
    const app = await start();
    app.slack.breakChannel('C0SALES', 'channel_not_found');
    await app.postCommand({ text: 'new 1,200 USD Acme Corp — workshop' });
    await eventually(() => (APPROVERS.every((u) => dmCardsTo(app, u).length === 1) ? true : undefined), 'three DMs');
    const [request] = await query<{ id: string; card_ts: string | null }>(
      app.databaseUrl,
      'SELECT id, card_ts FROM charge_requests',
    );
    expect(request?.card_ts).toBeNull();

    await app.postInteraction(
      buttonClick(CARD_ACTIONS.approve, `${request?.id}:1`, FIN2, app.slack.responseUrl(FIN2), `D${FIN2}`),
    );
    await waitForStatus(app, request?.id ?? '', 'link_created');
    const copies = await query<{ channel_id: string; ts: string }>(
      app.databaseUrl,
      'SELECT channel_id, ts FROM card_copies WHERE charge_request_id = $1 ORDER BY user_id',
      [request?.id],
    );
    expect(copies).toHaveLength(3);
    await eventually(
      () =>
        copies.every((c) => text(app.slack.message(c.channel_id, c.ts)?.blocks).includes('Payment link'))
          ? true
          : undefined,
      'every DM copy shows the link',
    );
    for (const c of copies) {
      const blocks = text(app.slack.message(c.channel_id, c.ts)?.blocks);
      expect(blocks).toContain(`Approved by <@${FIN2}>`);
      expect(blocks).not.toContain(CARD_ACTIONS.approve);
    }
  });

  test('APPROVAL_NOTIFY chooses: channel mirrors only, dm only DMs, both does both', async () => {
    const cases = [
      ['channel', { mirror: 1, dms: 0 }],
      ['dm', { mirror: 0, dms: 3 }],
      ['both', { mirror: 1, dms: 3 }],
    ] as const;
    for (const [notify, expected] of cases) {
      const app = await start({ FINANCE_CHANNEL_ID: 'C0FINANCE', APPROVAL_NOTIFY: notify });
      await propose(app);
      await settled(app);
      const posts = app.slack.callsOf('chat.postMessage').filter((c) => Array.isArray(c.args.blocks));
      expect({
        mirror: posts.filter((c) => c.args.channel === 'C0FINANCE').length,
        dms: posts.filter((c) => String(c.args.channel).startsWith('D')).length,
      }).toEqual(expected);
      await services.reset();
    }
  });

  test('when there is no approver to DM besides the requester, then the thread says so instead of pretending', async () => {
    const app = await start({ APPROVER_USER_IDS: 'U0REQUESTER' });
    const request = await propose(app);
    const [row] = await query<{ card_ts: string }>(app.databaseUrl, 'SELECT card_ts FROM charge_requests');
    const notice = await app.slack.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).startsWith(':warning: Nobody was asked by DM'),
    );
    expect(notice.args).toMatchObject({ channel: 'C0SALES', thread_ts: row?.card_ts });
    expect(notice.args.text).toBe(
      `:warning: Nobody was asked by DM to approve CR-${request.number}: I found no approver besides the requester (APPROVER_USER_IDS, APPROVER_USERGROUP_ID). An approver can still act on the card here; an admin should check who may approve.`,
    );
    await settled(app);
    expect(app.slack.callsOf('conversations.open')).toEqual([]);
    expect(await query(app.databaseUrl, 'SELECT 1 FROM card_copies')).toEqual([]);
  });

  test('members of APPROVER_USERGROUP_ID are DMed too', async () => {
    const app = await start({ APPROVER_USER_IDS: FIN1, APPROVER_USERGROUP_ID: 'S0FINANCE' });
    await propose(app);
    await settled(app);
    expect([dmCardsTo(app, FIN1).length, dmCardsTo(app, 'U0GROUPIE').length, dmCardsTo(app, FIN2).length]).toEqual([
      1, 1, 0,
    ]);
  });

  test('when Slack cannot DM one approver, then the others still get theirs; a passing outage is retried without posting twice', async () => {
    const app = await start();
    services.slack.failNext('conversations.open', { error: 'user_not_found' });
    const request = await propose(app);
    await settled(app);
    const dmed = APPROVERS.filter((u) => dmCardsTo(app, u).length === 1);
    expect(dmed).toHaveLength(2);
    expect(APPROVERS.every((u) => dmCardsTo(app, u).length <= 1)).toBe(true);
    expect(await query(app.databaseUrl, `SELECT kind, status FROM slack_outbox WHERE kind = 'dm_card'`)).toEqual([
      { kind: 'dm_card', status: 'delivered' },
    ]);

    // An outage in the middle of the DMs: the item is retried and nobody gets a second copy.
    services.slack.failNext('conversations.open', { status: 500 });
    const second = await propose(app, 'new 99 USD Globex — support');
    expect(second.id).not.toBe(request.id);
    await settled(app);
    expect(
      await query(app.databaseUrl, `SELECT attempts FROM slack_outbox WHERE kind = 'dm_card' ORDER BY id`),
    ).toEqual([{ attempts: 1 }, { attempts: 2 }]);
    for (const u of APPROVERS) {
      const copies = dmCardsTo(app, u).filter((c) => String(c.args.text).startsWith(`CR-${second.number}`));
      expect(copies).toHaveLength(1);
    }
  });
});
