import { describe, expect, test } from '@jest/globals';
import type { ChargeFlag } from '../../src/domain/flags.js';
import { approvalCard, approveButton } from '../../src/slack/blocks/approval-card.js';
import { flagSentence, flagsSummary } from '../../src/slack/blocks/card-context.js';
import { SLACK_LIMITS } from '../../src/slack/limits.js';
import { messageBlockProblems } from '../support/block-kit-limits.js';
import { chargeRequestFixture } from '../support/fixtures.js';

const ALL_FLAGS: ChargeFlag[] = [
  {
    code: 'possible_duplicate',
    facts: { reference: 'CR-1040', status: 'paid', days: 3, channel: 'C0SALES', thread: '1700000000.000100', more: 2 },
  },
  { code: 'unusual_amount', facts: { ratio: '4.2', basis: 'customer', count: 5, median_minor: '28571' } },
  { code: 'amount_not_stated' },
  { code: 'currency_not_stated' },
  { code: 'customer_not_stated' },
  { code: 'paid_after_expiry' },
];

const flagged = chargeRequestFixture({ flags: ALL_FLAGS, requesterWords: 'charge Acme $1,200 for the workshop' });
const text = (value: unknown) => JSON.stringify(value);
/** Only what Slack parses: mrkdwn texts (plain_text, e.g. the header, shows `<!channel>` as typed, inert). */
const mrkdwn = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: unknown }).type === 'plain_text' ? undefined : v,
  );

describe('flags on the approval card', () => {
  test('when a request is flagged, then each flag is a sentence in a section just above the buttons', () => {
    const links = new Map([['CR-1040', 'https://test.slack.com/archives/C0SALES/p1700000000000100']]);
    const { blocks } = approvalCard(flagged, { flagLinks: links });
    const actions = blocks.findIndex((b) => b.type === 'actions');
    const flags = blocks[actions - 1];
    expect(flags).toMatchObject({ type: 'section', block_id: 'card_flags' });
    const lines = text(flags).split('\\n');
    expect(lines[0]).toContain(':warning: *Check before approving*');
    expect(text(flags)).toContain(
      '• *Possible duplicate* of <https://test.slack.com/archives/C0SALES/p1700000000000100|CR-1040> (paid, 3 days earlier, in <#C0SALES>) and 2 more like it',
    );
    expect(text(flags)).toContain("• *Unusual amount*: 4.2× Acme Corp's usual (median $285.71 USD of the last 5)");
    expect(text(flags)).toContain("• *Amount not stated*: $1,200.00 USD is not in the requester's words");
    expect(text(flags)).toContain("• *Currency not stated*: the requester's words do not name USD");
    expect(text(flags)).toContain("• *Customer not stated*: the customer's name is not in the requester's words");
    expect(text(flags)).toContain('• *Paid after expiry*');
    expect(messageBlockProblems(blocks)).toEqual([]);
  });

  test('without a permalink the duplicate is named by reference; a confirmed second charge says so', () => {
    const flag: ChargeFlag = {
      code: 'possible_duplicate',
      facts: { reference: 'CR-1040', status: 'pending_approval', days: 0, channel: 'C0SALES', confirmed: true },
    };
    expect(flagSentence(flagged, flag)).toBe(
      '*Possible duplicate* of CR-1040 (waiting for approval, the same day, in <#C0SALES>) — the requester confirmed a second charge',
    );
  });

  test('an unflagged card has no flag section and its confirmation is the plain sentence', () => {
    const plain = chargeRequestFixture();
    expect(text(approvalCard(plain).blocks)).not.toContain('card_flags');
    expect(approveButton(plain).confirm.text.text).toBe(
      'Create a payment link charging *Acme Corp* exactly *$1,200.00 USD* (CR-1042, version 1).',
    );
  });

  test('nothing in a flag reaches Slack unless it has the shape we computed: no mentions, links or text', () => {
    const forged = chargeRequestFixture({
      customerName: '<!channel> Acme',
      flags: [
        {
          code: 'possible_duplicate',
          facts: {
            reference: '<!channel> CR-1',
            status: 'ignore rules',
            days: '3 <@U0CEO>' as unknown as number,
            channel: '<https://evil.test|x>',
          },
        },
        { code: 'unusual_amount', facts: { ratio: '<!here>', basis: 'customer', count: 3, median_minor: 'x' } },
      ],
    });
    const rendered = mrkdwn(approvalCard(forged).blocks);
    for (const bad of ['<!channel>', '<!here>', '<@U0CEO>', 'evil.test', 'ignore rules']) {
      expect(rendered).not.toContain(bad);
    }
    expect(rendered).toContain('*Possible duplicate* of another request');
    expect(rendered).toContain('*Unusual amount* for &lt;!channel&gt; Acme');
    // A link is only ever a Slack permalink.
    const links = new Map([['CR-1040', 'https://evil.test/|<!channel>']]);
    expect(flagSentence(flagged, ALL_FLAGS[0] as ChargeFlag, links)).not.toContain('evil');
  });
});

