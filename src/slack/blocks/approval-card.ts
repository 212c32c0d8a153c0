import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { type ChargeStatus, describeStatus } from '../../domain/charge-status.js';
import { describeDisputeReason } from '../../domain/disputes.js';
import { formatMoney } from '../../domain/money.js';
import { formatLocalTime } from '../../domain/periods.js';
import type { PolicyStatus } from '../../use-cases/enforce-policy.js';
import { SLACK_LIMITS } from '../limits.js';
import { type FlagLinks, flagsBlock, flagsSummary, requesterWordsBlock } from './card-context.js';
import { escapeText, fitMrkdwn, mention, plainText } from './escape.js';

/** `action_id`s of the card's buttons; listeners register on these. */
export const CARD_ACTIONS = {
  approve: 'charge_approve',
  reject: 'charge_reject',
  edit: 'charge_edit',
  cancel: 'charge_cancel',
  retry: 'charge_retry_link',
  requestAgain: 'charge_request_again',
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

/** A decision on the current version, as the card tells it: who, for whom, when, why. */
export interface CardDecision {
  /** The approver whose right was used. */
  readonly approverId: string;
  /** Who clicked in the approver's stead (a delegate), if not the approver. */
  readonly delegateId: string | null;
  readonly decision: 'approved' | 'rejected';
  readonly reason: string | null;
  readonly createdAt: Date;
}

export interface CardOptions {
  /** REPORT_TIMEZONE: every "who and when" line is in this zone (default UTC). */
  readonly timezone?: string;
  /** Changes made by the edit that produced the current version. */
  readonly changes?: readonly FieldChange[];
  /** Decisions on the current version (earlier versions never count), oldest first. */
  readonly decisions?: readonly CardDecision[];
  readonly testMode?: boolean;
  /** The finance-channel copy: it names the channel the request came from and links its thread. */
  readonly mirror?: { readonly threadPermalink?: string };
  /** Which spending rules apply now. */
  readonly policy?: PolicyStatus;
  /** Links to the threads of requests the flags name (possible duplicates). */
  readonly flagLinks?: FlagLinks;
}

/** A URL we show as a link only if it is a plain http(s) URL (Stripe's, Slack's): nothing can hide in it. */
export function safeUrl(url: string | null | undefined): string | undefined {
  return url && /^https?:\/\/[^\s<>|]+$/.test(url) ? url : undefined;
}

/** "<@U0BOB> for <@U0ALICE>" when a delegate decided, else the approver. */
function decidedBy(d: Pick<CardDecision, 'approverId' | 'delegateId'>): string {
  return d.delegateId ? `${mention(d.delegateId)} for ${mention(d.approverId)}` : mention(d.approverId);
}

/** Who and when, for the lines of the card's story: "<@U0MAYA> · 21 Nov 14:03 CET". */
function whoWhen(d: CardDecision, zone: string): string {
  return `${decidedBy(d)} · ${formatLocalTime(d.createdAt, zone)}`;
}

/** "Approved by <@U0MAYA> · 21 Nov 14:03 CET and <@U0LEE> · 21 Nov 15:10 CET", or plain "Approved". */
function approvedLine(approvals: readonly CardDecision[], zone: string): string {
  return approvals.length ? `Approved by ${approvals.map((d) => whoWhen(d, zone)).join(' and ')}` : 'Approved';
}

/** "Needs 2 approvals — 0 of 2 so far · uses 80% of #sales's monthly USD budget". */
function policyNotes(request: ChargeRequest, policy: PolicyStatus | undefined): string[] {
  if (!policy) return [];
  const notes: string[] = [];
  if (policy.requiredApprovals > 1) {
    // Once someone approved, the story line says who ("1 of 2 approvals — <@U…> · time").
    notes.push(
      policy.approvals > 0
        ? `Needs ${policy.requiredApprovals} approvals (the requester does not count)`
        : `Needs ${policy.requiredApprovals} approvals — 0 of ${policy.requiredApprovals} so far (the requester does not count)`,
    );
  }
  if (policy.budgetPercent !== undefined) {
    notes.push(`uses ${policy.budgetPercent}% of <#${request.channelId}>'s monthly ${request.currency} budget`);
  }
  return notes;
}

const money = (request: ChargeRequest, amountMinor: bigint) => formatMoney({ amountMinor, currency: request.currency });

/** "Paid $1,200.00 USD by pat@acme.test · 22 Nov 09:00 CET" (what Stripe received). */
function paidLine(request: ChargeRequest, zone: string): string {
  const received = money(request, request.amountReceivedMinor ?? request.amountMinor);
  const payer = request.payerEmail ? ` by ${escapeText(request.payerEmail, 200)}` : '';
  const at = request.paidAt ? ` · ${formatLocalTime(request.paidAt, zone)}` : '';
  // A disputed payment is not simply "paid": it reads as received, and the dispute line follows.
  return request.disputed ? `Received ${received}${payer}${at}` : `:moneybag: Paid ${received}${payer}${at}`;
}

/** " (Stripe's last answer: …)" when a failure was recorded, for messages about a late link. */
export function lastAnswer(request: Pick<ChargeRequest, 'lastError'>): string {
  const answer = request.lastError?.replace(/\.\s*$/, '');
  return answer ? ` (Stripe's last answer: ${escapeText(answer, 300)})` : '';
}

/** Refunds with what is left: "Refunded $200.00 USD of $1,200.00 USD · net $1,000.00 USD". */
function refundLine(request: ChargeRequest): string | undefined {
  if (request.refundedMinor <= 0n) return undefined;
  const received = request.amountReceivedMinor ?? request.amountMinor;
  const net = received - request.refundedMinor;
  return `:leftwards_arrow_with_hook: Refunded ${money(request, request.refundedMinor)} of ${money(request, received)} · net ${money(request, net > 0n ? net : 0n)}`;
}

/** Ends a sentence with a full stop unless it already ends with one (reasons are people's words). */
const sentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

/** "Canceled by <@U…> · 21 Nov 14:03 CET: wrong customer." */
function canceledSentence(request: ChargeRequest, zone: string): string {
  const by = request.canceledBy ? ` by ${mention(request.canceledBy)}` : '';
  const at = request.closedAt ? ` · ${formatLocalTime(request.closedAt, zone)}` : '';
  const why = request.cancelReason ? `: ${escapeText(request.cancelReason, 1000)}` : '';
  return sentence(`Canceled${by}${at}${why}`);
}

/**
 * The card's story: every decision with who and when (REPORT_TIMEZONE), for the status the request is
 * in. Each status has its own branch, so a new status cannot be added without saying what it shows.
 */
function storyLines(request: ChargeRequest, options: CardOptions): string[] {
  const zone = options.timezone ?? 'UTC';
  const decisions = options.decisions ?? [];
  const approvals = decisions.filter((d) => d.decision === 'approved');
  const approved = approvedLine(approvals, zone);
  const link = safeUrl(request.paymentLinkUrl);
  const linkText = link ? ` Payment link: <${link}|${link}>` : '';
  const status: ChargeStatus = request.status;
  switch (status) {
    case 'pending_approval': {
      if (approvals.length === 0) return [];
      const required = options.policy?.requiredApprovals;
      const count = required ? `${approvals.length} of ${required} approvals` : `${approvals.length} approval`;
      return [`:ballot_box_with_check: ${count} — ${approvals.map((d) => whoWhen(d, zone)).join(', ')}`];
    }
    case 'approved':
      return [
        request.linkDelayedAt
          ? `:hourglass: ${approved} — the payment link is late: Stripe has not made it yet${lastAnswer(request)}. Countersign keeps trying; the thread says what you can do.`
          : `:white_check_mark: ${approved} — creating payment link…`,
      ];
    case 'link_created':
      return [`:white_check_mark: ${approved}.${linkText}`];
    case 'link_failed':
      return [
        `:white_check_mark: ${approved}.`,
        `:warning: Stripe could not create the link: ${escapeText(request.lastError ?? 'unknown error', 500)}`,
      ];
    case 'payment_processing':
      return [
        `:white_check_mark: ${approved}.${linkText}`,
        ':hourglass: The customer paid with a method that takes a few days to confirm.',
      ];
    case 'payment_failed':
      return [
        `:white_check_mark: ${approved}.${linkText}`,
        ':x: The payment failed at the bank, and this link cannot be paid again. An approver can press *New payment link* to send the customer a new one.',
      ];
    case 'paid':
    case 'partially_refunded':
    case 'refunded':
      return [
        `:white_check_mark: ${approved}.`,
        paidLine(request, zone),
        refundLine(request),
        request.canceledBy
          ? `:warning: ${canceledSentence(request, zone)} The customer paid before the link was deactivated: consider a refund.`
          : undefined,
      ].filter((line): line is string => line !== undefined);
    case 'rejected': {
      const rejection = decisions.find((d) => d.decision === 'rejected');
      return rejection
        ? [
            `:no_entry: ${sentence(`Rejected by ${whoWhen(rejection, zone)}: ${escapeText(rejection.reason ?? '', 1000)}`)}`,
          ]
        : [':no_entry: Rejected.'];
    }
    case 'canceled':
      return [
        ...(approvals.length ? [`:white_check_mark: ${approved}.`] : []),
        `:heavy_multiplication_x: ${canceledSentence(request, zone)}${request.paymentLinkId ? ' The payment link was deactivated.' : ''}`,
      ];
    case 'link_expired':
      return [
        `:white_check_mark: ${approved}.`,
        ':hourglass: The payment link expired unpaid and no longer accepts payments. The requester can ask again.',
      ];
    case 'expired':
      return [':hourglass: Nobody approved or rejected this in time, so it expired. Nothing will be charged.'];
    default: {
      const unhandled: never = status;
      return [describeStatus(unhandled)];
    }
  }
}

/** The dispute, in words: finance must answer it in the Stripe Dashboard. */
function disputeLine(request: ChargeRequest): string | undefined {
  if (!request.disputed) return undefined;
  return `:rotating_light: *Disputed:* ${escapeText(describeDisputeReason(request.disputeReason), 300)}. Respond in the Stripe Dashboard.`;
}

/** Approve, with a confirm dialog restating the exact amount and customer (card and App Home). */
export function approveButton(request: ChargeRequest) {
  const amount = formatMoney(moneyOf(request));
  const sentence = (customer: string) =>
    `Create a payment link charging *${customer}* exactly *${amount}* (${request.reference}, version ${request.version}).`;
  // The dialog's text is limited as sent: the flags are repeated in what the sentence leaves (keeping
  // room for a customer name), and the customer gets whatever is left after them.
  const summary = flagsSummary(request.flags);
  const flags = summary
    ? `\n:warning: ${fitMrkdwn(summary, SLACK_LIMITS.confirm.textMaxChars - sentence('').length - 60)}`
    : '';
  const room = SLACK_LIMITS.confirm.textMaxChars - sentence('').length - flags.length;
  return {
    ...button(CARD_ACTIONS.approve, 'Approve', cardButtonValue(request), 'primary'),
    confirm: {
      title: { type: 'plain_text' as const, text: 'Approve this charge?' },
      text: { type: 'mrkdwn' as const, text: sentence(escapeText(request.customerName, room)) + flags },
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
  expired: ':hourglass:',
  link_expired: ':hourglass:',
};

/** The status as the card's field shows it: a disputed payment reads as disputed, never as plain "paid". */
function statusText(request: ChargeRequest): string {
  if (request.disputed) return `:rotating_light: disputed (${describeStatus(request.status)})`;
  return `${STATUS_EMOJI[request.status]} ${describeStatus(request.status)}`;
}

/** "amount: $1,200.00 USD → *$1,500.00 USD*", with both values escaped (they may be user text). */
export function describeChange(change: FieldChange): string {
  return `${escapeText(change.field, 40)}: ${escapeText(change.from, 200)} → *${escapeText(change.to, 200)}*`;
}

/** Notification text: shown in push notifications and by clients that cannot render blocks. */
export function cardFallbackText(request: ChargeRequest): string {
  const status = request.disputed ? 'disputed' : describeStatus(request.status);
  return `${request.reference}: ${formatMoney(moneyOf(request))} for ${escapeText(request.customerName, 100)} — ${status}`;
}

const context = (text: string): KnownBlock => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const section = (text: string): KnownBlock => ({ type: 'section', text: { type: 'mrkdwn', text } });

/**
 * The header: what is charged to whom, "$1,200.00 USD · Acme Corp". Slack never parses plain_text
 * (a `<!channel>` there is just text); bare URLs are still broken so no client turns them into links.
 */
function headerBlock(request: ChargeRequest, options: CardOptions): KnownBlock {
  const suffix = options.testMode ? ' · TEST MODE' : '';
  const room = SLACK_LIMITS.header.textMaxChars - suffix.length;
  const customer = request.customerName.replace(/:\/\//g, ':\u200B//').replace(/\b(www)\./gi, '$1\u200B.');
  return {
    type: 'header',
    text: { type: 'plain_text', text: `${plainText(`${formatMoney(moneyOf(request))} · ${customer}`, room)}${suffix}` },
  };
}

function detailBlocks(request: ChargeRequest): KnownBlock[] {
  // Beside the description: the approver compares the requester's own words with the fields.
  const requesterWords = requesterWordsBlock(request);
  const customer = request.customerEmail
    ? `${escapeText(request.customerName, 200)}\n${escapeText(request.customerEmail, 200)}`
    : escapeText(request.customerName, 200);
  return [
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Customer*\n${customer}` },
        { type: 'mrkdwn', text: `*Amount*\n${formatMoney(moneyOf(request))}` },
        { type: 'mrkdwn', text: `*Requested by*\n${mention(request.requesterId)}` },
        { type: 'mrkdwn', text: `*Status*\n${statusText(request)}` },
      ],
    },
    section(`*Description*\n${escapeText(request.description || '—', 2000)}`),
    ...(requesterWords ? [requesterWords] : []),
  ];
}

function versionBlocks(request: ChargeRequest, options: CardOptions): KnownBlock[] {
  if (request.version <= 1) return [];
  // Each change is bounded; their number is not, so the line is fitted as a whole.
  const changed = fitMrkdwn((options.changes ?? []).map(describeChange).join(' · '), 2_500);
  return [
    context(
      `:pencil2: Version ${request.version}${changed ? ` — changed ${changed}` : ''}. Approvals of earlier versions no longer count.`,
    ),
  ];
}

function storyBlocks(request: ChargeRequest, options: CardOptions): KnownBlock[] {
  const notes = request.status === 'pending_approval' ? policyNotes(request, options.policy) : [];
  const lines = [...storyLines(request, options), disputeLine(request)].filter((l): l is string => l !== undefined);
  return [
    ...(notes.length ? [context(`:scales: ${notes.join(' · ')}`)] : []),
    ...(lines.length ? [section(lines.join('\n'))] : []),
  ];
}

/**
 * The buttons for where the request stands. Cancel opens a form that is its confirmation: it restates
 * the request, says whether the customer's link will be deactivated, and asks for a reason.
 */
function actionBlocks(request: ChargeRequest): KnownBlock[] {
  const value = cardButtonValue(request);
  const cancel = button(CARD_ACTIONS.cancel, 'Cancel request', value);
  const actions = (elements: ReturnType<typeof button>[]): KnownBlock[] => [
    { type: 'actions', block_id: `card_actions:${request.id}`, elements },
  ];
  switch (request.status) {
    case 'pending_approval':
      return actions([
        approveButton(request),
        button(CARD_ACTIONS.reject, 'Reject', value, 'danger'),
        button(CARD_ACTIONS.edit, 'Edit', value),
        cancel,
      ]);
    case 'link_failed':
      return actions([button(CARD_ACTIONS.retry, 'Retry payment link', value, 'primary'), cancel]);
    case 'link_expired':
      return actions([button(CARD_ACTIONS.requestAgain, 'Request again', value, 'primary')]);
    case 'payment_failed':
      return actions([button(CARD_ACTIONS.retry, 'New payment link', value, 'primary'), cancel]);
    case 'approved':
    case 'link_created':
      return actions([cancel]);
    default:
      return [];
  }
}

/** What the approver should check before acting (never blocking), just above the buttons. */
function flagBlocks(request: ChargeRequest, options: CardOptions): KnownBlock[] {
  const flags = flagsBlock(request, options.flagLinks);
  return flags ? [flags] : [];
}

function footerBlocks(request: ChargeRequest, options: CardOptions): KnownBlock[] {
  const footer = context(
    `${request.reference} · version ${request.version} · requested via ${request.source === 'agent' ? 'conversation' : '/charges new'}`,
  );
  if (!options.mirror) return [footer];
  const permalink = safeUrl(options.mirror.threadPermalink);
  return [
    context(`From <#${request.channelId}>${permalink ? ` · <${permalink}|Open the request thread>` : ''}`),
    footer,
  ];
}

/**
 * The approval card for one request, as Block Kit. Pure: the same request renders the same card.
 * Sections about the request itself (flags, the requester's words) go between the story and the
 * buttons, so the approver reads them before acting.
 */
export function approvalCard(
  request: ChargeRequest,
  options: CardOptions = {},
): { text: string; blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [
    headerBlock(request, options),
    ...detailBlocks(request),
    ...versionBlocks(request, options),
    ...storyBlocks(request, options),
    ...flagBlocks(request, options),
    ...actionBlocks(request),
    ...footerBlocks(request, options),
  ];
  return { text: cardFallbackText(request), blocks };
}
