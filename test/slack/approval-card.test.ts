import { describe, expect, test } from '@jest/globals';
import type { KnownBlock } from '@slack/types';
import type { ChargeRequest } from '../../src/domain/charge-request.js';
import {
  approvalCard,
  CARD_ACTIONS,
  type CardDecision,
  type CardOptions,
  cardButtonValue,
  parseCardButtonValue,
} from '../../src/slack/blocks/approval-card.js';
import { escapeText } from '../../src/slack/blocks/escape.js';
import { commandWords, parseNewCharge } from '../../src/slack/listeners/commands/parse-new-charge.js';
import { chargeRequestFixture } from '../support/fixtures.js';

const request = chargeRequestFixture();
const ZONE = 'Europe/Berlin';
const MAYA = 'U0MAYA';
const LEE = 'U0LEE';
const ALICE = 'U0ALICE';
const BOB = 'U0BOB';

/** 21 Nov 2026, 13:03 UTC = 14:03 in Berlin (CET). */
const T1 = new Date('2026-11-21T13:03:00Z');
const T2 = new Date('2026-11-21T14:10:00Z');

const approval = (approverId: string, at: Date, delegateId: string | null = null): CardDecision => ({
  approverId,
  delegateId,
  decision: 'approved',
  reason: null,
  createdAt: at,
});

/** Every mrkdwn and plain text on the card, in order, as one string per block. */
function texts(blocks: readonly KnownBlock[]): string[] {
  return blocks.map((b) => JSON.stringify(b));
}

function render(overrides: Partial<ChargeRequest>, options: CardOptions = {}) {
  const card = approvalCard({ ...request, ...overrides }, { timezone: ZONE, ...options });
  return { ...card, all: JSON.stringify(card.blocks) };
}

