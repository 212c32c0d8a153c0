import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { type ChargeStatus, describeStatus } from '../../domain/charge-status.js';
import { formatMoney } from '../../domain/money.js';
import type { PolicyStatus } from '../../use-cases/enforce-policy.js';
import { SLACK_LIMITS } from '../limits.js';
import { escapeText, fitMrkdwn, mention, plainText } from './escape.js';

/** `action_id`s of the card's buttons; listeners register on these. */
export const CARD_ACTIONS = {
  approve: 'charge_approve',
  reject: 'charge_reject',
  edit: 'charge_edit',
  cancel: 'charge_cancel',
  retry: 'charge_retry_link',
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
  /** Decisions on the current version (earlier versions never count). */
  readonly decisions?: readonly { approverId: string; decision: 'approved' | 'rejected'; reason: string | null }[];
  readonly testMode?: boolean;
  /** For a mirrored copy: where the request's conversation is. */
  readonly threadPermalink?: string;
  /** Which spending rules apply now. */
  readonly policy?: PolicyStatus;
}

/** "Needs 2 approvals — 1 of 2 so far · uses 80% of #sales's monthly USD budget". */
function policyNotes(request: ChargeRequest, policy: PolicyStatus | undefined): string[] {
  if (!policy) return [];
  const notes: string[] = [];
  if (policy.requiredApprovals > 1) {
    notes.push(
      `Needs ${policy.requiredApprovals} approvals — ${policy.approvals} of ${policy.requiredApprovals} so far (the requester does not count)`,
    );
  }
  if (policy.budgetPercent !== undefined) {
    notes.push(`uses ${policy.budgetPercent}% of <#${request.channelId}>'s monthly ${request.currency} budget`);
  }
  return notes;
}

/** A URL we show as a link only if it is a plain http(s) URL (Stripe's, Slack's): nothing can hide in it. */
export function safeUrl(url: string | null | undefined): string | undefined {
  return url && /^https?:\/\/[^\s<>|]+$/.test(url) ? url : undefined;
}

/** " (Stripe's last answer: …)" when a failure was recorded, for messages about a late link. */
export function lastAnswer(request: Pick<ChargeRequest, 'lastError'>): string {
  const answer = request.lastError?.replace(/\.\s*$/, '');
  return answer ? ` (Stripe's last answer: ${escapeText(answer, 300)})` : '';
}

/** The line under the fields that says where the request stands and who decided. */
function progressLine(request: ChargeRequest, options: CardOptions): string | undefined {
  const approvedBy = (options.decisions ?? [])
    .filter((d) => d.decision === 'approved')
    .map((d) => mention(d.approverId));
  const rejected = (options.decisions ?? []).find((d) => d.decision === 'rejected');
  const by = approvedBy.length ? `Approved by ${approvedBy.join(', ')}` : 'Approved';
  const link = safeUrl(request.paymentLinkUrl);
  switch (request.status) {
    case 'approved':
      return request.linkDelayedAt
        ? `:hourglass: ${by} — the payment link is late: Stripe has not made it yet${lastAnswer(request)}. Countersign keeps trying; the thread says what you can do.`
        : `:white_check_mark: ${by} — creating payment link…`;
    case 'link_created':
    case 'payment_processing':
    case 'payment_failed':
      return `:white_check_mark: ${by}. ${link ? `Payment link: <${link}|${link}>` : ''}`;
    case 'paid':
    case 'partially_refunded':
    case 'refunded': {
      const received = request.amountReceivedMinor ?? request.amountMinor;
      const paid = `:moneybag: Paid ${formatMoney({ amountMinor: received, currency: request.currency })}${request.payerEmail ? ` by ${escapeText(request.payerEmail, 200)}` : ''}`;
      const refunded =
        request.refundedMinor > 0n
          ? ` · refunded ${formatMoney({ amountMinor: request.refundedMinor, currency: request.currency })}`
          : '';
      return `${paid}${refunded}`;
    }
    case 'link_failed':
      return `:warning: ${by}, but Stripe could not create the link: ${escapeText(request.lastError ?? 'unknown error', 500)}`;
    case 'rejected':
      return rejected
        ? `:no_entry: Rejected by ${mention(rejected.approverId)}: ${escapeText(rejected.reason ?? '', 1000)}`
        : undefined;
    default:
      return undefined;
  }
}

