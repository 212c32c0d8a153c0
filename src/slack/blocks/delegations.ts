import type { Delegation } from '../../domain/delegation.js';
import { periodDays } from '../../domain/periods.js';
import { escapeText, mention } from './escape.js';

/** "until the end of 2026-11-30 (Europe/Berlin)": the window's last day, inclusive, in REPORT_TIMEZONE. */
export function untilText(delegation: Pick<Delegation, 'startsAt' | 'endsAt'>, zone: string): string {
  return `until the end of ${periodDays({ start: delegation.startsAt, end: delegation.endsAt }, zone).last} (${zone})`;
}

/** " (parental leave)", escaped: the delegator's own words. */
export function delegationReason(delegation: Pick<Delegation, 'reason'>): string {
  return delegation.reason ? ` (${escapeText(delegation.reason, 300)})` : '';
}

/** "<@U0BOB> approves for <@U0ALICE> until the end of 2026-11-30 (Europe/Berlin) (parental leave)". */
export function delegationLine(delegation: Delegation, zone: string): string {
  return `${mention(delegation.delegateId)} approves for ${mention(delegation.delegatorId)} ${untilText(delegation, zone)}${delegationReason(delegation)}`;
}