describe('approval card', () => {
  test('the header says what is charged to whom; the reference is in the footer; Approve, Reject, Edit and Cancel', () => {
    const { text, blocks } = approvalCard(request);
    expect(text).toBe('CR-1042: $1,200.00 USD for Acme Corp — waiting for approval');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '$1,200.00 USD · Acme Corp' } });
    expect(JSON.stringify(blocks.at(-1))).toContain('CR-1042 · version 1 · requested via conversation');
    const actions = blocks.find((b) => b.type === 'actions');
    expect(actions).toMatchObject({
      elements: [
        {
          action_id: CARD_ACTIONS.approve,
          style: 'primary',
          value: `${request.id}:1`,
          confirm: { text: { text: expect.stringContaining('exactly *$1,200.00 USD*') } },
        },
        { action_id: CARD_ACTIONS.reject, style: 'danger' },
        { action_id: CARD_ACTIONS.edit },
        { action_id: CARD_ACTIONS.cancel },
      ],
    });
    expect(JSON.stringify(actions)).toContain('*Acme Corp*');
  });

  test('a long customer name is cut to fit the 150-character header, TEST MODE kept', () => {
    const { blocks } = approvalCard({ ...request, customerName: 'A'.repeat(400) }, { testMode: true });
    const header = (blocks[0] as { text: { text: string } }).text.text;
    expect([...header].length).toBeLessThanOrEqual(150);
    expect(header.startsWith('$1,200.00 USD · AAA')).toBe(true);
    expect(header.endsWith('… · TEST MODE')).toBe(true);
  });

  describe('who and when, in REPORT_TIMEZONE', () => {
    test('pending: nothing decided yet; the policy says how many approvals it needs', () => {
      const { all } = render({}, { policy: { requiredApprovals: 2, approvals: 0, budgetPercent: undefined } });
      expect(all).toContain('Needs 2 approvals — 0 of 2 so far (the requester does not count)');
      expect(all).not.toContain('Approved by');
    });

    test('pending with one of two approvals: who gave it and when', () => {
      const { all } = render(
        {},
        {
          decisions: [approval(MAYA, T1)],
          policy: { requiredApprovals: 2, approvals: 1, budgetPercent: undefined },
        },
      );
      expect(all).toContain(':ballot_box_with_check: 1 of 2 approvals — <@U0MAYA> · 21 Nov 14:03 CET');
      expect(all).toContain('Needs 2 approvals (the requester does not count)');
      expect(all).toContain(CARD_ACTIONS.approve);
    });

    test('pending with the first of two approvals given by a delegate: both named', () => {
      const { all } = render(
        {},
        {
          decisions: [approval(ALICE, T1, BOB)],
          policy: { requiredApprovals: 2, approvals: 1, budgetPercent: undefined },
        },
      );
      expect(all).toContain('1 of 2 approvals — <@U0BOB> for <@U0ALICE> · 21 Nov 14:03 CET');
    });

    test('approved: who and when, while the link is created', () => {
      const { all } = render({ status: 'approved' }, { decisions: [approval(MAYA, T1)] });
      expect(all).toContain(':white_check_mark: Approved by <@U0MAYA> · 21 Nov 14:03 CET — creating payment link…');
      expect(all).toContain(CARD_ACTIONS.cancel);
    });

    test('approved by two: both approvers with their times', () => {
      const { all } = render(
        { status: 'link_created', paymentLinkUrl: 'https://buy.stripe.com/test_123' },
        { decisions: [approval(MAYA, T1), approval(LEE, T2)] },
      );
      expect(all).toContain(
        'Approved by <@U0MAYA> · 21 Nov 14:03 CET and <@U0LEE> · 21 Nov 15:10 CET. Payment link: <https://buy.stripe.com/test_123|https://buy.stripe.com/test_123>',
      );
      expect(all).not.toContain(CARD_ACTIONS.approve);
    });

    test('approved by a delegate: "approved by @bob for @alice"', () => {
      const { all } = render({ status: 'approved' }, { decisions: [approval(ALICE, T1, BOB)] });
      expect(all).toContain('Approved by <@U0BOB> for <@U0ALICE> · 21 Nov 14:03 CET');
    });

    test('link failed: who approved, Stripe’s reason escaped, and Retry', () => {
      const { all } = render(
        { status: 'link_failed', lastError: 'Stripe rejected <our> key' },
        { decisions: [approval(MAYA, T1)] },
      );
      expect(all).toContain('Approved by <@U0MAYA> · 21 Nov 14:03 CET.');
      expect(all).toContain(':warning: Stripe could not create the link: Stripe rejected &lt;our&gt; key');
      expect(all).toContain(CARD_ACTIONS.retry);
    });

    test('payment processing and payment failed keep who approved', () => {
      for (const status of ['payment_processing', 'payment_failed'] as const) {
        const { all } = render({ status }, { decisions: [approval(MAYA, T1)] });
        expect(all).toContain('Approved by <@U0MAYA> · 21 Nov 14:03 CET.');
      }
      expect(render({ status: 'payment_failed' }).all).toContain('The payment failed at the bank');
      expect(render({ status: 'payment_processing' }).all).toContain('takes a few days to confirm');
    });

    test('paid: who approved, and who paid when; no buttons', () => {
      const { all, blocks } = render(
        {
          status: 'paid',
          amountReceivedMinor: 120000n,
          payerEmail: 'pat@acme.test',
          paidAt: new Date('2026-11-22T08:00:00Z'),
        },
        { decisions: [approval(MAYA, T1), approval(LEE, T2)] },
      );
      expect(all).toContain('Approved by <@U0MAYA> · 21 Nov 14:03 CET and <@U0LEE> · 21 Nov 15:10 CET.');
      expect(all).toContain(':moneybag: Paid $1,200.00 USD by pat@acme.test · 22 Nov 09:00 CET');
      expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    });

    test('refunds show what was refunded and the net amount', () => {
      const paid = { amountReceivedMinor: 120000n, paidAt: T2 };
      expect(render({ ...paid, status: 'partially_refunded', refundedMinor: 20000n }).all).toContain(
        ':leftwards_arrow_with_hook: Refunded $200.00 USD of $1,200.00 USD · net $1,000.00 USD',
      );
      expect(render({ ...paid, status: 'refunded', refundedMinor: 120000n }).all).toContain(
        'Refunded $1,200.00 USD of $1,200.00 USD · net $0.00 USD',
      );
    });

    test('disputed: shown as disputed, never as plain paid, with the reason in words', () => {
      const { all, text } = render(
        { status: 'paid', disputed: true, disputeReason: 'product_not_received', paidAt: T2 },
        { decisions: [approval(MAYA, T1)] },
      );
      expect(all).toContain('*Status*\\n:rotating_light: disputed (paid)');
      expect(all).not.toContain(':moneybag:');
      expect(all).toContain('Received $1,200.00 USD · 21 Nov 15:10 CET');
      expect(all).toContain(
        ':rotating_light: *Disputed:* the customer says they did not receive what they paid for. Respond in the Stripe Dashboard.',
      );
      expect(all).not.toContain('product_not_received');
      expect(text).toBe('CR-1042: $1,200.00 USD for Acme Corp — disputed');
      expect(render({ status: 'paid', disputed: true, disputeReason: 'fraudulent' }).all).toContain(
        'did not make or authorise the payment (fraud)',
      );
    });

    test('rejected: who, when and why (escaped); by a delegate, both', () => {
      const rejection = (approverId: string, delegateId: string | null): CardDecision => ({
        approverId,
        delegateId,
        decision: 'rejected',
        reason: 'Too high <!channel>',
        createdAt: T1,
      });
      expect(render({ status: 'rejected' }, { decisions: [rejection(MAYA, null)] }).all).toContain(
        ':no_entry: Rejected by <@U0MAYA> · 21 Nov 14:03 CET: Too high &lt;!channel&gt;.',
      );
      expect(render({ status: 'rejected' }, { decisions: [rejection(ALICE, BOB)] }).all).toContain(
        'Rejected by <@U0BOB> for <@U0ALICE> · 21 Nov 14:03 CET: Too high',
      );
      expect(render({ status: 'rejected' }).blocks.some((b) => b.type === 'actions')).toBe(false);
    });

    test('canceled: who, when and why; with the link deactivated and who had approved', () => {
      expect(render({ status: 'canceled', canceledBy: 'U0REQUESTER', closedAt: T1 }).all).toContain(
        ':heavy_multiplication_x: Canceled by <@U0REQUESTER> · 21 Nov 14:03 CET.',
      );
      const { all, blocks } = render(
        {
          status: 'canceled',
          canceledBy: MAYA,
          cancelReason: 'Wrong customer!',
          closedAt: T2,
          paymentLinkId: 'plink_1',
        },
        { decisions: [approval(LEE, T1)] },
      );
      expect(all).toContain('Approved by <@U0LEE> · 21 Nov 14:03 CET.');
      expect(all).toContain(
        'Canceled by <@U0MAYA> · 21 Nov 15:10 CET: Wrong customer! The payment link was deactivated.',
      );
      expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    });

    test('paid after it was canceled: both told, with a refund hint', () => {
      const { all } = render({ status: 'paid', canceledBy: MAYA, closedAt: T1, paidAt: T2 });
      expect(all).toContain(
        ':warning: Canceled by <@U0MAYA> · 21 Nov 14:03 CET. The customer paid before the link was deactivated: consider a refund.',
      );
    });

    test('times follow the zone, daylight saving time included', () => {
      const summer = new Date('2026-07-01T10:00:00Z');
      expect(render({ status: 'approved' }, { decisions: [approval(MAYA, summer)] }).all).toContain(
        '<@U0MAYA> · 1 Jul 12:00 CEST',
      );
      const utc = approvalCard({ ...request, status: 'approved' }, { decisions: [approval(MAYA, summer)] });
      expect(JSON.stringify(utc.blocks)).toContain('<@U0MAYA> · 1 Jul 10:00 UTC');
      const ny = approvalCard(
        { ...request, status: 'approved' },
        { decisions: [approval(MAYA, T1)], timezone: 'America/New_York' },
      );
      expect(JSON.stringify(ny.blocks)).toContain('<@U0MAYA> · 21 Nov 08:03 EST');
    });
  });

  test('the finance-channel copy names the channel it came from and links the thread', () => {
    const { blocks } = approvalCard(request, {
      mirror: { threadPermalink: 'https://test.slack.com/archives/C0SALES/p1' },
    });
    expect(texts(blocks).at(-2)).toContain(
      'From <#C0SALES> · <https://test.slack.com/archives/C0SALES/p1|Open the request thread>',
    );
    expect(JSON.stringify(approvalCard(request, { mirror: {} }).blocks)).toContain('From <#C0SALES>');
    expect(JSON.stringify(approvalCard(request).blocks)).not.toContain('From <#');
  });

  test('Cancel opens a form (no one-click cancel): the button carries identifiers only', () => {
    const { blocks } = approvalCard({ ...request, status: 'link_created' });
    expect(blocks.find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ action_id: CARD_ACTIONS.cancel, value: `${request.id}:1` }],
    });
  });

  test('an expired request has no buttons; an expired link offers only Request again', () => {
    const expired = approvalCard({ ...request, status: 'expired' });
    expect(expired.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(expired.blocks)).toContain('Nobody approved or rejected this in time, so it expired.');
    const decisions = [
      {
        approverId: 'U0FIN',
        delegateId: null,
        decision: 'approved' as const,
        reason: null,
        createdAt: new Date('2026-11-21T13:03:00Z'),
      },
    ];
    const linkExpired = approvalCard({ ...request, status: 'link_expired' }, { decisions });
    expect(linkExpired.blocks.find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ action_id: CARD_ACTIONS.requestAgain, text: { text: 'Request again' }, value: `${request.id}:1` }],
    });
    expect(JSON.stringify(linkExpired.blocks)).toContain('Approved by <@U0FIN> · 21 Nov 13:03 UTC.');
    expect(JSON.stringify(linkExpired.blocks)).toContain(
      'The payment link expired unpaid and no longer accepts payments. The requester can ask again.',
    );
  });

  test('button values are identifiers only and parse back strictly', () => {
    expect(parseCardButtonValue(cardButtonValue(request))).toEqual({ id: request.id, version: 1 });
    for (const bad of [undefined, '', 'x:1', `${request.id}`, `${request.id}:1:approve`, '{"amount":1}']) {
      expect(parseCardButtonValue(bad)).toBeUndefined();
    }
  });

  test('escaping neutralises mentions, links and bare URLs but keeps the text readable', () => {
    expect(escapeText('<!channel> <@U1> <!subteam^S1> <https://x.test|y> & https://x.test www.x.test')).toBe(
      '&lt;!channel&gt; &lt;@U1&gt; &lt;!subteam^S1&gt; &lt;https:\u200B//x.test|y&gt; &amp; https:\u200B//x.test www\u200B.x.test',
    );
    expect(escapeText('a'.repeat(5000)).length).toBe(2900);
  });
});

