import { describe, expect, test } from '@jest/globals';
import type { KnownBlock, View } from '@slack/types';
import type { ChargeRequest } from '../../src/domain/charge-request.js';
import { CHARGE_STATUSES } from '../../src/domain/charge-status.js';
import { SUPPORTED_CURRENCIES } from '../../src/domain/currencies.js';
import { NO_POLICY, type Policy } from '../../src/domain/policy.js';
import type { DirectNotice, OpsAlert, ThreadNotice } from '../../src/outbox/items.js';
import type { AuditEvent } from '../../src/persistence/audit.js';
import type { BreakdownRow, CurrencyTotals } from '../../src/persistence/reports.js';
import { auditBlocks } from '../../src/slack/blocks/admin.js';
import { approvalCard, cardFallbackText } from '../../src/slack/blocks/approval-card.js';
import { cardFallbackMessage, directNoticeText } from '../../src/slack/blocks/direct-notice.js';
import { helpMessage } from '../../src/slack/blocks/help.js';
import { homeView } from '../../src/slack/blocks/home.js';
import { mineBlocks, pendingBlocks } from '../../src/slack/blocks/lists.js';
import { cancelModal, editModal, rejectModal } from '../../src/slack/blocks/modals.js';
import { opsAlertText } from '../../src/slack/blocks/ops-alert.js';
import { type BudgetUse, budgetLines, policyBlocks } from '../../src/slack/blocks/policy.js';
import { reportBlocks } from '../../src/slack/blocks/report.js';
import { threadNoticeText } from '../../src/slack/blocks/thread-notice.js';
import { SLACK_LIMITS } from '../../src/slack/limits.js';
import { SUBCOMMANDS } from '../../src/slack/listeners/commands/index.js';
import type { UsageReport } from '../../src/use-cases/usage-report.js';
import {
  BLOCK_KIT_LIMITS,
  checkMessage,
  cumulativeBlockText,
  formatProblem,
  viewProblems,
} from '../support/block-kit-limits.js';
import { chargeRequestFixture } from '../support/fixtures.js';

/**
 * Every Block Kit builder in src/slack/blocks/, rendered for generated extreme inputs, checked against
 * the limits real Slack enforces (test/support/block-kit-limits.ts, measured on the text as sent,
 * after escaping): what would make Slack refuse the message with invalid_blocks or msg_blocks_too_long,
 * or truncate its text.
 */

// ---------------------------------------------------------------------------------------------------
// Generated inputs

/** Text that grows most when escaped: every character becomes an entity of four or five. */
const hostile = (length: number) => '&<>'.repeat(Math.ceil(length / 3)).slice(0, length);
const SIZES = [0, 1, 300] as const;
/** 40 ISO 4217 codes: every supported currency, then others Intl formats with their code. */
const CURRENCIES = [
  ...SUPPORTED_CURRENCIES,
  'ZAR',
  'THB',
  'MYR',
  'PHP',
  'IDR',
  'TRY',
  'ILS',
  'AED',
  'SAR',
  'KRW',
  'TWD',
  'VND',
]
  .filter((c, i, all) => all.indexOf(c) === i)
  .slice(0, 40);
const BIG = 99_999_999n;
const userId = (i: number) => `U0${String(i).padStart(9, '0')}`;
const channelId = (i: number) => `C0${String(i).padStart(9, '0')}`;

/** Requests at every status, with the longest and most hostile values a person or the model can send. */
function hostileRequest(i = 0, overrides: Partial<ChargeRequest> = {}): ChargeRequest {
  return chargeRequestFixture({
    id: `5c0e7f3c-9d1b-4a58-8a57-${String(i).padStart(12, '0')}`,
    number: 1_000_000 + i,
    reference: `CR-${1_000_000 + i}`,
    version: 999,
    customerName: hostile(500),
    customerEmail: `${hostile(300)}@example.com`,
    description: hostile(5_000),
    amountMinor: BIG,
    currency: CURRENCIES[i % CURRENCIES.length] ?? 'USD',
    requesterId: userId(i),
    channelId: channelId(i),
    paymentLinkUrl: `https://buy.stripe.com/test_${'x'.repeat(200)}`,
    lastError: hostile(2_000),
    payerEmail: `${hostile(300)}@example.com`,
    amountReceivedMinor: BIG,
    refundedMinor: BIG - 1n,
    disputed: true,
    linkDelayedAt: new Date('2026-11-01T10:10:00Z'),
    flags: [],
    ...overrides,
  });
}

