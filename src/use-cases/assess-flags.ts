import type { Queryable } from '../db/sql.js';
import { LIVE_STATUSES } from '../domain/charge-status.js';
import { customerKey, sameCustomer } from '../domain/customer.js';
import {
  ASSESSED_FLAG_CODES,
  type ChargeFlag,
  duplicateFlag,
  MIN_HISTORY,
  type TrustSettings,
  unusualAmountFlag,
} from '../domain/flags.js';
import { groundingFlags } from '../domain/grounding.js';
import type { Money } from '../domain/money.js';
import { findSameAmount, latestStepAt, recentAmounts } from '../persistence/similar-requests.js';

/** What is assessed: a proposal, or the new version of an edited request (`id`). */
export interface FlagSubject {
  readonly id?: string;
  readonly requesterId: string;
  readonly customerName: string;
  readonly customerEmail: string | null;
  readonly money: Money;
  /**
   * The requester's own messages of the conversation the proposal came from; undefined when a person
   * typed the fields (`/charges new`, the edit form), which is grounded by definition.
   */
  readonly requesterTexts?: readonly string[];
  /** The reference the requester confirmed a second identical charge of (agent's confirm_duplicate_of). */
  readonly confirmedDuplicateOf?: string;
}

/** How many of the customer's (or requester's) latest requests make "the usual" amount. */
const HISTORY_SIZE = 20;

/**
 * The flags an approver should see for this proposal: a possible duplicate from any channel or
 * source, an unusual amount for this customer, values the requester never stated. They inform and
 * never block. Call inside the proposal's transaction, after `lockIntent`, so racing identical
 * proposals see each other.
 */
export async function assessFlags(
  db: Queryable,
  trust: TrustSettings,
  subject: FlagSubject,
  now: Date,
): Promise<ChargeFlag[]> {
  const since = new Date(now.getTime() - trust.duplicateWindowDays * 86_400_000);
  const sameAmount = await findSameAmount(db, {
    money: subject.money,
    statuses: LIVE_STATUSES,
    since,
    excludeId: subject.id,
  });
  const duplicate = duplicateFlag(
    sameAmount
      .filter((r) => sameCustomer(r, subject))
      .map((r) => ({
        reference: r.reference,
        status: r.status,
        channelId: r.channelId,
        threadTs: r.threadTs ?? r.cardTs,
        at: latestStepAt(r),
      })),
    now,
    subject.confirmedDuplicateOf,
  );

  const history = (by: { customerKey: string } | { requesterId: string }) =>
    recentAmounts(db, {
      by,
      currency: subject.money.currency,
      statuses: LIVE_STATUSES,
      excludeId: subject.id,
      limit: HISTORY_SIZE,
    });
  const customer = await history({ customerKey: customerKey(subject.customerName) });
  // The requester's history stands in only when the customer has too little of its own.
  const requester = customer.length >= MIN_HISTORY ? [] : await history({ requesterId: subject.requesterId });
  const unusual = unusualAmountFlag(subject.money.amountMinor, { customer, requester }, trust.unusualFactorHundredths);

  return [
    ...(duplicate ? [duplicate] : []),
    ...(unusual ? [unusual] : []),
    ...groundingFlags({ money: subject.money, customerName: subject.customerName }, subject.requesterTexts),
  ];
}

/** Flags after a re-assessment: the assessed ones replaced, any other (paid_after_expiry) kept. */
export function withAssessedFlags(current: readonly ChargeFlag[], assessed: readonly ChargeFlag[]): ChargeFlag[] {
  return [...current.filter((f) => !ASSESSED_FLAG_CODES.has(f.code)), ...assessed];
}
