import type { KnownBlock } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { CHARGE_STATUSES, type ChargeStatus, describeStatus } from '../../domain/charge-status.js';
import { describeDisputeReason } from '../../domain/disputes.js';
import type { ChargeFlag } from '../../domain/flags.js';
import { formatMoney } from '../../domain/money.js';
import { SLACK_LIMITS } from '../limits.js';
import { escapeText, fitMrkdwn, joinLines } from './escape.js';

/**
 * What the approver should weigh beside the fields: the flags, and the requester's own words. Flag
 * sentences are built from facts we computed (references, counts, ratios, channel ids), each checked
 * against its expected shape, so nothing a person or the model wrote reaches them unescaped.
 */

/** Links to other requests' threads, by reference (from chat.getPermalink where available). */
export type FlagLinks = ReadonlyMap<string, string>;

const REFERENCE = /^CR-\d{1,9}$/;
const CHANNEL = /^[CG][A-Z0-9]{2,}$/;
const RATIO = /^\d{1,9}\.\d$/;
const DIGITS = /^\d{1,18}$/;
const INTENT = /^pi_[A-Za-z0-9_]{1,100}$/;
const CURRENCY = /^[A-Z]{3}$/;

const fact = (flag: ChargeFlag, key: string) => flag.facts?.[key];
const isStatus = (value: unknown): value is ChargeStatus => CHARGE_STATUSES.includes(value as ChargeStatus);
const count = (value: unknown) => (Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : 0);

/** A thread permalink, only if it is a plain https URL on Slack. */
function threadLink(url: string | undefined): string | undefined {
  return url && /^https:\/\/[a-z0-9-]+\.slack\.com\/[^\s<>|]+$/.test(url) ? url : undefined;
}

function daysEarlier(days: number): string {
  return days === 0 ? 'the same day' : days === 1 ? '1 day earlier' : `${days} days earlier`;
}

/** One flag as a sentence for the card. */
export function flagSentence(request: ChargeRequest, flag: ChargeFlag, links: FlagLinks = new Map()): string {
  switch (flag.code) {
    case 'possible_duplicate': {
      const reference = String(fact(flag, 'reference'));
      if (!REFERENCE.test(reference)) return '*Possible duplicate* of another request';
      const link = threadLink(links.get(reference));
      const status = fact(flag, 'status');
      const channel = String(fact(flag, 'channel'));
      const details = [
        isStatus(status) ? describeStatus(status) : undefined,
        daysEarlier(count(fact(flag, 'days'))),
        CHANNEL.test(channel) ? `in <#${channel}>` : undefined,
      ].filter(Boolean);
      const more = count(fact(flag, 'more'));
      return [
        `*Possible duplicate* of ${link ? `<${link}|${reference}>` : reference} (${details.join(', ')})`,
        more ? ` and ${more} more like it` : '',
        fact(flag, 'confirmed') === true ? ' — the requester confirmed a second charge' : '',
      ].join('');
    }
    case 'unusual_amount': {
      const ratio = String(fact(flag, 'ratio'));
      const median = String(fact(flag, 'median_minor'));
      const whose =
        fact(flag, 'basis') === 'customer' ? `${escapeText(request.customerName, 80)}'s` : "the requester's";
      if (!RATIO.test(ratio) || !DIGITS.test(median)) return `*Unusual amount* for ${whose} history`;
      const usual = formatMoney({ amountMinor: BigInt(median), currency: request.currency });
      return `*Unusual amount*: ${ratio}× ${whose} usual (median ${usual} of the last ${count(fact(flag, 'count'))})`;
    }
    case 'amount_not_stated':
      return `*Amount not stated*: ${formatMoney(moneyOf(request))} is not in the requester's words`;
    case 'currency_not_stated':
      return `*Currency not stated*: the requester's words do not name ${request.currency}`;
    case 'customer_not_stated':
      return "*Customer not stated*: the customer's name is not in the requester's words";
    case 'paid_after_expiry':
      return '*Paid after expiry*: the payment arrived after the request or its link expired';
    case 'extra_payment':
      return `*Paid twice*: ${describeExtraPayment(request, flag.facts ?? {})}`;
  }
}