describe('/charges new arguments', () => {
  test.each([
    [
      '1,200 USD Acme Corp — Q3 onboarding workshop',
      { amount: '1,200', currency: 'USD', customerName: 'Acme Corp', description: 'Q3 onboarding workshop' },
    ],
    [
      '$1,200 Ace Hardware - paint',
      { amount: '$1,200', currency: undefined, customerName: 'Ace Hardware', description: 'paint' },
    ],
    ['5000 jpy Tokyo KK', { amount: '5000', currency: 'jpy', customerName: 'Tokyo KK', description: '' }],
    [
      '500 EUR Smith &amp; Sons — see <https://smith.test|smith.test> for <#C0OPS|ops>',
      { amount: '500', currency: 'EUR', customerName: 'Smith & Sons', description: 'see smith.test for #ops' },
    ],
  ])('%s', (text, expected) => {
    expect(parseNewCharge(text)).toEqual({ ok: true, input: expected });
  });

  test('Slack’s escaped forms read as what was typed', () => {
    expect(commandWords('<@U0MAYA|maya> &lt;b&gt; <https://x.test> <mailto:a@b.test|a@b.test> <!here>')).toBe(
      '@maya <b> https://x.test a@b.test <!here>',
    );
  });

  test('a missing customer is named', () => {
    expect(parseNewCharge('1200 USD')).toMatchObject({
      ok: false,
      code: 'invalid_input',
      message: expect.stringMatching(/Who is the customer/),
    });
    expect(parseNewCharge('')).toMatchObject({ ok: false });
  });
});
