/**
 * What follows a state change outside the database: Slack updates, and the deactivation of payment
 * links nobody may pay any more. They are inserted in the same transaction as the change, so a
 * committed change always has its follow-up queued, and no commit ever waits on Slack or Stripe.
 * Cards are rendered from the database at delivery time, so a late or repeated delivery shows the
 * request as it is now, never a stale state.
 */
export type OutboxItem =
  /** Post the approval card (in `threadTs`, or top-level when the request has no thread yet). */
  | { kind: 'post_card'; requestId: string }
  /** Re-render every posted copy of the card. */
  | { kind: 'update_card'; requestId: string }
  /** A message in the request's thread, rendered by the Slack layer from this notice. */
  | { kind: 'thread_reply'; requestId: string; notice: ThreadNotice }
  /**
   * The card, with its working buttons, by DM: to these people, or to every eligible approver when
   * APPROVAL_NOTIFY includes dm (`approvers`). One copy per person per occasion (`approval:v1`,
   * `reminder:42`); every copy is then updated with the card.
   */
  | { kind: 'dm_card'; requestId: string; occasion: string; to: 'approvers' | readonly string[] }
  /** A direct message to one person about a request (see src/slack/blocks/direct-notice.ts). */
  | { kind: 'direct_message'; requestId: string; userId: string; notice: DirectNotice }
  /**
   * Deactivate a payment link at Stripe (use-cases/deactivate-link.ts): one that was made while its
   * request was canceled or paid, or the current link of a request paid through an older one.
   */
  | { kind: 'deactivate_link'; requestId: string; paymentLinkId: string; reason: string }
  /**
   * A direct message to one admin (ADMIN_USER_IDS): something failed for good and waits for them in
   * `/charges ops`. One item per admin. An ops_alert that itself dies alerts nobody (no loop).
   */
  | { kind: 'ops_alert'; userId: string; alert: OpsAlert };

/** The items the Slack layer delivers (all but link deactivations, which go to Stripe). */
export type SlackItem = Exclude<OutboxItem, { kind: 'deactivate_link' }>;

/** Slack messages about one request (all but admins' alerts). */
export type RequestItem = Exclude<SlackItem, { kind: 'ops_alert' }>;

/** Facts for an admin's alert; the words live in src/slack/blocks/ops-alert.ts. */
export type OpsAlert =
  /** A Stripe event failed every attempt to apply it; the inbox keeps it dead. */
  | { type: 'stripe_event_dead'; eventId: string; eventType: string; attempts: number; error: string }
  /** A Slack update was refused for good or failed every attempt; the outbox keeps it dead. */
  | {
      type: 'slack_update_dead';
      itemId: string;
      itemKind: string;
      /** The request it concerns (CR-1042), when there is one. */
      reference: string | null;
      attempts: number;
      error: string;
    }
  /** Stripe did not deactivate a link nobody may pay: the customer could still pay it. */
  | {
      type: 'link_deactivation_dead';
      itemId: string;
      paymentLinkId: string;
      reference: string | null;
      attempts: number;
      error: string;
    };

/** Facts for a thread message; the words and the escaping live in src/slack/blocks/thread-notice.ts. */
export type ThreadNotice =
  | { type: 'revised'; version: number; changes: { field: string; from: string; to: string }[] }
  /** `onBehalfOf`: the approver a delegate decided for. */
  | { type: 'approved'; by: string; onBehalfOf?: string }
  | { type: 'approval_progress'; by: string; onBehalfOf?: string; approvals: number; required: number }
  | { type: 'rejected'; by: string; onBehalfOf?: string; reason: string }
  | { type: 'link_created'; url: string }
  | { type: 'link_failed'; reason: string }
  /** Approved for longer than LINK_DELAY_ALERT (`after`, e.g. "5m") and still no link. */
  | { type: 'link_delayed'; after: string }
  | { type: 'canceled'; by: string; linkDeactivated: boolean; reason?: string | null }
  | {
      type: 'paid';
      amountMinor: string | null;
      currency: string | null;
      payer: string | null;
      /** The amount or currency received differs from the approved one. */
      mismatch: boolean;
      afterCancel: boolean;
      /** The link had expired: a checkout opened before was completed (flagged paid_after_expiry). */
      afterExpiry?: boolean;
      /** A new version asked for after the expiry (not yet linked) is withdrawn. */
      withdrawn?: boolean;
      /** Paid through an older link: the current one is being deactivated, so nobody pays twice. */
      linkDeactivated?: boolean;
    }
  /**
   * A payment other than the recorded one, or the refund or dispute of one: kept as an `extra_payment`
   * flag whose facts are given here (payment_intent, amount_minor, currency, refunded_minor, dispute_reason).
   */
  | { type: 'extra_payment'; facts: Readonly<Record<string, string | number | boolean>> }
  | { type: 'payment_processing' }
  | { type: 'payment_failed' }
  | { type: 'refunded'; amountMinor: string; full: boolean }
  | { type: 'disputed'; reason: string }
  /** Nobody decided within REQUEST_EXPIRES_AFTER (`after`, as people write durations). */
  | { type: 'expired'; after: string }
  /** Unpaid for LINK_EXPIRES_AFTER: deactivated at Stripe before this is posted. */
  | { type: 'link_expired'; after: string }
  | { type: 'requested_again'; by: string; version: number }
  /**
   * Nobody could be sent the card by DM on this occasion: no approver besides the requester
   * (`approval`), every one has acted already (`reminder`), no escalation contact besides the
   * requester (`escalation`, after `after`).
   */
  | { type: 'nobody_to_notify'; about: 'approval' | 'reminder' | 'escalation'; after?: string };

/** Facts for a direct message to one person (an approver, or whoever acted on a request). */
export type DirectNotice =
  /** To each approver: the request's link is late (LINK_DELAY_ALERT). */
  | { type: 'link_delayed'; after: string }
  /**
   * Slack refused for good a message about the request (`error` is Slack's code, e.g.
   * `not_in_channel`): what could not be shown, where, and whether a plain-text version was posted.
   */
  | {
      type: 'message_refused';
      error: string;
      channelId: string;
      refused: { kind: 'card' } | { kind: 'thread_reply'; notice: ThreadNotice };
      fallbackPosted: boolean;
      /** Not refused as such: Slack kept failing, and the outbox gave up after this many attempts. */
      attempts?: number;
    }
  /** A thread notice for a request whose card (and so its thread) never got posted. */
  | { type: 'unthreaded'; channelId: string; notice: ThreadNotice };