/**
 * A payment beyond the recorded one, from its `extra_payment` facts: how much, which payment intent,
 * what became of it, and what finance should do ("a second payment of $1,200.00 USD (pi_…) …").
 */
export function describeExtraPayment(
  request: ChargeRequest,
  facts: Readonly<Record<string, string | number | boolean>>,
): string {
  const currency = CURRENCY.test(String(facts.currency)) ? String(facts.currency) : request.currency;
  const money = (key: string) =>
    DIGITS.test(String(facts[key])) ? formatMoney({ amountMinor: BigInt(String(facts[key])), currency }) : undefined;
  const amount = money('amount_minor');
  const intent = INTENT.test(String(facts.payment_intent)) ? ` (\`${String(facts.payment_intent)}\`)` : '';
  const refunded = money('refunded_minor');
  const fullyRefunded = refunded !== undefined && facts.refunded_minor === facts.amount_minor;
  const outcome =
    facts.dispute_reason !== undefined
      ? ` The customer disputed it: ${escapeText(describeDisputeReason(String(facts.dispute_reason)), 200)}; respond in the Stripe Dashboard.`
      : fullyRefunded
        ? ' It has been refunded.'
        : refunded
          ? ` ${refunded} of it has been refunded; refund the rest in the Stripe Dashboard.`
          : ' Refund it in the Stripe Dashboard unless the customer meant to pay twice.';
  return `a second payment${amount ? ` of ${amount}` : ''}${intent} was received besides the recorded one.${outcome}`;
}

/** The flags, above the buttons: "Check before approving", one line each. */
export function flagsBlock(request: ChargeRequest, links?: FlagLinks): KnownBlock | undefined {
  if (request.flags.length === 0) return undefined;
  const lines = request.flags.map((flag) => `• ${flagSentence(request, flag, links)}`);
  const text = joinLines(
    [':warning: *Check before approving*', ...lines],
    SLACK_LIMITS.section.textMaxChars,
    (hidden) => `…and ${hidden} more`,
  );
  return { type: 'section', block_id: 'card_flags', text: { type: 'mrkdwn', text } };
}

/** Longest quote of the requester's words on a card; the card's other text needs the rest. */
const QUOTE_MAX_CHARS = 1200;

/** The requester's own words, quoted (escaped, cut to fit), near the description. */
export function requesterWordsBlock(request: ChargeRequest): KnownBlock | undefined {
  if (!request.requesterWords?.trim()) return undefined;
  const quoted = escapeText(request.requesterWords.trim(), QUOTE_MAX_CHARS)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
  return {
    type: 'section',
    block_id: 'card_requester_words',
    text: { type: 'mrkdwn', text: fitMrkdwn(`*In the requester's words*\n${quoted}`, QUOTE_MAX_CHARS + 100) },
  };
}

const NOT_STATED: Partial<Record<ChargeFlag['code'], string>> = {
  amount_not_stated: 'amount',
  currency_not_stated: 'currency',
  customer_not_stated: 'customer',
};

/** The flags in a few words, for the Approve confirmation ("possible duplicate of CR-1040 · 4.2× usual amount"). */
export function flagsSummary(flags: readonly ChargeFlag[]): string {
  const parts: string[] = [];
  const notStated = flags.flatMap((f) => NOT_STATED[f.code] ?? []);
  for (const flag of flags) {
    if (flag.code === 'possible_duplicate') {
      const reference = String(fact(flag, 'reference'));
      parts.push(`possible duplicate${REFERENCE.test(reference) ? ` of ${reference}` : ''}`);
    } else if (flag.code === 'unusual_amount') {
      const ratio = String(fact(flag, 'ratio'));
      parts.push(RATIO.test(ratio) ? `${ratio}× the usual amount` : 'unusual amount');
    } else if (flag.code === 'paid_after_expiry') {
      parts.push('paid after expiry');
    } else if (flag.code === 'extra_payment') {
      parts.push('paid twice');
    }
  }
  if (notStated.length) parts.push(`not in the requester's words: ${notStated.join(', ')}`);
  return parts.join(' · ');
}
