import type { ChargeStatus } from './charge-status.js';
import type { ChargeFlag } from './flags.js';
import type { Money } from './money.js';

export const CHARGE_SOURCES = ['agent', 'command'] as const;
export type ChargeSource = (typeof CHARGE_SOURCES)[number];

export const APPROVAL_DECISIONS = ['approved', 'rejected'] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** A charge request as the domain sees it (the database row, plus its human-friendly reference). */
export interface ChargeRequest {
  readonly id: string;
  /** Sequential number behind the reference (CR-1042). */
  readonly number: number;
  readonly reference: string;
  readonly status: ChargeStatus;
  /** Bumped by every edit: approvals bind to one version. */
  readonly version: number;
  readonly source: ChargeSource;
  readonly teamId: string;
  readonly channelId: string;
  readonly threadTs: string | null;
  readonly cardTs: string | null;
  readonly requesterId: string;
  readonly customerName: string;
  readonly customerEmail: string | null;
  readonly stripeCustomerId: string | null;
  readonly description: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly paymentLinkId: string | null;
  readonly paymentLinkUrl: string | null;
  /**
   * Part of the idempotency key: bumped by a retry after a permanent Stripe failure, and when Stripe
   * keeps replaying a failure for the current key and made no link under it.
   */
  readonly linkAttempt: number;
  /** Server errors Stripe answered under the current key (reset when the attempt moves on). */
  readonly linkFailures: number;
  /** When the thread and the approvers were told the link is late (LINK_DELAY_ALERT); once per request. */
  readonly linkDelayedAt: Date | null;
  /** The mirrored card in FINANCE_CHANNEL_ID, when configured. */
  readonly financeCardTs: string | null;
  readonly lastError: string | null;
  readonly amountReceivedMinor: bigint | null;
  readonly refundedMinor: bigint;
  readonly payerEmail: string | null;
  readonly paymentIntentId: string | null;
  readonly disputed: boolean;
  /** Stripe's reason code for the dispute (`fraudulent`, `product_not_received`, …), when disputed. */
  readonly disputeReason: string | null;
  /** Who canceled the request and why (the reason is required of approvers, optional for the requester). */
  readonly canceledBy: string | null;
  readonly cancelReason: string | null;
  /** What the approver should know (possible duplicate, not what was asked, …); never blocking. */
  readonly flags: readonly ChargeFlag[];
  /** The requester's own messages behind an agent's proposal, quoted on the card; null for `/charges new`. */
  readonly requesterWords: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly approvedAt: Date | null;
  readonly linkCreatedAt: Date | null;
  readonly paidAt: Date | null;
  readonly closedAt: Date | null;
  /** When the current wait for approval began (creation, or Request again): reminders, escalation and expiry count from here. */
  readonly awaitingApprovalSince: Date;
  /** When the wait was escalated to the escalation contacts (who may then decide it too); null until then. */
  readonly escalatedAt: Date | null;
}

/** Who did something: a Slack user id (`U…`), or a system actor (`stripe`, `system`). */
export type Actor = string;

export function referenceOf(number: number): string {
  return `CR-${number}`;
}

/** "CR-1042", "cr 1042" or "1042" → 1042; anything else → undefined. */
export function parseReference(text: string): number | undefined {
  const match = /^\s*(?:CR[-\s]?)?(\d{1,9})\s*$/i.exec(text);
  return match?.[1] ? Number(match[1]) : undefined;
}

export function moneyOf(request: Pick<ChargeRequest, 'amountMinor' | 'currency'>): Money {
  return { amountMinor: request.amountMinor, currency: request.currency };
}
