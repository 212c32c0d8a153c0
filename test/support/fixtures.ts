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
    ...overrides,
  };
}
