import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { formatMoney } from '../../domain/money.js';
import type { DirectNotice } from '../../outbox/items.js';
import { cardFallbackText, lastAnswer } from './approval-card.js';
import { escapeText } from './escape.js';
import { threadNoticeText } from './thread-notice.js';

/** Slack refusals that concern the message itself (the channel is fine): a plain-text version can go there. */
export const MESSAGE_REFUSALS: ReadonlySet<string> = new Set([
  'invalid_blocks',
  'invalid_blocks_format',
  'msg_blocks_too_long',
  'msg_too_long',
]);

/** Slack's reason, in words, with what a person can do about it. */
function refusalReason(error: string, attempts: number | undefined): string {
  if (attempts !== undefined) {
    return `Slack kept failing, and I gave up after ${attempts} attempts (last error: \`${escapeText(error.split('\n')[0] ?? '', 200)}\`)`;
  }
  if (MESSAGE_REFUSALS.has(error)) return `Slack refused the message as too large or malformed (\`${error}\`)`;
  switch (error) {
    case 'not_in_channel':
      return 'I am not a member of that channel (`not_in_channel`): invite me there with `/invite @Countersign`';
    case 'channel_not_found':
      return 'the channel no longer exists, or I cannot see it (`channel_not_found`)';
    case 'is_archived':
      return 'the channel is archived (`is_archived`)';
    default:
      return `Slack refused it (\`${escapeText(error, 60)}\`)`;
  }
}

const quote = (text: string) =>
  text
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');

/**
 * A card Slack refused to show (too large or malformed), as the short plain text posted in its place:
 * where the request stands and where approvers can still act.
 */
export function cardFallbackMessage(request: ChargeRequest): string {
  return `${cardFallbackText(request)}\n_Slack could not show the full card. Approvers can act on it from Countersign's App Home or \`/charges pending\`._`;
}

/** The words of a direct message about a request. Every user-supplied value is escaped. */
export function directNoticeText(request: ChargeRequest, notice: DirectNotice): string {
  const amount = formatMoney(moneyOf(request));
  const customer = escapeText(request.customerName, 200);
  switch (notice.type) {
    case 'link_delayed':
      return `:hourglass: ${request.reference} (${amount} for ${customer}) in <#${request.channelId}> was approved over ${notice.after} ago and still has no payment link${lastAnswer(request)}. Countersign keeps retrying on its own and will never make two links for it. What you can do: check <https://status.stripe.com|Stripe's status page>, and ask an admin to check that STRIPE_SECRET_KEY may create payment links (the app's log names the error); or press *Cancel request* on the card if the charge should not go ahead.`;
    case 'message_refused': {
      const where = `<#${notice.channelId}>`;
      const reason = refusalReason(notice.error, notice.attempts);
      if (notice.refused.kind === 'thread_reply') {
        return `:warning: I could not post this in the thread of ${request.reference} in ${where}: ${reason}.\n${quote(threadNoticeText(request, notice.refused.notice))}\nAn admin can retry the failed message from \`/charges ops\`.`;
      }
      const shown = notice.fallbackPosted
        ? `I could not show the card of ${request.reference} in ${where}: ${reason}. I posted a plain-text version there instead.`
        : `I could not post the card of ${request.reference} in ${where}: ${reason}.`;
      return `:warning: ${shown}\nWhere it stands: ${cardFallbackText(request)}. Approvers can still act from Countersign's App Home or \`/charges pending\`; an admin can retry the failed message from \`/charges ops\`.`;
    }
    case 'unthreaded':
      return `:speech_balloon: The card of ${request.reference} (${amount} for ${customer}) could not be posted in <#${notice.channelId}>, so there is no thread for this; here it is instead:\n${quote(threadNoticeText(request, notice.notice))}`;
  }
}
