import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import { formatLocalTime } from '../../domain/periods.js';
import type { Page } from '../../persistence/charge-requests.js';
import { SLACK_LIMITS } from '../limits.js';
import { safeUrl } from './approval-card.js';
import { escapeText, joinLines, mention } from './escape.js';
import { duration } from './report.js';

/** "3h 20m": how long a request has waited. */
export const ageOf = (request: ChargeRequest, now: Date) =>
  duration((now.getTime() - request.createdAt.getTime()) / 1000);

/** The reference, linked to the request's thread when Slack gave us a permalink. */
function reference(request: ChargeRequest, permalinks: ReadonlyMap<string, string>): string {
  const link = safeUrl(permalinks.get(request.id));
  return link ? `<${link}|${request.reference}>` : request.reference;
}

const status = (r: ChargeRequest) => (r.disputed ? `disputed (${describeStatus(r.status)})` : describeStatus(r.status));

/**
 * One section listing `lines` (the first of `total`), fitted to Slack's section limit: rows are never
 * cut, and the last line says how many are not shown ("…and 7 more"), counting those never fetched.
 */
function listSection(lines: readonly string[], total: number, more: string): KnownBlock {
  const text = joinLines(lines, SLACK_LIMITS.section.textMaxChars, (hidden) => `…and ${hidden} more${more}`, {
    total,
  });
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

/** `/charges pending`: what waits on approvers, oldest first, with its true count, age and thread links. */
export function pendingBlocks(
  page: Page,
  permalinks: ReadonlyMap<string, string>,
  now: Date,
): { text: string; blocks: KnownBlock[] } {
  if (page.total === 0) {
    return {
      text: 'Nothing is waiting for approval.',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: ':tada: Nothing is waiting for approval.' } }],
    };
  }
  const lines = page.requests.map(
    (r) =>
      `${reference(r, permalinks)} · ${formatMoney(moneyOf(r))} · ${escapeText(r.customerName, 80)} · by ${mention(r.requesterId)} in <#${r.channelId}> · ${status(r)} · waiting ${ageOf(r, now)}`,
  );
  return {
    text: `${page.total} ${page.total === 1 ? 'request waits' : 'requests wait'} for approvers`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Waiting for approvers (${page.total})` } },
      listSection(lines, page.total, ' (the oldest are shown first)'),
    ],
  };
}

/** `/charges mine`: the caller's own requests, newest first, each with where it stands. */
export function mineBlocks(
  page: Page,
  permalinks: ReadonlyMap<string, string>,
  timezone: string,
): { text: string; blocks: KnownBlock[] } {
  if (page.total === 0) {
    return {
      text: 'You have not asked for any charges yet.',
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: 'You have not asked for any charges yet. Mention me in a channel, or use `/charges new`.',
          },
        },
      ],
    };
  }
  const lines = page.requests.map(
    (r) =>
      `${reference(r, permalinks)} · ${formatMoney(moneyOf(r))} · ${escapeText(r.customerName, 80)} · *${status(r)}* · asked ${formatLocalTime(r.createdAt, timezone)}`,
  );
  return {
    text: `Your charge requests (${page.total})`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Your charge requests (${page.total})` } },
      listSection(lines, page.total, ' (the newest are shown first)'),
    ],
  };
}
