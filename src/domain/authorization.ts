import { type Refusal, refuse } from '../errors.js';
import type { ChargeRequest } from './charge-request.js';

/** Who may approve: answered from configuration and Slack (see slack/approvers.ts). */
export interface ApproverDirectory {
  isApprover(userId: string): Promise<boolean>;
  /** Everyone who may approve now (to tell them something), each once. */
  list(): Promise<string[]>;
}

export type Permission = { ok: true } | Refusal;

export interface Clicker {
  readonly userId: string;
  readonly isApprover: boolean;
}

/** Approve, reject and retry a failed link: approvers only, and never their own request (unless allowed). */
export function mayDecide(request: ChargeRequest, clicker: Clicker, allowSelfApproval: boolean): Permission {
  if (!clicker.isApprover) {
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