const requestsAtEveryStatus = CHARGE_STATUSES.map((status, i) => hostileRequest(i, { status }));
const manyRequests = (n: number) =>
  Array.from({ length: n }, (_, i) => hostileRequest(i, { status: i % 2 ? 'link_failed' : 'pending_approval' }));

const change = { field: hostile(100), from: hostile(1_000), to: hostile(1_000) };
const decisions = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    approverId: userId(i),
    delegateId: i % 2 ? userId(i + 1) : null,
    decision: (i === n - 1 ? 'rejected' : 'approved') as 'approved' | 'rejected',
    reason: hostile(1_000),
    createdAt: new Date('2026-11-21T13:03:00Z'),
  }));

/** A list as the database gives it: the first rows and the true count (here, ten times more exist). */
const page = (requests: ChargeRequest[]) => ({ requests, total: requests.length * 10 });

const perCurrency = (n: number) => new Map(CURRENCIES.slice(0, n).map((c) => [c, BIG] as const));
const policyWith = (n: number): Policy => ({
  allowedCurrencies: new Set(CURRENCIES.slice(0, n)),
  maxPerRequest: perCurrency(n),
  hardCap: perCurrency(n),
  requesterDailyLimit: perCurrency(n),
  channelMonthlyBudget: perCurrency(n),
  twoApproversAbove: perCurrency(n),
});
const budgetUse = (channels: number): BudgetUse[] =>
  Array.from({ length: channels }, (_, i) => ({
    channelId: channelId(i),
    currency: CURRENCIES[i % CURRENCIES.length] ?? 'USD',
    usedMinor: BIG,
  }));

const totals = (n: number): CurrencyTotals[] =>
  CURRENCIES.slice(0, n).map((currency) => ({
    currency,
    requested: 999_999,
    requestedMinor: BIG * 999_999n,
    approved: 999_998,
    approvedMinor: BIG * 999_998n,
    rejected: 1,
    rejectedMinor: BIG,
    paid: 999_990,
    paidMinor: BIG * 999_990n,
    outstanding: 8,
    outstandingMinor: BIG * 8n,
    linked: 999_995,
    flagged: 999_994,
    medianApproveSeconds: 86_400 * 400,
    medianPaySeconds: 86_400 * 400,
  }));
const rows = (n: number, key: (i: number) => string): BreakdownRow[] =>
  Array.from({ length: n }, (_, i) => ({
    key: key(i),
    currency: CURRENCIES[i % CURRENCIES.length] ?? 'USD',
    count: 999_999,
    amountMinor: BIG * 999_999n,
  }));
function report(n: number): UsageReport {
  return {
    period: { start: new Date(0), end: new Date(), label: `${hostile(200)} (Europe/Berlin)`, zone: 'Europe/Berlin' },
    totals: totals(Math.min(n, CURRENCIES.length)),
    topRequesters: rows(n, userId),
    topChannels: rows(n, (i) => (i % 2 ? channelId(i) : hostile(80))),
    breakdown: { by: 'channel', rows: rows(n, (i) => (i % 2 ? channelId(i) : hostile(80))) },
    ai: {
      runs: 999_999_999,
      proposals: 999_999_999,
      failures: 999_999_999,
      inputTokens: 10n ** 15n,
      outputTokens: 10n ** 15n,
      estimatedCostMicroUsd: 10n ** 15n,
    },
  };
}

const auditEvents = (n: number): AuditEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    id: String(i),
    chargeRequestId: 'x',
    actor: i % 3 ? userId(i) : hostile(100),
    action:
      ['create', 'approve', 'edit', 'fail_link', 'advance_link_attempt', 'link_delayed', hostile(50)][i % 7] ?? 'x',
    fromStatus: 'pending_approval',
    toStatus: 'approved',
    version: i,
    details: {
      reason: hostile(1_000),
      changes: [change, change],
      nested: { deep: { deeper: hostile(500) } },
      paymentLinkId: `plink_${'x'.repeat(100)}`,
    },
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)),
  }));