/** Approve, with a confirm dialog restating the exact amount and customer (card and App Home). */
export function approveButton(request: ChargeRequest) {
  const amount = formatMoney(moneyOf(request));
  const sentence = (customer: string) =>
    `Create a payment link charging *${customer}* exactly *${amount}* (${request.reference}, version ${request.version}).`;
  // The dialog's text is limited as sent: the customer gets whatever the rest of the sentence leaves.
  const room = SLACK_LIMITS.confirm.textMaxChars - sentence('').length;
  return {
    ...button(CARD_ACTIONS.approve, 'Approve', cardButtonValue(request), 'primary'),
    confirm: {
      title: { type: 'plain_text' as const, text: 'Approve this charge?' },
      text: { type: 'mrkdwn' as const, text: sentence(escapeText(request.customerName, room)) },
      confirm: {
        type: 'plain_text' as const,
        text: plainText(`Approve ${amount}`, SLACK_LIMITS.confirm.confirmMaxChars),
      },
      deny: { type: 'plain_text' as const, text: 'Cancel' },
    },
  };
}

export function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger') {
  return {
    type: 'button' as const,
    action_id: actionId,
    text: { type: 'plain_text' as const, text: label },
    value,
    ...(style ? { style } : {}),
  };
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
  return `${escapeText(change.field, 40)}: ${escapeText(change.from, 200)} → *${escapeText(change.to, 200)}*`;
}

/** Notification text: shown in push notifications and by clients that cannot render blocks. */
export function cardFallbackText(request: ChargeRequest): string {
  return `${request.reference}: ${formatMoney(moneyOf(request))} for ${escapeText(request.customerName, 100)} — ${describeStatus(request.status)}`;
}

/** The approval card for one request, as Block Kit. Pure: the same request renders the same card. */
export function approvalCard(
  request: ChargeRequest,
  options: CardOptions = {},
): { text: string; blocks: KnownBlock[] } {
  const amount = formatMoney(moneyOf(request));
  const customer = request.customerEmail
    ? `${escapeText(request.customerName, 200)}\n${escapeText(request.customerEmail, 200)}`
    : escapeText(request.customerName, 200);

  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: plainText(
          `Charge request ${request.reference}${options.testMode ? ' · TEST MODE' : ''}`,
          SLACK_LIMITS.header.textMaxChars,
        ),
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
    // Each change is bounded; their number is not, so the line is fitted as a whole.
    const changed = fitMrkdwn((options.changes ?? []).map(describeChange).join(' · '), 2_500);
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

  const notes = policyNotes(request, options.policy);
  if (notes.length > 0 && request.status === 'pending_approval') {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `:scales: ${notes.join(' · ')}` }] });
  }
  const progress = progressLine(request, options);
  if (progress) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: progress } });
  if (request.disputed) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: ':rotating_light: *The payment is disputed.* Respond in the Stripe Dashboard.' },
    });
  }

  const value = cardButtonValue(request);
  const cancel = button(CARD_ACTIONS.cancel, 'Cancel request', value);
  if (request.status === 'pending_approval') {
    blocks.push({
      type: 'actions',
      block_id: `card_actions:${request.id}`,
      elements: [
        approveButton(request),
        button(CARD_ACTIONS.reject, 'Reject', value, 'danger'),
        button(CARD_ACTIONS.edit, 'Edit', value),
        cancel,
      ],
    });
  } else if (request.status === 'link_failed') {
    blocks.push({
      type: 'actions',
      block_id: `card_actions:${request.id}`,
      elements: [button(CARD_ACTIONS.retry, 'Retry payment link', value, 'primary'), cancel],
    });
  } else if (['approved', 'link_created', 'payment_failed'].includes(request.status)) {
    blocks.push({ type: 'actions', block_id: `card_actions:${request.id}`, elements: [cancel] });
  }

  const permalink = safeUrl(options.threadPermalink);
  if (permalink)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${permalink}|Open the request thread>` }] });

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
