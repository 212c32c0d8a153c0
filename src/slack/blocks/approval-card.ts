import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { type ChargeStatus, describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import { escapeText, mention, plainText } from './escape.js';

/** `action_id`s of the card's buttons; listeners register on these. */
export const CARD_ACTIONS = {
  approve: 'charge_approve',
  reject: 'charge_reject',
  edit: 'charge_edit',
} as const;

/**
 * Button values carry identifiers only: the request id and the version the clicker saw. Everything
 * else is read from the database when the click arrives.
 */
export function cardButtonValue(request: Pick<ChargeRequest, 'id' | 'version'>): string {
  return `${request.id}:${request.version}`;
}

export function parseCardButtonValue(value: string | undefined): { id: string; version: number } | undefined {
  const match = /^([0-9a-f-]{36}):(\d{1,6})$/.exec(value ?? '');
  return match?.[1] && match[2] ? { id: match[1], version: Number(match[2]) } : undefined;
}

/** One field that an edit changed, for "what changed" on the card. */
export interface FieldChange {
  readonly field: string;
  readonly from: string;
  readonly to: string;
}

export interface CardOptions {
  /** Changes made by the edit that produced the current version. */
  readonly changes?: readonly FieldChange[];
  readonly testMode?: boolean;
}

const STATUS_EMOJI: Record<ChargeStatus, string> = {
  pending_approval: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  link_created: ':link:',
  link_failed: ':warning:',
  payment_processing: ':hourglass:',
  payment_failed: ':x:',
  paid: ':moneybag:',
  partially_refunded: ':leftwards_arrow_with_hook:',
  refunded: ':leftwards_arrow_with_hook:',
  rejected: ':no_entry:',
  canceled: ':heavy_multiplication_x:',
};

/** "amount: $1,200.00 USD → *$1,500.00 USD*", with both values escaped (they may be user text). */
export function describeChange(change: FieldChange): string {
  return `${change.field}: ${escapeText(change.from, 200)} → *${escapeText(change.to, 200)}*`;
}

/** Notification text: shown in push notifications and by clients that cannot render blocks. */
export function cardFallbackText(request: ChargeRequest): string {
  return `${request.reference}: ${formatMoney(moneyOf(request))} ${request.currency} for ${escapeText(request.customerName, 100)} — ${describeStatus(request.status)}`;
}

/** The approval card for one request, as Block Kit. Pure: the same request renders the same card. */
export function approvalCard(
  request: ChargeRequest,
  options: CardOptions = {},
): { text: string; blocks: KnownBlock[] } {
  const amount = `${formatMoney(moneyOf(request))} ${request.currency}`;
  const customer = request.customerEmail
    ? `${escapeText(request.customerName, 200)}\n${escapeText(request.customerEmail, 200)}`
    : escapeText(request.customerName, 200);

  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: plainText(`Charge request ${request.reference}${options.testMode ? ' · TEST MODE' : ''}`, 150),
      },
    },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Customer*\n${customer}` },
        { type: 'mrkdwn', text: `*Amount*\n${amount}` },
        { type: 'mrkdwn', text: `*Requested by*\n${mention(request.requesterId)}` },
        { type: 'mrkdwn', text: `*Status*\n${STATUS_EMOJI[request.status]} ${describeStatus(request.status)}` },
      ],
    },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Description*\n${escapeText(request.description || '—', 2000)}` },
    },
  ];

  if (request.version > 1) {
    const changed = (options.changes ?? []).map(describeChange).join(' · ');
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:pencil2: Version ${request.version}${changed ? ` — changed ${changed}` : ''}. Approvals of earlier versions no longer count.`,
        },
      ],
    });
  }

  if (request.status === 'pending_approval') {
    const value = cardButtonValue(request);
    blocks.push({
      type: 'actions',
      block_id: `card_actions:${request.id}`,
      elements: [
        {
          type: 'button',
          action_id: CARD_ACTIONS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve' },
          value,
          confirm: {
            title: { type: 'plain_text', text: 'Approve this charge?' },
            text: {
              type: 'mrkdwn',
              text: `Create a payment link charging *${escapeText(request.customerName, 200)}* exactly *${amount}* (${request.reference}, version ${request.version}).`,
            },
            confirm: { type: 'plain_text', text: `Approve ${plainText(amount, 40)}` },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        {
          type: 'button',
          action_id: CARD_ACTIONS.reject,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject' },
          value,
        },
        { type: 'button', action_id: CARD_ACTIONS.edit, text: { type: 'plain_text', text: 'Edit' }, value },
      ],
    });
  }

  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: `${request.reference} · version ${request.version} · requested via ${request.source === 'agent' ? 'conversation' : '/charges new'}`,
      },
    ],
  });
  return { text: cardFallbackText(request), blocks };
}