const threadNotices: ThreadNotice[] = [
  { type: 'revised', version: 999, changes: Array.from({ length: 5 }, () => change) },
  { type: 'approved', by: userId(1) },
  { type: 'approval_progress', by: userId(1), approvals: 1, required: 2 },
  { type: 'rejected', by: userId(1), reason: hostile(5_000) },
  { type: 'link_created', url: `https://buy.stripe.com/${'x'.repeat(3_000)}` },
  { type: 'link_failed', reason: hostile(5_000) },
  { type: 'link_delayed', after: '30d' },
  { type: 'canceled', by: userId(1), linkDeactivated: true },
  {
    type: 'paid',
    amountMinor: String(BIG),
    currency: 'KWD',
    payer: hostile(2_000),
    mismatch: true,
    afterCancel: true,
  },
  { type: 'payment_processing' },
  { type: 'payment_failed' },
  { type: 'refunded', amountMinor: String(BIG), full: true },
  { type: 'disputed', reason: hostile(2_000) },
  { type: 'nobody_to_notify', about: 'approval' },
  { type: 'nobody_to_notify', about: 'reminder', after: '4h' },
  { type: 'nobody_to_notify', about: 'escalation', after: '24h' },
];
const directNotices: DirectNotice[] = [
  { type: 'link_delayed', after: '30d' },
  ...['invalid_blocks', 'not_in_channel', 'channel_not_found', 'is_archived', hostile(200)].flatMap(
    (error): DirectNotice[] => [
      { type: 'message_refused', error, channelId: channelId(1), refused: { kind: 'card' }, fallbackPosted: true },
      ...threadNotices.map(
        (notice): DirectNotice => ({
          type: 'message_refused',
          error,
          channelId: channelId(1),
          refused: { kind: 'thread_reply', notice },
          fallbackPosted: false,
        }),
      ),
    ],
  ),
  {
    type: 'message_refused',
    error: hostile(2_000),
    channelId: channelId(1),
    refused: { kind: 'card' },
    fallbackPosted: false,
    attempts: 12,
  },
  ...threadNotices.map((notice): DirectNotice => ({ type: 'unthreaded', channelId: channelId(1), notice })),
];
const opsAlerts: OpsAlert[] = [
  { type: 'stripe_event_dead', eventId: hostile(300), eventType: hostile(300), attempts: 10, error: hostile(5_000) },
  {
    type: 'slack_update_dead',
    itemId: '9007199254740993',
    itemKind: hostile(300),
    reference: 'CR-99999999',
    attempts: 12,
    error: hostile(5_000),
  },
];

// ---------------------------------------------------------------------------------------------------
// Checks

/** mrkdwn that shows user text unescaped: the hostile `&<>` would reach Slack as markup. */
function unescaped(value: unknown, pointer = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => unescaped(item, `${pointer}/${i}`));
  if (!value || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  const here =
    object.type === 'mrkdwn' && typeof object.text === 'string' && object.text.includes('&<>')
      ? [`unescaped user text in mrkdwn [json-pointer:${pointer}/text]`]
      : [];
  return [...here, ...Object.entries(object).flatMap(([key, item]) => unescaped(item, `${pointer}/${key}`))];
}

/** Everything Slack would refuse in a message, or truncate, and user text it would read as markup. */
function messageProblems(message: { text?: string; blocks?: unknown[] }): string[] {
  const problems: string[] = [...unescaped(message.blocks, '/blocks')];
  if (message.text?.includes('&<>')) problems.push('unescaped user text in the notification text');
  if (!message.text) problems.push('no notification text');
  if ((message.text?.length ?? 0) > BLOCK_KIT_LIMITS.message.textMaxChars) problems.push('text would be truncated');
  const verdict = checkMessage(message);
  if (!verdict.ok) problems.push(verdict.error, ...verdict.errors);
  // Our own margin under the undocumented cap, which Slack has moved before (SLACK_LIMITS.message).
  const cumulative = cumulativeBlockText(message.blocks ?? []);
  if (cumulative > SLACK_LIMITS.message.cumulativeBlockTextMaxChars) {
    problems.push(
      `${cumulative} characters of block text, over the safe ${SLACK_LIMITS.message.cumulativeBlockTextMaxChars}`,
    );
  }
  return problems;
}

