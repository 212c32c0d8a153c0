import type { View } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import { SLACK_LIMITS } from '../limits.js';
import { approveButton, button, CARD_ACTIONS, cardButtonValue } from './approval-card.js';
import { escapeText, joinLines, mention } from './escape.js';

export interface HomeContent {
  readonly isApprover: boolean;
  /** Requests waiting on approvers (only shown to approvers). */
  readonly queue: readonly ChargeRequest[];
  /** The viewer's own recent requests. */
  readonly mine: readonly ChargeRequest[];
}

const line = (r: ChargeRequest) =>
  `*${r.reference}* · ${formatMoney(moneyOf(r))} · ${escapeText(r.customerName, 80)} — ${describeStatus(r.status)}`;

/**
 * App Home. Approvers get their queue with the card's own buttons (same action ids and values, so
 * the same authorisation and version rules apply); everyone sees their own recent requests.
 */
export function homeView(content: HomeContent): View {
  const blocks: View['blocks'] = [{ type: 'header', text: { type: 'plain_text', text: 'Countersign' } }];
  if (content.isApprover) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*Waiting for you* (${content.queue.length})` } });
    if (content.queue.length === 0)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Nothing to approve. :tada:' }] });
    for (const r of content.queue) {
      const value = cardButtonValue(r);
      blocks.push(
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `${line(r)}\nRequested by ${mention(r.requesterId)}: ${escapeText(r.description || '—', 300)}`,
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
    blocks.push({ type: 'divider' });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: '*Your recent requests*' } });
  blocks.push({
    type: 'section',
    text: {
      type: 'mrkdwn',
      text:
        joinLines(content.mine.map(line), SLACK_LIMITS.section.textMaxChars, (hidden) => `…and ${hidden} more.`) ||
        'None yet. Mention me in a channel, or use `/charges new`.',
    },
  });
  return { type: 'home', blocks: blocks.slice(0, 100) };
}