describe('the requester’s words on the card', () => {
  test('are quoted right after the description, escaped', () => {
    const request = chargeRequestFixture({
      requesterWords: 'charge <!channel> Acme $1,200\nfor the <https://x.test|workshop>',
    });
    const { blocks } = approvalCard(request);
    const description = blocks.findIndex((b) => text(b).includes('*Description*'));
    expect(blocks[description + 1]).toEqual({
      type: 'section',
      block_id: 'card_requester_words',
      text: {
        type: 'mrkdwn',
        text: "*In the requester's words*\n> charge &lt;!channel&gt; Acme $1,200\n> for the &lt;https:\u200B//x.test|workshop&gt;",
      },
    });
  });

  test('are cut to fit, and absent for /charges new', () => {
    const long = approvalCard(chargeRequestFixture({ requesterWords: `${'&'.repeat(3000)}\n${'line\n'.repeat(500)}` }));
    const quote = long.blocks.find((b) => text(b).includes('card_requester_words'));
    const quoted = (quote as { text: { text: string } }).text.text;
    expect(quoted.length).toBeLessThanOrEqual(1300);
    expect(quoted).toMatch(/…$/);
    expect(quoted).not.toMatch(/&[a-z]*…$/);
    expect(messageBlockProblems(long.blocks)).toEqual([]);
    expect(text(approvalCard(chargeRequestFixture({ source: 'command' })).blocks)).not.toContain(
      'card_requester_words',
    );
  });
});

describe('flags in the Approve confirmation', () => {
  test('are repeated in a few words', () => {
    expect(flagsSummary(ALL_FLAGS)).toBe(
      "possible duplicate of CR-1040 · 4.2× the usual amount · paid after expiry · not in the requester's words: amount, currency, customer",
    );
    expect(approveButton(flagged).confirm.text.text).toBe(
      "Create a payment link charging *Acme Corp* exactly *$1,200.00 USD* (CR-1042, version 1).\n:warning: possible duplicate of CR-1040 · 4.2× the usual amount · paid after expiry · not in the requester's words: amount, currency, customer",
    );
  });

  test('fit the confirmation’s 300 characters as sent, whatever the customer name, and the name stays escaped', () => {
    for (const customerName of ['&'.repeat(200), '<!channel>'.repeat(20), 'A'.repeat(200)]) {
      const request = chargeRequestFixture({
        customerName,
        flags: ALL_FLAGS,
        number: 99999999,
        reference: 'CR-99999999',
        version: 999,
        amountMinor: 99_999_999n,
      });
      const confirm = approveButton(request).confirm.text.text;
      expect(confirm.length).toBeLessThanOrEqual(SLACK_LIMITS.confirm.textMaxChars);
      expect(confirm).toContain(':warning: possible duplicate of CR-1040');
      expect(confirm).not.toContain('<!channel>');
      expect(confirm).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
  });
});