function viewProblemsOf(view: View, type: 'modal' | 'home'): string[] {
  return [...viewProblems(view, type).map(formatProblem), ...unescaped(view.blocks, '/view/blocks')];
}

type Case = [name: string, render: () => string[]];
const cases: Case[] = [];
const message = (name: string, render: () => { text?: string; blocks?: unknown[] }) =>
  cases.push([name, () => messageProblems(render())]);
const view = (name: string, type: 'modal' | 'home', render: () => View) =>
  cases.push([name, () => viewProblemsOf(render(), type)]);

for (const request of requestsAtEveryStatus) {
  for (const d of [0, 1, 10]) {
    message(`approval card, ${request.status}, ${d} decisions`, () =>
      approvalCard(request, {
        testMode: true,
        changes: Array.from({ length: 10 }, () => change),
        decisions: decisions(d),
        timezone: 'Pacific/Chatham',
        mirror: { threadPermalink: `https://x.slack.com/archives/C1/p${'1'.repeat(100)}` },
        policy: { requiredApprovals: 2, approvals: 1, budgetPercent: 9_999 },
      }),
    );
  }
  message(`card fallback text, ${request.status}`, () => ({ text: cardFallbackText(request) }));
  message(`card fallback message, ${request.status}`, () => ({ text: cardFallbackMessage(request) }));
  view(`reject modal, ${request.status}`, 'modal', () => rejectModal(request));
  view(`edit modal, ${request.status}`, 'modal', () => editModal(request, CURRENCIES));
  for (const reasonRequired of [true, false]) {
    view(`cancel modal, ${request.status}, reason required ${reasonRequired}`, 'modal', () =>
      cancelModal(request, { reasonRequired }),
    );
  }
}
for (const notice of threadNotices) {
  message(`thread notice ${notice.type}`, () => ({ text: threadNoticeText(hostileRequest(), notice) }));
}
for (const [i, notice] of directNotices.entries()) {
  message(`direct notice ${notice.type} #${i}`, () => ({ text: directNoticeText(hostileRequest(), notice) }));
}
for (const alert of opsAlerts) {
  message(`ops alert ${alert.type}`, () => ({ text: opsAlertText(alert) }));
}
message('help', () => helpMessage(SUBCOMMANDS));
message('help with hostile entries', () =>
  // `what` is our own mrkdwn (it may hold `code`); `usage` is escaped, so it may hold anything.
  helpMessage(Array.from({ length: 30 }, () => ({ usage: hostile(300), what: 'Explains it. '.repeat(60) }))),
);
for (const n of SIZES) {
  for (const isApprover of [true, false]) {
    view(`App Home, ${n} waiting and ${n} own, approver ${isApprover}`, 'home', () =>
      homeView({
        queue: isApprover ? page(manyRequests(n)) : undefined,
        standsInFor: undefined,
        mine: page(manyRequests(n)),
        now: new Date('2027-01-01T00:00:00Z'),
        timezone: 'UTC',
      }),
    );
  }
  message(`/charges pending, ${n} requests`, () =>
    pendingBlocks(
      page(manyRequests(n)),
      new Map(manyRequests(n).map((r) => [r.id, `https://x.slack.com/archives/C1/p${r.number}`])),
      new Date('2027-01-01T00:00:00Z'),
    ),
  );
  message(`/charges mine, ${n} requests`, () => mineBlocks(page(manyRequests(n)), new Map(), 'Asia/Kathmandu'));
}
for (const n of [0, 1, 40]) {
  for (const channels of [0, 1, 300]) {
    message(`/charges policy, ${n} currencies, ${channels} channels`, () =>
      policyBlocks(policyWith(n), budgetUse(channels), 'America/Argentina/ComodRivadavia'),
    );
  }
}
for (const n of [0, 1, 40, 300]) {
  for (const channels of [0, 300]) {
    message(`/charges report, ${n} currencies and people, ${channels} budgets`, () =>
      reportBlocks(report(n), budgetLines(policyWith(40), budgetUse(channels))),
    );
  }
}
for (const n of [0, 1, 500]) {
  for (const request of [hostileRequest(), chargeRequestFixture()]) {
    message(`/charges audit, ${n} events, ${request.customerName.length}-character name`, () =>
      auditBlocks(request, auditEvents(n), 'Europe/Berlin'),
    );
  }
}

