import { type Refusal, refuse } from '../errors.js';
import type { ChargeRequest } from './charge-request.js';

/** Who may approve: answered from configuration and Slack (see slack/approvers.ts). */
export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
  /** Every approver (APPROVER_USER_IDS and the group's members), to notify them. */
  approvers(): Promise<string[]>;
  /** ESCALATION_USER_IDS and ESCALATION_USERGROUP_ID members: told about requests that wait too long. */
  isEscalationContact(userId: string): Promise<boolean>;
  escalationContacts(): Promise<string[]>;
}

export type Permission = { ok: true } | Refusal;

/**
 * Who clicked, and with whose approval right. An approver acts as themselves; someone who is not an
 * approver may act for the approver who delegated to them (`actingFor`), during the delegation's
 * window; an escalation contact may decide a request once it has been escalated.
 */
export interface Clicker {
  readonly userId: string;
  readonly isApprover: boolean;
  /** The approver this person stands in for now, when they are a delegate and not an approver themselves. */
  readonly actingFor?: string;
  /** An escalation contact may decide a request once it has been escalated to them. */
  readonly isEscalationContact?: boolean;
}

/** Whether the clicker holds an approval right now, their own or a delegated one. */
export function holdsApprovalRight(clicker: Clicker): boolean {
  return clicker.isApprover || clicker.actingFor !== undefined;
}

/** The approver whose right a decision uses: the one who counts (never two for one person). */
export function countedApprover(clicker: Clicker): string {
  return clicker.actingFor ?? clicker.userId;
}

/**
 * Approve and reject: approvers, their delegates, and escalation contacts for a request escalated
 * to them; never on their own request (unless self-approval is allowed, which never extends to a
 * delegate), and a delegate never for an approver on the approver's own request.
 */
export function mayDecide(request: ChargeRequest, clicker: Clicker, allowSelfApproval: boolean): Permission {
  const escalatedToClicker = clicker.isEscalationContact === true && request.escalatedAt !== null;
  if (!holdsApprovalRight(clicker) && !escalatedToClicker) {
    return refuse(
      'forbidden',
      `Only finance approvers can approve or reject ${request.reference}. Nothing was changed.`,
    );
  }
  const selfAllowed = allowSelfApproval && clicker.actingFor === undefined;
  if (!selfAllowed && clicker.userId === request.requesterId) {
    return refuse(
      'forbidden',
      `You requested ${request.reference}, so someone else must approve it. Nothing was changed.`,
    );
  }
  if (clicker.actingFor !== undefined && clicker.actingFor === request.requesterId) {
    return refuse(
      'forbidden',
      `${request.reference} was requested by the approver you stand in for, so someone else must approve it. Nothing was changed.`,
    );
  }
  return { ok: true };
}

/** Edit and cancel: the requester, an approver or an approver's delegate. */
export function mayChange(request: ChargeRequest, clicker: Clicker): Permission {
  if (holdsApprovalRight(clicker) || clicker.userId === request.requesterId) return { ok: true };
  return refuse(
    'forbidden',
    `Only the requester or a finance approver can change ${request.reference}. Nothing was changed.`,
  );
}

/** Admin subcommands (reports, export, audit, reconcile): ADMIN_USER_IDS only. */
export function mayAdminister(adminUserIds: readonly string[], userId: string): Permission {
  return adminUserIds.includes(userId)
    ? { ok: true }
    : refuse(
        'forbidden',
        'That subcommand is for Countersign admins (ADMIN_USER_IDS). Ask one of them, or try `/charges help`.',
      );
}
