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

export interface Clicker {
  readonly userId: string;
  readonly isApprover: boolean;
  /** An escalation contact may decide a request once it has been escalated to them. */
  readonly isEscalationContact?: boolean;
}

/**
 * Approve and reject: approvers, and escalation contacts for a request escalated to them; never their
 * own request (unless allowed).
 */
export function mayDecide(request: ChargeRequest, clicker: Clicker, allowSelfApproval: boolean): Permission {
  const escalatedToClicker = clicker.isEscalationContact === true && request.escalatedAt !== null;
  if (!clicker.isApprover && !escalatedToClicker) {
    return refuse(
      'forbidden',
      `Only finance approvers can approve or reject ${request.reference}. Nothing was changed.`,
    );
  }
  if (!allowSelfApproval && clicker.userId === request.requesterId) {
    return refuse(
      'forbidden',
      `You requested ${request.reference}, so someone else must approve it. Nothing was changed.`,
    );
  }
  return { ok: true };
}

/** Edit and cancel: the requester or an approver. */
export function mayChange(request: ChargeRequest, clicker: Clicker): Permission {
  if (clicker.isApprover || clicker.userId === request.requesterId) return { ok: true };
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