describe('every Block Kit builder stays within Slack’s limits for any input', () => {
  test.each(cases)('%s', (_name, render) => {
    expect(render()).toEqual([]);
  });
});

describe('long lists say what they left out and where to find it', () => {
  const textOf = (message: { blocks: unknown[] }) => JSON.stringify(message.blocks);
  const sectionTexts = (blocks: readonly KnownBlock[]) =>
    blocks.map((b) => (b.type === 'section' ? (b.text?.text ?? '') : '')).join('\n');

  test('a report over 300 currencies, people and channels', () => {
    const text = textOf(reportBlocks(report(300), budgetLines(policyWith(40), budgetUse(300))));
    expect(text).toMatch(/…and \d+ more currencies: `\/charges export` with the same period has every request/);
    expect(text).toMatch(/…and \d+ more: `\/charges export` with the same period has every request/);
    expect(text).toMatch(/…and \d+ more channels: `\/charges policy` lists every budget/);
  });

  test('an audit trail of 500 events ends with how to get all of it; times are local, details are words', () => {
    const request = chargeRequestFixture();
    expect(JSON.stringify(auditBlocks(request, auditEvents(500), 'Europe/Berlin').blocks)).toMatch(
      /…and \d+ more events: `\/charges audit CR-1042 csv` sends the whole trail to your DM/,
    );
    const event = (details: Record<string, unknown>): AuditEvent => ({
      id: '1',
      chargeRequestId: request.id,
      actor: 'system',
      action: 'create_link',
      fromStatus: 'approved',
      toStatus: 'link_created',
      version: 2,
      details,
      createdAt: new Date('2026-07-01T12:00:00Z'),
    });
    const text = sectionTexts(
      auditBlocks(
        request,
        [
          event({ paymentLinkId: 'plink_1', linkAttempt: 0 }),
          event({ changes: [{ field: 'amount', from: '$1.00 USD', to: '$2.00 USD' }] }),
          event({ approvals: 2, required: 2, rules: { max: '$5.00 USD' } }),
        ],
        'Europe/Berlin',
      ).blocks,
    );
    expect(text).toContain('`2026-07-01 14:00:00 GMT+2` _system_ *create_link* approved → link created (v2)');
    expect(text).toContain('payment link id: plink_1 · link attempt: 0');
    expect(text).toContain('changes: amount: $1.00 USD → $2.00 USD');
    expect(text).toContain('approvals: 2 · required: 2 · rules: max $5.00 USD');
    expect(text).not.toContain('{');
  });

  test('policy with 40 currencies and 300 channels', () => {
    const text = textOf(policyBlocks(policyWith(40), budgetUse(300), 'UTC'));
    expect(text).toMatch(/and \d+ more currencies/);
    expect(text).toMatch(/…and \d+ more channels/);
  });

  test('the pending queue and App Home', () => {
    const many = manyRequests(300);
    expect(textOf(pendingBlocks(page(many), new Map(), new Date()))).toMatch(/…and \d+ more/);
    const home = homeView({
      queue: page([]),
      standsInFor: undefined,
      mine: page(many),
      now: new Date(),
      timezone: 'UTC',
    });
    expect(JSON.stringify(home.blocks)).toMatch(/…and \d+ more/);
  });
});

test('the matrix covers every builder in src/slack/blocks/', () => {
  expect(cases.length).toBeGreaterThan(100);
  expect(NO_POLICY).toBeDefined();
});
