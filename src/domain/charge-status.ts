import { type Result, refuse } from '../errors.js';

/**
 * Every status a charge request can be in and every move between them, in one place.
 *
 *   pending_approval ─approve→ approved ─link_created→ link_created ─payment_succeeded→ paid ─refund→ refunded
 *          │ edit (new version)      │ link_failed ⇄ retry_link        │ payment_processing          └ partially_refunded
 *          ├ reject → rejected       └ cancel → canceled                ├ payment_failed
 *          ├ cancel → canceled                                          ├ cancel (link deactivated) → canceled
 *          └ expire → expired (nobody decided in time)                  └ expire_link → link_expired
 *   link_expired ─request_again (new version)→ pending_approval; a late payment still → paid
 *
 * Persistence applies these with compare-and-set (see persistence/charge-requests.ts), so two actors that
 * try the same move from the same state can never both win.
 */
export const CHARGE_STATUSES = [
  'pending_approval',
  'approved',
  'link_created',
  'link_failed',
  'payment_processing',
  'payment_failed',
  'paid',
  'partially_refunded',
  'refunded',
  'rejected',
  'canceled',
  'expired',
  'link_expired',
] as const;

export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

interface TransitionRule {
  readonly from: readonly ChargeStatus[];
  readonly to: ChargeStatus;
  /** Edits make a new version of the proposal; every earlier approval stops counting. */
  readonly newVersion?: true;
}

export const TRANSITIONS = {
  edit: { from: ['pending_approval'], to: 'pending_approval', newVersion: true },
  approve: { from: ['pending_approval'], to: 'approved' },
  reject: { from: ['pending_approval'], to: 'rejected' },
  // A timeout closes an undecided request; it never approves anything.
  expire: { from: ['pending_approval'], to: 'expired' },
  cancel: {
    from: ['pending_approval', 'approved', 'link_created', 'link_failed', 'payment_failed'],
    to: 'canceled',
  },
  create_link: { from: ['approved'], to: 'link_created' },
  fail_link: { from: ['approved'], to: 'link_failed' },
  // After a failed link, or a payment that failed at the bank (its link took its one checkout): a new link.
  retry_link: { from: ['link_failed', 'payment_failed'], to: 'approved' },
  start_async_payment: { from: ['link_created'], to: 'payment_processing' },
  fail_payment: { from: ['link_created', 'payment_processing'], to: 'payment_failed' },
  // Only after the link was deactivated at Stripe (use-cases/workflow-timers.ts).
  expire_link: { from: ['link_created', 'payment_failed'], to: 'link_expired' },
  // Asking again after the link expired is a new version: it needs approval again.
  request_again: { from: ['link_expired'], to: 'pending_approval', newVersion: true },
  // From canceled and link_expired too: a customer can pay in a checkout opened before the link was
  // deactivated, and money that arrived must be on the record (the thread says so). A request asked
  // again and waiting for (or approved without) its new link is first canceled (domain/payment-events.ts).
  record_payment: {
    from: ['link_created', 'payment_processing', 'payment_failed', 'canceled', 'link_expired'],
    to: 'paid',
  },
  refund_partially: { from: ['paid', 'partially_refunded'], to: 'partially_refunded' },
  refund_fully: { from: ['paid', 'partially_refunded'], to: 'refunded' },
} as const satisfies Record<string, TransitionRule>;

export type ChargeAction = keyof typeof TRANSITIONS;

/** No way out. (Canceled is not among them: a payment made just before cancellation is still recorded.) */
export const TERMINAL_STATUSES: ReadonlySet<ChargeStatus> = new Set(['refunded', 'rejected', 'expired']);

/** Statuses in which the request still waits on someone (approver, Stripe or the customer). */
export const OPEN_STATUSES: readonly ChargeStatus[] = [
  'pending_approval',
  'approved',
  'link_created',
  'link_failed',
  'payment_processing',
  'payment_failed',
];

