import { DateTime } from 'luxon';
import { type Result, refuse } from '../errors.js';

/** The furthest ahead a delegation may end: long absences are a change of approvers, not a delegation. */
export const MAX_DELEGATION_DAYS = 366;

/** An approver's approval right, handed to someone else for [startsAt, endsAt). */
export interface Delegation {
  readonly id: string;
  readonly delegatorId: string;
  readonly delegateId: string;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly reason: string | null;
}

/**
 * The window of "until YYYY-MM-DD": from now to the end of that day in `zone` (inclusive), so a
 * delegation "until 2026-11-30" in Europe/Berlin ends at midnight Berlin time, 1 December. Refuses
 * dates that do not exist, days already over, and days more than a year ahead.
 */
export function delegationWindow(
  until: string,
  zone: string,
  now: Date,
): Result<{ startsAt: Date; endsAt: Date; lastDay: string }> {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(until) ? DateTime.fromISO(until, { zone }) : undefined;
  if (!day?.isValid) {
    return refuse('invalid_input', `"${until}" is not a date; write the last day as YYYY-MM-DD, e.g. 2026-11-30.`);
  }
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  if (day < today) {
    return refuse(
      'invalid_input',
      `${until} is in the past (today is ${today.toISODate()} in ${zone}). Give the last day of your absence.`,
    );
  }
  if (day.diff(today, 'days').days > MAX_DELEGATION_DAYS) {
    return refuse(
      'invalid_input',
      `${until} is more than a year ahead. Delegate for a shorter time; for good, ask an admin to change the approvers.`,
    );
  }
  return { ok: true, startsAt: now, endsAt: day.plus({ days: 1 }).toJSDate(), lastDay: until };
}

/** Who may hand their approval right to whom. Pure: the facts come from the caller. */
export function checkDelegation(facts: {
  readonly delegatorId: string;
  readonly delegateId: string;
  readonly botUserId: string | undefined;
  readonly delegatorIsApprover: boolean;
  readonly delegateIsApprover: boolean;
  /** Someone else's delegation the delegate already holds now (one person stands in for one approver). */
  readonly delegateStandsInFor: string | undefined;
}): Result {
  if (!facts.delegatorIsApprover) {
    return refuse(
      'forbidden',
      'Only finance approvers can delegate their approval right, and you are not one. Nothing was changed.',
    );
  }
  if (facts.delegateId === facts.delegatorId) {
    return refuse(
      'invalid_input',
      'You cannot delegate to yourself: name the colleague who approves while you are away.',
    );
  }
  if (facts.botUserId !== undefined && facts.delegateId === facts.botUserId) {
    return refuse('invalid_input', 'Countersign itself cannot approve charges: name a colleague.');
  }
  if (facts.delegateIsApprover) {
    return refuse(
      'invalid_input',
      'That person is already a finance approver and can approve in their own right; no delegation is needed.',
    );
  }
  if (facts.delegateStandsInFor !== undefined && facts.delegateStandsInFor !== facts.delegatorId) {
    return refuse(
      'invalid_input',
      'That person already stands in for another approver now; one person can stand in for one approver at a time. Name someone else.',
    );
  }
  return { ok: true };
}
