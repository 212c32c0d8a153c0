/**
 * Slack updates that follow a state change. They are inserted in the same transaction as the change,
 * so a committed change always has its update queued, and no commit ever waits on Slack.
 * Cards are rendered from the database at delivery time, so a late or repeated delivery shows the
 * request as it is now, never a stale state.
 */
export type OutboxItem =
  /** Post the approval card (in `threadTs`, or top-level when the request has no thread yet). */
  | { kind: 'post_card'; requestId: string }
  /** Re-render every posted copy of the card. */
  | { kind: 'update_card'; requestId: string }
  /** A message in the request's thread, rendered by the Slack layer from this notice. */
  | { kind: 'thread_reply'; requestId: string; notice: ThreadNotice };

/** Facts for a thread message; the words and the escaping live in src/slack/blocks/thread-notice.ts. */
export type ThreadNotice =
  | { type: 'revised'; version: number; changes: { field: string; from: string; to: string }[] }
  /** `onBehalfOf`: the approver a delegate decided for. */
  | { type: 'approved'; by: string; onBehalfOf?: string }
  | { type: 'approval_progress'; by: string; onBehalfOf?: string; approvals: number; required: number }
  | { type: 'rejected'; by: string; onBehalfOf?: string; reason: string }
  | { type: 'link_created'; url: string }
  | { type: 'link_failed'; reason: string }
  | { type: 'canceled'; by: string; linkDeactivated: boolean; reason?: string | null }
  | {
      type: 'paid';
      amountMinor: string | null;
      currency: string | null;
      payer: string | null;
      /** The amount or currency received differs from the approved one. */
      mismatch: boolean;
      afterCancel: boolean;
    }
  | { type: 'payment_processing' }
  | { type: 'payment_failed' }
  | { type: 'refunded'; amountMinor: string; full: boolean }
  | { type: 'disputed'; reason: string };
