import type { KnownBlock, View } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeStatus } from '../../domain/charge-status.js';
import type { Delegation } from '../../domain/delegation.js';
import { formatMoney } from '../../domain/money.js';
import type { Page } from '../../persistence/charge-requests.js';
import { SLACK_LIMITS } from '../limits.js';
import { approveButton, button, CARD_ACTIONS, cardButtonValue } from './approval-card.js';
import { untilText } from './delegations.js';
import { escapeText, joinLines, mention } from './escape.js';
import { ageOf } from './lists.js';

/**
 * Rows shown: two blocks each for the queue (the request and its buttons), so with the headings the
 * view stays far inside Slack's 100 blocks however long the queue is; the rest is counted, not shown.
 */
export const HOME_QUEUE_ROWS = 20;
export const HOME_MINE_ROWS = 10;

export interface HomeContent {
  /** What waits for the viewer (undefined for someone who cannot approve). */
  readonly queue: Page | undefined;
  /** The approver the viewer stands in for, as their delegate. */
  readonly standsInFor: Delegation | undefined;
  /** The viewer's own requests, newest first. */
  readonly mine: Page;
  readonly now: Date;
  readonly timezone: string;
}

const line = (r: ChargeRequest) =>
  `*${r.reference}* · ${formatMoney(moneyOf(r))} · ${escapeText(r.customerName, 80)} — ${describeStatus(r.status)}`;

const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });

function queueBlocks(queue: Page, now: Date): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Waiting for you* (${queue.total})` } },
  ];
  if (queue.total === 0) return [...blocks, context('Nothing to approve. :tada:')];
  // However many rows the caller fetched, only HOME_QUEUE_ROWS are shown: the view stays within 100 blocks.
  const shown = queue.requests.slice(0, HOME_QUEUE_ROWS);
  for (const r of shown) {
    const value = cardButtonValue(r);
    blocks.push(
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${line(r)}\nRequested by ${mention(r.requesterId)} in <#${r.channelId}> · waiting ${ageOf(r, now)}: ${escapeText(r.description || '—', 300)}`,
        },
      },
      {
        type: 'actions',
        block_id: `home_actions:${r.id}`,
        elements:
          r.status === 'pending_approval'
            ? [approveButton(r), button(CARD_ACTIONS.reject, 'Reject', value, 'danger')]
            : [button(CARD_ACTIONS.retry, 'Retry payment link', value, 'primary')],
      },
    );
  }
  const more = queue.total - shown.length;
  if (more > 0)
    blocks.push(context(`…and ${more} more, newer than these. \`/charges pending\` lists the whole queue.`));
  return blocks;
}

/**
 * App Home. Approvers and delegates get what waits for them (true count, age, channel) with the
 * card's own buttons (same action ids and values, so the same authorisation and version rules
 * apply); everyone sees their own requests.
 */
export function homeView(content: HomeContent): View {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Countersign' } }];
  const standsInFor = content.standsInFor;
  if (standsInFor) {
    blocks.push(
      context(
        `:handshake: You stand in for ${mention(standsInFor.delegatorId)} ${untilText(standsInFor, content.timezone)}.`,
      ),
    );
  }
  if (content.queue) blocks.push(...queueBlocks(content.queue, content.now), { type: 'divider' });
  blocks.push({
    type: 'section',
    text: { type: 'mrkdwn', text: `*Your requests* (${content.mine.total})` },
  });
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text:
        joinLines(
          content.mine.requests.slice(0, HOME_MINE_ROWS).map(line),
          SLACK_LIMITS.section.textMaxChars,
          (hidden) => `…and ${hidden} more: \`/charges mine\` lists them.`,
          { total: content.mine.total },
        ) || 'None yet. Mention me in a channel, or use `/charges new`.',
    },
  });
  return { type: 'home', blocks };
}
