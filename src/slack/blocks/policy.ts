import type { KnownBlock } from '@slack/types';
import type { Delegation } from '../../domain/delegation.js';
import { formatMoney } from '../../domain/money.js';
import type { PerCurrency, Policy } from '../../domain/policy.js';
import { SLACK_LIMITS } from '../limits.js';
import { delegationLine } from './delegations.js';
import { joinLines } from './escape.js';

export interface BudgetUse {
  readonly channelId: string;
  readonly currency: string;
  readonly usedMinor: bigint;
}

/** Room for each rule's list of amounts: six rules share one section (3,000 characters). */
const RULE_LIST_ROOM = 380;

const list = (limits: PerCurrency) =>
  joinLines(
    [...limits].map(([currency, amountMinor]) => formatMoney({ amountMinor, currency })),
    RULE_LIST_ROOM,
    (hidden) => `and ${hidden} more currencies`,
    { separator: ', ' },
  ) || 'none';

/** Budget use per channel as "<#C> $40,000.00 of $50,000.00 (80%) ████████░░". */
export function budgetLines(policy: Policy, use: readonly BudgetUse[]): string[] {
  return use.flatMap((u) => {
    const budget = policy.channelMonthlyBudget.get(u.currency);
    if (!budget) return [];
    const percent = Number((u.usedMinor * 100n) / budget);
    const filled = Math.min(10, Math.round(percent / 10));
    return [
      `<#${u.channelId}> ${formatMoney({ amountMinor: u.usedMinor, currency: u.currency })} of ${formatMoney({ amountMinor: budget, currency: u.currency })} (${percent}%) ${'█'.repeat(filled)}${'░'.repeat(10 - filled)}`,
    ];
  });
}

/** `/charges policy`: every rule in force, this month's budget use, and who approves for whom. */
export function policyBlocks(
  policy: Policy,
  use: readonly BudgetUse[],
  timezone: string,
  delegations: readonly Delegation[] = [],
): { text: string; blocks: KnownBlock[] } {
  const rules = [
    `*Allowed currencies:* ${policy.allowedCurrencies ? [...policy.allowedCurrencies].join(', ') || 'none' : 'all supported'}`,
    `*Maximum per request:* ${list(policy.maxPerRequest)}`,
    `*Hard cap (refused outright above):* ${list(policy.hardCap)}`,
    `*Per requester per day:* ${list(policy.requesterDailyLimit)}`,
    `*Per channel per month (approved):* ${list(policy.channelMonthlyBudget)}`,
    `*Two approvers above:* ${list(policy.twoApproversAbove)} (the requester never counts)`,
  ];
  const lines = budgetLines(policy, use);
  return {
    text: 'Countersign spending policy',
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'Spending policy' } },
      { type: 'section', text: { type: 'mrkdwn', text: rules.join('\n') } },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: `Checked when a request is proposed and again when it is approved. Days and months in ${timezone}.`,
          },
        ],
      },
      ...(lines.length
        ? [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `*Budget use this month*\n${joinLines(lines, 2_800, (hidden) => `…and ${hidden} more channels (the fullest come first).`)}`,
              },
            } satisfies KnownBlock,
          ]
        : []),
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: delegations.length
            ? joinLines(
                ['*Delegations in force*', ...delegations.map((d) => `• ${delegationLine(d, timezone)}`)],
                SLACK_LIMITS.section.textMaxChars,
                (hidden) => `…and ${hidden} more`,
              )
            : '*Delegations in force:* none',
        },
      },
    ],
  };
}
