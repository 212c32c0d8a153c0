import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { describeDisputeReason } from '../../domain/disputes.js';
import { formatMoney } from '../../domain/money.js';
import type { ThreadNotice } from '../../outbox/items.js';
import { describeChange, lastAnswer, safeUrl } from './approval-card.js';
import { describeExtraPayment } from './card-context.js';
import { escapeText, mention } from './escape.js';

/** The words of a thread message for a notice. Every user-supplied value is escaped. */
export function threadNoticeText(request: ChargeRequest, notice: ThreadNotice): string {
  const amount = formatMoney(moneyOf(request));
  // A delegate's decision names both: "<@U0BOB> for <@U0ALICE>".
  const by = (n: { by: string; onBehalfOf?: string }) =>
    n.onBehalfOf ? `${mention(n.by)} for ${mention(n.onBehalfOf)}` : mention(n.by);
  switch (notice.type) {
    case 'revised':
      return `:pencil2: ${request.reference} is now version ${notice.version} (${notice.changes.map(describeChange).join(', ')}). Approvals of earlier versions no longer count.`;
    case 'approved':
      return `:white_check_mark: ${request.reference} (${amount}) was approved by ${by(notice)}. Creating the payment link…`;
    case 'approval_progress':
      return `:ballot_box_with_check: ${by(notice)} approved ${request.reference} (${amount}): ${notice.approvals} of ${notice.required} approvals. It needs another approver.`;
    case 'rejected':
      return `:no_entry: ${mention(request.requesterId)} ${request.reference} was rejected by ${by(notice)}: ${escapeText(notice.reason, 1000)}`;
    case 'link_created':
      return `:link: Payment link for ${request.reference} (${amount}, ${escapeText(request.customerName, 200)}): ${safeUrl(notice.url) ?? 'see the card'}`;
    case 'link_failed':
      return `:warning: Stripe could not create the payment link for ${request.reference}: ${escapeText(notice.reason, 500)} An approver can press Retry on the card.`;
    case 'link_delayed':
      return `:hourglass: The payment link for ${request.reference} (${amount}) is late: it was approved over ${notice.after} ago and Stripe has not made it yet${lastAnswer(request)}. Countersign keeps trying on its own and will post the link here; it never makes two. The finance approvers have been told. If the charge is no longer wanted, the requester or an approver can press *Cancel request* on the card.`;
    case 'canceled':
      return `:heavy_multiplication_x: ${request.reference} was canceled by ${mention(notice.by)}${notice.reason ? `: ${escapeText(notice.reason, 1000)}` : '.'}${notice.linkDeactivated ? ' Its payment link no longer accepts payments.' : ''}`;
    case 'paid': {
      const received =
        notice.amountMinor && notice.currency
          ? formatMoney({ amountMinor: BigInt(notice.amountMinor), currency: notice.currency })
          : amount;
      const payer = notice.payer ? ` by ${escapeText(notice.payer, 200)}` : '';
      const warnings = [
        notice.mismatch
          ? `:warning: Stripe received ${received}, but ${amount} was approved; finance should check it.`
          : '',
        notice.afterCancel && !notice.withdrawn
          ? ':warning: The request had been canceled; consider refunding the payment.'
          : '',
        notice.afterExpiry
          ? `:warning: The payment link had expired; the customer completed a checkout opened before. Flagged \`paid_after_expiry\`${notice.withdrawn ? `, and version ${request.version} is withdrawn: it will not get a payment link` : ''}.`
          : '',
        notice.linkDeactivated
          ? ':lock: Its current payment link is being deactivated, so the customer cannot pay twice.'
          : '',
      ].filter(Boolean);
      return [`Paid ✅ ${request.reference}: ${received} received${payer}.`, ...warnings].join('\n');
    }
    case 'payment_processing':
      return `:hourglass: The customer paid ${request.reference} with a method that takes a few days to confirm; I'll post here when it clears.`;
    case 'payment_failed':
      return `:x: The payment for ${request.reference} failed at the bank, and its link cannot be paid again. An approver can press *New payment link* on the card to send the customer a new one, or cancel the request.`;
    case 'extra_payment':
      // The facts say what became of the payment (refunded, disputed): the text is the same for each event.
      return `:rotating_light: ${request.reference}: ${describeExtraPayment(request, notice.facts)} Flagged \`extra_payment\`; the request keeps the payment it recorded.`;
    case 'refunded':
      return `:leftwards_arrow_with_hook: ${request.reference} was ${notice.full ? 'fully' : 'partially'} refunded (${formatMoney({ amountMinor: BigInt(notice.amountMinor), currency: request.currency })} in total).`;
    case 'disputed':
      return `:rotating_light: The customer disputed the payment for ${request.reference}: ${escapeText(describeDisputeReason(notice.reason), 300)}. Finance should respond in the Stripe Dashboard.`;
    case 'expired':
      return `:hourglass: ${mention(request.requesterId)} ${request.reference} (${amount}) expired: nobody approved or rejected it within ${notice.after}. Nothing will be charged; ask again if it is still needed.`;
    case 'link_expired':
      return `:hourglass: The payment link for ${request.reference} (${amount}) was not paid within ${notice.after} and no longer accepts payments. ${mention(request.requesterId)} can press *Request again* on the card; it then needs approval again.`;
    case 'requested_again':
      return `:arrows_counterclockwise: ${mention(notice.by)} asked for ${request.reference} (${amount}) again: version ${notice.version} needs approval again.`;
    case 'nobody_to_notify':
      return nobodyToNotify(request, notice);
  }
}

/** Said in the thread instead of pretending a DM went out to nobody. */
function nobodyToNotify(request: ChargeRequest, notice: Extract<ThreadNotice, { type: 'nobody_to_notify' }>): string {
  switch (notice.about) {
    case 'approval':
      return `:warning: Nobody was asked by DM to approve ${request.reference}: I found no approver besides the requester (APPROVER_USER_IDS, APPROVER_USERGROUP_ID). An approver can still act on the card here; an admin should check who may approve.`;
    case 'reminder':
      return `:warning: ${request.reference} still waits for approval, but there is nobody left to remind: every approver besides the requester has already acted on this version. An admin should check who may approve (APPROVER_USER_IDS, APPROVER_USERGROUP_ID).`;
    case 'escalation':
      return `:warning: ${request.reference} has waited${notice.after ? ` ${notice.after}` : ''} without a decision, but there is nobody to escalate it to: no escalation contact besides the requester (ESCALATION_USER_IDS, ESCALATION_USERGROUP_ID). An admin should check them.`;
  }
}
