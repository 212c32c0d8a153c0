import type { KnownBlock } from '@slack/types';
import { formatMoney } from '../../domain/money.js';
import type { BreakdownRow, CurrencyTotals } from '../../persistence/reports.js';
import type { UsageReport } from '../../use-cases/usage-report.js';
import { escapeText, joinLines, mention } from './escape.js';

const BAR_WIDTH = 12;

/** A text bar: ███████░░░░░ for `value` out of `max`. */
export function bar(value: number, max: number): string {
  const filled = max > 0 ? Math.round((value / max) * BAR_WIDTH) : 0;
  return '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
}

/** "3d 4h", "2h 10m", "45m", "under a minute". */
export function duration(seconds: number | null): string {
  if (seconds === null) return '—';
  const m = Math.round(seconds / 60);
  if (m < 1) return 'under a minute';
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const mm = m % 60;
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${mm}m` : `${mm}m`;
}

/**
 * How the report shares Slack's room: at most 50 blocks and about 9,000 characters of block text in
 * all (SLACK_LIMITS.message; this layout uses at most 19 blocks). The busiest currencies get a funnel each; the rest, and every list,
 * are fitted to their share and end with "…and N more" and where to find the rest.
 */
const ROOM = {
  detailedCurrencies: 5,
  otherCurrencies: 900,
  topList: 600,
  breakdown: 1_200,
  budgets: 1_000,
} as const;
const EXPORT_POINTER = '`/charges export` with the same period has every request';

/** "2h 10m", or "≈ 2h 10m" when estimated from monthly summaries; the bound follows both medians. */
const median = (seconds: number | null, relativeError?: number) =>
  `${relativeError !== undefined && seconds !== null ? '≈ ' : ''}${duration(seconds)}`;
const medianBound = (relativeError?: number) =>
  relativeError === undefined ? '' : ` (within ${Math.round(relativeError * 100)}%)`;

const money = (amountMinor: bigint, currency: string) => formatMoney({ amountMinor, currency });
const compact = (n: bigint) => new Intl.NumberFormat('en-US', { notation: 'compact' }).format(n);

function who(row: BreakdownRow, kind: 'requester' | 'channel' | 'approver' | 'status'): string {
  if (kind === 'channel') return /^[CGD][A-Z0-9]+$/.test(row.key) ? `<#${row.key}>` : escapeText(row.key, 40);
  if (kind === 'status') return escapeText(row.key.replace(/_/g, ' '), 40);
  return mention(row.key);
}

function listRows(
  rows: readonly BreakdownRow[],
  kind: 'requester' | 'channel' | 'approver' | 'status',
  maxLength: number,
): string {
  const lines = rows.map((r) => `${who(r, kind)} — ${r.count} · ${money(r.amountMinor, r.currency)}`);
  return joinLines(lines, maxLength, (hidden) => `…and ${hidden} more: ${EXPORT_POINTER}.`) || '—';
}

/** A currency's funnel with bars, and its rates and turnaround. */
function currencyBlocks(t: CurrencyTotals): KnownBlock[] {
  const max = t.requested;
  const line = (label: string, count: number, amount: bigint) =>
    `${label.padEnd(12)}${bar(count, max)} ${String(count).padStart(6)}  ${money(amount, t.currency)}`;
  const funnel = [
    line('Requested', t.requested, t.requestedMinor),
    line('Approved', t.approved, t.approvedMinor),
    line('Paid', t.paid, t.paidMinor),
    line('Rejected', t.rejected, t.rejectedMinor),
    line('Outstanding', t.outstanding, t.outstandingMinor),
  ].join('\n');
  const rate = (n: number) => (max > 0 ? `${Math.round((n / max) * 100)}%` : '—');
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `*${t.currency}*\n\`\`\`${funnel}\`\`\`` } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `Funnel: ${t.requested} proposed → ${t.approved} approved (${rate(t.approved)}) → ${t.linked} linked → ${t.paid} paid (${rate(t.paid)}) · flagged: ${t.flagged} · median time to approve ${median(t.medianApproveSeconds, t.medianRelativeError)}, to pay ${median(t.medianPaySeconds, t.medianRelativeError)}${medianBound(t.medianRelativeError)}`,
        },
      ],
    },
  ];
}

/**
 * The report as Block Kit: a funnel with bars per currency (never summed across currencies), within
 * Slack's limits for any number of currencies, people and channels.
 */
export function reportBlocks(
  report: UsageReport,
  budgetLines: readonly string[] = [],
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Countersign usage report' } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: escapeText(report.period.label, 300) }] },
  ];
  if (report.totals.length === 0) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'No charge requests in this period.' } });
  }
  const detailed = report.totals.slice(0, ROOM.detailedCurrencies);
  const others = report.totals.slice(ROOM.detailedCurrencies);
  for (const t of detailed) blocks.push(...currencyBlocks(t));
  if (others.length > 0) {
    const lines = others.map(
      (t) =>
        `*${t.currency}* — ${t.requested} requested (${money(t.requestedMinor, t.currency)}) · ${t.paid} paid (${money(t.paidMinor, t.currency)})`,
    );
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*Other currencies*\n${joinLines(lines, ROOM.otherCurrencies, (hidden) => `…and ${hidden} more currencies: ${EXPORT_POINTER}.`)}`,
      },
    });
  }
  if (report.totals.length > 0) {
    blocks.push(
      { type: 'divider' },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Top requesters*\n${listRows(report.topRequesters, 'requester', ROOM.topList)}` },
          { type: 'mrkdwn', text: `*Top channels*\n${listRows(report.topChannels, 'channel', ROOM.topList)}` },
        ],
      },
    );
  }
  if (report.breakdown) {
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*By ${report.breakdown.by}*\n${listRows(report.breakdown.rows, report.breakdown.by, ROOM.breakdown)}`,
      },
    });
  }
  if (budgetLines.length > 0) {
    const budgets = joinLines(
      budgetLines,
      ROOM.budgets,
      (hidden) => `…and ${hidden} more channels: \`/charges policy\` lists every budget.`,
    );
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Channel budgets, this month*\n${budgets}` } });
  }
  const ai = report.ai;
  const cost = ai.estimatedCostMicroUsd;
  const costText = cost > 0n && cost < 10_000n ? 'under $0.01' : money((cost + 5_000n) / 10_000n, 'USD');
  blocks.push(
    { type: 'divider' },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `*AI usage*\n${ai.runs} runs (${ai.proposals} proposals, ${ai.failures} model failures) · ${compact(ai.inputTokens)} input / ${compact(ai.outputTokens)} output tokens · estimated cost ${costText}`,
      },
    },
  );
  const summary =
    joinLines(
      report.totals.map((t) => `${t.currency}: ${t.requested} requested, ${t.paid} paid`),
      1_000,
      (hidden) => `and ${hidden} more currencies`,
      { separator: '; ' },
    ) || 'no requests';
  return { text: `Usage report, ${escapeText(report.period.label, 300)}: ${summary}`, blocks };
}
