import { describe, expect, test } from '@jest/globals';
import { SUPPORTED_CURRENCIES } from '../../src/domain/currencies.js';
import { checkRequestRules } from '../../src/domain/policy.js';
import { approvalCard } from '../../src/slack/blocks/approval-card.js';
import { homeView } from '../../src/slack/blocks/home.js';
import { mineBlocks, pendingBlocks } from '../../src/slack/blocks/lists.js';
import { cancelModal, rejectModal } from '../../src/slack/blocks/modals.js';
import { threadNoticeText } from '../../src/slack/blocks/thread-notice.js';
import { describeChanges } from '../../src/use-cases/propose-charge.js';
import { chargeRequestFixture } from '../support/fixtures.js';

const NOW = new Date('2026-11-21T13:00:00Z');
const times = (text: string, code: string) => text.split(code).length - 1;

/**
 * Every place people see money shows the code exactly once per amount, for every supported
 * currency: `formatMoney` is the one display form, and no caller appends the code again.
 */
describe.each(SUPPORTED_CURRENCIES)('money shown with its code exactly once: %s', (currency) => {
  const request = chargeRequestFixture({ currency, amountMinor: 1248050n, customerName: 'Acme Corp' });
  const paid = {
    ...request,
    status: 'partially_refunded' as const,
    amountReceivedMinor: 1248050n,
    refundedMinor: 2000n,
  };

  test('on the card: header, amount, Approve button and dialog, fallback text, refunds', () => {
    const { text, blocks } = approvalCard(request);
    const [header, fields] = blocks;
    expect(times(JSON.stringify(header), currency)).toBe(1);
    expect(times(JSON.stringify(fields), currency)).toBe(1);
    const approve = JSON.stringify(blocks.find((b) => b.type === 'actions'));
    // Once in the dialog's sentence, once on its confirm button.
    expect(times(approve, currency)).toBe(2);
    expect(times(text, currency)).toBe(1);
    const refunded = JSON.stringify(approvalCard(paid).blocks.find((b) => JSON.stringify(b).includes('Refunded')));
    // "Refunded X of Y · net Z" within the story (beside "Paid Y"): four amounts, four codes.
    expect(times(refunded, currency)).toBe(4);
  });

  test('in thread notices', () => {
    expect(times(threadNoticeText(request, { type: 'approved', by: 'U0FIN' }), currency)).toBe(1);
    expect(
      times(threadNoticeText(request, { type: 'approval_progress', by: 'U0FIN', approvals: 1, required: 2 }), currency),
    ).toBe(1);
    expect(times(threadNoticeText(request, { type: 'refunded', amountMinor: '2000', full: false }), currency)).toBe(1);
    const mismatch = threadNoticeText(request, {
      type: 'paid',
      amountMinor: '1000',
      currency,
      payer: null,
      mismatch: true,
      afterCancel: false,
    });
    expect(times(mismatch, currency)).toBe(3);
  });

  test('in the reject and cancel forms', () => {
    expect(times(JSON.stringify(rejectModal(request).blocks), currency)).toBe(1);
    expect(times(JSON.stringify(cancelModal(request, { reasonRequired: true }).blocks), currency)).toBe(1);
  });

  test('in App Home, /charges pending and /charges mine', () => {
    const page = { requests: [request], total: 1 };
    const home = homeView({ queue: page, standsInFor: undefined, mine: page, now: NOW, timezone: 'UTC' });
    // Once in the queue row, twice in its Approve button, once in "your requests".
    expect(times(JSON.stringify(home.blocks), currency)).toBe(4);
    expect(times(JSON.stringify(pendingBlocks(page, new Map(), NOW).blocks), currency)).toBe(1);
    expect(times(JSON.stringify(mineBlocks(page, new Map(), 'UTC').blocks), currency)).toBe(1);
  });

  test('in stored audit details (what an edit changed) and in policy refusals', () => {
    const [change] = describeChanges(request, { amountMinor: 1348050n, currency });
    expect(change && times(change.from, currency)).toBe(1);
    expect(change && times(change.to, currency)).toBe(1);
    const [violation] = checkRequestRules(
      {
        allowedCurrencies: undefined,
        maxPerRequest: new Map([[currency, 1000000n]]),
        hardCap: new Map(),
        requesterDailyLimit: new Map(),
        channelMonthlyBudget: new Map(),
        twoApproversAbove: new Map(),
      },
      { amountMinor: 1248050n, currency },
    );
    expect(violation && times(violation.message, currency)).toBe(2);
  });
});