/** Approved and not undone (rejected, canceled, refunded): these amounts count against budgets. */
export const COMMITTED_STATUSES: readonly ChargeStatus[] = [
  'approved',
  'link_created',
  'link_failed',
  'payment_processing',
  'payment_failed',
  'paid',
  'partially_refunded',
];

/**
 * A charge that stands or will stand: waiting for approval, approved or paid (not rejected, canceled or
 * refunded). Another request for the same customer and amount in one of these may be a duplicate,
 * and these make up a customer's usual amounts.
 */
export const LIVE_STATUSES: readonly ChargeStatus[] = ['pending_approval', ...COMMITTED_STATUSES];

/** Payment links that may still be paid: reconciliation asks Stripe about these. */
export const PAYABLE_LINK_STATUSES: readonly ChargeStatus[] = ['link_created', 'payment_processing'];

/**
 * Links closed without a payment (canceled, expired, failed): a checkout the customer opened before
 * can still complete, so reconciliation asks about these for a while too (RECONCILE_CLOSED_FOR).
 */
export const CLOSED_LINK_STATUSES: readonly ChargeStatus[] = ['canceled', 'link_expired', 'payment_failed'];

/**
 * Statuses whose payment link may still take a payment. When a payment is recorded through another
 * link (an older one, or one we cannot tell), this link is deactivated, so nobody pays twice; a
 * cancel deactivates it first.
 */
export const LIVE_LINK_STATUSES: readonly ChargeStatus[] = ['link_created', 'payment_processing', 'payment_failed'];

/**
 * A request asked for again (Request again) whose new version has no link yet: waiting for approval,
 * approved, or its link failed. A payment can still arrive through the expired link (a checkout
 * opened before the expiry); then the new version is withdrawn (cancel) and the payment recorded.
 */
export const NEW_VERSION_WITHOUT_LINK: readonly ChargeStatus[] = ['pending_approval', 'approved', 'link_failed'];

/** Statuses in which a payment arrives after its link expired (flagged `paid_after_expiry`). */
export const AFTER_LINK_EXPIRY: readonly ChargeStatus[] = ['link_expired', ...NEW_VERSION_WITHOUT_LINK];

/** Rejected requests, as reports count them. */
export const REJECTED_STATUSES: readonly ChargeStatus[] = ['rejected'];

/** Money was received and recorded (some of it may have been refunded since). */
export const RECEIVED_STATUSES: readonly ChargeStatus[] = ['paid', 'partially_refunded', 'refunded'];

/** Waiting on an approver: to decide, or to retry a failed payment link. */
export const AWAITING_APPROVER_STATUSES: readonly ChargeStatus[] = ['pending_approval', 'link_failed'];

/** Waiting for approvers' decisions: an approver who already approved this version waits no more. */
export const AWAITING_DECISION_STATUSES: readonly ChargeStatus[] = ['pending_approval'];

export type TransitionCheck = Result<{ to: ChargeStatus; newVersion: boolean }>;

/** Whether `action` is allowed from `from`, and where it leads. Pure: no I/O. */
export function checkTransition(from: ChargeStatus, action: ChargeAction): TransitionCheck {
  const rule: TransitionRule = TRANSITIONS[action];
  if (!rule.from.includes(from)) {
    return refuse('wrong_state', `cannot ${action.replace('_', ' ')} a request that is ${describeStatus(from)}`);
  }
  return { ok: true, to: rule.to, newVersion: rule.newVersion === true };
}

const DESCRIPTIONS: Record<ChargeStatus, string> = {
  pending_approval: 'waiting for approval',
  approved: 'approved',
  link_created: 'awaiting payment',
  link_failed: 'approved, but the payment link failed',
  payment_processing: 'paid, waiting for the bank to confirm',
  payment_failed: 'unpaid: the payment failed',
  paid: 'paid',
  partially_refunded: 'partially refunded',
  refunded: 'refunded',
  rejected: 'rejected',
  canceled: 'canceled',
  expired: 'expired: nobody decided in time',
  link_expired: 'the payment link expired unpaid',
};

/** Plain words for a status, for Slack messages. */
export function describeStatus(status: ChargeStatus): string {
  return DESCRIPTIONS[status];
}
