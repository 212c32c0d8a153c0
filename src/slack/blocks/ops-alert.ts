import type { OpsAlert } from '../../outbox/items.js';
import { escapeText } from './escape.js';

const attempts = (n: number) => `${n} ${n === 1 ? 'attempt' : 'attempts'}`;
/** The first line of an error, escaped and cut: enough to recognise it; the log has the rest. */
const firstLine = (error: string) => escapeText(error.split('\n')[0] ?? '', 300);

/** What an admin's alert says: what failed, why, and what to do about it (`/charges ops`). */
export function opsAlertText(alert: OpsAlert): string {
  const error = firstLine(alert.error);
  switch (alert.type) {
    case 'stripe_event_dead':
      return [
        `:rotating_light: A Stripe event could not be applied and is kept as dead: ${escapeText(alert.eventType, 100)} \`${escapeText(alert.eventId, 100)}\`, after ${attempts(alert.attempts)}.`,
        `Why: ${error}`,
        'Until it is applied, what it carries (a payment, a refund, a dispute) is not recorded. What to do: find the cause in the log (search for the event id) and fix it, then open `/charges ops` and press *Retry* on it; *Discard* it only if it must never be applied.',
      ].join('\n');
    case 'slack_update_dead': {
      const what = `${escapeText(alert.itemKind.replace(/_/g, ' '), 60)}${alert.reference ? ` for ${alert.reference}` : ''}`;
      return [
        `:rotating_light: A Slack update could not be delivered and is kept as dead: ${what} (outbox item ${alert.itemId}), after ${attempts(alert.attempts)}.`,
        `Why: ${error}`,
        'What to do: fix the cause (for `not_in_channel`, `channel_not_found` or `is_archived`: invite @Countersign to the channel, or unarchive it), then open `/charges ops` and press *Retry* on it, or *Discard* it.',
      ].join('\n');
    }
    case 'link_deactivation_dead':
      return [
        `:rotating_light: Stripe did not deactivate payment link \`${escapeText(alert.paymentLinkId, 100)}\`${alert.reference ? ` of ${alert.reference}` : ''} (outbox item ${alert.itemId}), after ${attempts(alert.attempts)}. The customer could still pay it.`,
        `Why: ${error}`,
        'What to do: deactivate it in the Stripe Dashboard now, or fix the key (it needs "Payment Links: write") and press *Retry* on it in `/charges ops`.',
      ].join('\n');
  }
}
