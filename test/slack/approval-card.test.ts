import { describe, expect, test } from '@jest/globals';
import {
  approvalCard,
  CARD_ACTIONS,
  cardButtonValue,
  parseCardButtonValue,
} from '../../src/slack/blocks/approval-card.js';
import { escapeText } from '../../src/slack/blocks/escape.js';
import { parseNewCharge } from '../../src/slack/listeners/commands/parse-new-charge.js';
import { chargeRequestFixture } from '../support/fixtures.js';

const request = chargeRequestFixture();

describe('approval card', () => {
  test('shows header, customer, amount with currency, requester, reference and status, with Approve, Reject, Edit and Cancel buttons', () => {
    const { text, blocks } = approvalCard(request);
    expect(text).toBe('CR-1042: $1,200.00 USD for Acme Corp — waiting for approval');
    expect(blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
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
    const confirm = JSON.stringify(actions);
    expect(confirm).toContain('*Acme Corp*');
  });

  test('after approval the card says who approved and shows the payment link; a failed link offers Retry', () => {
    const decisions = [{ approverId: 'U0FIN', decision: 'approved' as const, reason: null }];
    const approved = JSON.stringify(approvalCard({ ...request, status: 'approved' }, { decisions }).blocks);
    expect(approved).toContain('Approved by <@U0FIN> — creating payment link…');
    const linked = JSON.stringify(
      approvalCard(
        { ...request, status: 'link_created', paymentLinkUrl: 'https://buy.stripe.com/test_123' },
        { decisions },
      ).blocks,
    );
    expect(linked).toContain('Payment link: <https://buy.stripe.com/test_123|https://buy.stripe.com/test_123>');
    expect(linked).toContain(CARD_ACTIONS.cancel);
    expect(linked).not.toContain(CARD_ACTIONS.approve);
    const failed = JSON.stringify(
      approvalCard({ ...request, status: 'link_failed', lastError: 'Stripe rejected <our> key' }, { decisions }).blocks,
    );
    expect(failed).toContain(CARD_ACTIONS.retry);
    expect(failed).toContain('Stripe rejected &lt;our&gt; key');
    const rejected = JSON.stringify(
      approvalCard(
        { ...request, status: 'rejected' },
        { decisions: [{ approverId: 'U0FIN', decision: 'rejected', reason: 'Too high <!channel>' }] },
      ).blocks,
    );
    expect(rejected).toContain('Rejected by <@U0FIN>: Too high &lt;!channel&gt;');
  });

  test('has no buttons once decided, and says TEST MODE with test keys', () => {
    const { blocks } = approvalCard({ ...request, status: 'rejected' }, { testMode: true });
    expect(blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(blocks[0])).toContain('Charge request CR-1042 · TEST MODE');
  });

  test('an expired request has no buttons; an expired link offers only Request again', () => {
    const expired = approvalCard({ ...request, status: 'expired' });
    expect(expired.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(expired.blocks)).toContain('Nobody approved or rejected this in time, so it expired.');
    const decisions = [{ approverId: 'U0FIN', decision: 'approved' as const, reason: null }];
    const linkExpired = approvalCard({ ...request, status: 'link_expired' }, { decisions });
    expect(linkExpired.blocks.find((b) => b.type === 'actions')).toMatchObject({
      elements: [{ action_id: CARD_ACTIONS.requestAgain, text: { text: 'Request again' }, value: `${request.id}:1` }],
    });
    expect(JSON.stringify(linkExpired.blocks)).toContain(
      'Approved by <@U0FIN>, but the payment link expired unpaid and no longer accepts payments.',
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
  ])('%s', (text, expected) => {
    expect(parseNewCharge(text)).toEqual({ ok: true, input: expected });
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
