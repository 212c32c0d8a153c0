import type { ApproverDirectory } from '../../src/domain/authorization.js';
import type { ChargeRequest } from '../../src/domain/charge-request.js';
import type { NewChargeRequest } from '../../src/persistence/charge-requests.js';

export function newRequest(overrides: Partial<NewChargeRequest> = {}): NewChargeRequest {
  return {
    source: 'command',
    teamId: 'T0TEAM',
    channelId: 'C0SALES',
    threadTs: '1700000000.000100',
    requesterId: 'U0REQUESTER',
    customerName: 'Acme Corp',
    customerEmail: 'billing@acme.test',
    description: 'Q3 onboarding workshop',
    amountMinor: 120000n,
    currency: 'USD',
    createdAt: new Date(),
    ...overrides,
  };
}

/** A stored request as the builders see it (no database), pending at version 1 unless overridden. */
export function chargeRequestFixture(overrides: Partial<ChargeRequest> = {}): ChargeRequest {
  return {
    id: '5c0e7f3c-9d1b-4a58-8a57-3c1f6f0f2a11',
    number: 1042,
    reference: 'CR-1042',
    status: 'pending_approval',
    version: 1,
    source: 'agent',
    teamId: 'T0TEAM',
    channelId: 'C0SALES',
    threadTs: '1.1',
    cardTs: null,
    requesterId: 'U0REQUESTER',
    customerName: 'Acme Corp',
    customerEmail: 'billing@acme.test',
    stripeCustomerId: null,
    description: 'Q3 onboarding workshop',
    amountMinor: 120000n,
    currency: 'USD',
    paymentLinkId: null,
    paymentLinkUrl: null,
    linkAttempt: 0,
    linkFailures: 0,
    linkDelayedAt: null,
    financeCardTs: null,
    lastError: null,
    amountReceivedMinor: null,
    refundedMinor: 0n,
    payerEmail: null,
    paymentIntentId: null,
    disputed: false,
    disputeReason: null,
    canceledBy: null,
    cancelReason: null,
    flags: [],
    requesterWords: null,
    createdAt: new Date('2026-11-01T10:00:00Z'),
    updatedAt: new Date('2026-11-01T10:00:00Z'),
    approvedAt: null,
    linkCreatedAt: null,
    paidAt: null,
    closedAt: null,
    awaitingApprovalSince: new Date('2026-11-01T10:00:00Z'),
    escalatedAt: null,
    ...overrides,
  };
}

/** Approvers named in configuration only (no user group, no escalation contacts), for use cases run without Slack. */
export function fixedApprovers(userIds: readonly string[] = ['U0FIN1', 'U0FIN2', 'U0FIN3']): ApproverDirectory {
  return {
    isApprover: async (userId) => userIds.includes(userId),
    approvers: async () => [...userIds],
    isEscalationContact: async () => false,
    escalationContacts: async () => [],
  };
}
