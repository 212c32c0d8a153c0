import { tool } from 'ai';
import { z } from 'zod';
import { moneyOf } from '../domain/charge-request.js';
import { describeStatus } from '../domain/charge-status.js';
import { formatMoney } from '../domain/money.js';
import type { CustomerMatch } from '../stripe/gateway.js';
import type { ProposalResult } from '../use-cases/propose-charge.js';

/** What the tools may do. Each is deterministic code of ours; none of them moves money. */
export interface AgentToolPorts {
  propose(input: ProposeToolInput): Promise<ProposalResult>;
  revise(reference: string, input: ProposeToolInput): Promise<ProposalResult>;
  threadRequests(): Promise<
    {
      reference: string;
      status: Parameters<typeof describeStatus>[0];
      amountMinor: bigint;
      currency: string;
      customerName: string;
      version: number;
    }[]
  >;
  /** Present only when Stripe is configured. */
  findCustomers?: (query: string) => Promise<CustomerMatch[]>;
  /** Notes what the turn did, for the agent-run record. */
  onProposal(result: { requestId: string; created: boolean }): void;
}

const proposeInput = z.object({
  customer_name: z.string().describe('Name of the customer to charge, as the user gave it'),
  customer_email: z.string().optional().describe("Customer's billing email, only if the user gave one"),
  stripe_customer_id: z.string().optional().describe('Stripe customer id (cus_…) if find_customer found the customer'),
  amount: z.string().describe('Amount in major units exactly as written, e.g. "1,200" or "19.99"; never computed'),
  currency: z.string().describe('ISO 4217 currency code, e.g. USD, EUR, JPY'),
  description: z.string().describe('What the charge is for, in a few words'),
  update_reference: z
    .string()
    .optional()
    .describe(
      'Reference of a pending request in this thread (e.g. CR-1042) when the user changes it; omit for a new charge',
    ),
  confirm_duplicate_of: z
    .string()
    .optional()
    .describe(
      'Only for a deliberate second identical charge: the reference propose_charge answered already_proposed with. Set it only after asking the requester and getting their explicit yes; otherwise omit',
    ),
});

export type ProposeToolInput = z.infer<typeof proposeInput>;

export function createAgentTools(ports: AgentToolPorts) {
  const tools = {
    propose_charge: tool({
      description:
        'Propose a charge for a finance approver to approve. Creates nothing at Stripe. Returns the reference or the problems to fix.',
      inputSchema: proposeInput,
      execute: async (input) => {
        const result = input.update_reference
          ? await ports.revise(input.update_reference, input)
          : await ports.propose(input);
        if (!result.ok && 'existing' in result) {
          return {
            status: 'already_proposed',
            reference: result.existing,
            next_step: `Nothing new was created. Tell the requester this is already proposed as ${result.existing}. Only if they then explicitly want a second, identical charge, call propose_charge again with confirm_duplicate_of set to ${result.existing}.`,
          };
        }
        if (!result.ok) {
          return {
            status: 'not_proposed',
            code: result.code,
            problems: result.problems?.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)) ?? [
              result.message,
            ],
          };
        }
        ports.onProposal({ requestId: result.request.id, created: result.created });
        const r = result.request;
        return {
          status: result.created ? 'proposed' : 'updated',
          reference: r.reference,
          version: r.version,
          amount: formatMoney(moneyOf(r)),
          customer: r.customerName,
          // Codes only: flags are for the approver, and nothing in them is text the model should follow.
          flags: r.flags.map((f) => f.code),
          next_step: 'An approval card is in the thread; a finance approver must approve it.',
        };
      },
    }),
    charge_status: tool({
      description: 'List the charge requests of this thread with their status, amount and version.',
      inputSchema: z.object({}),
      execute: async () => ({
        requests: (await ports.threadRequests()).map((r) => ({
          reference: r.reference,
          status: describeStatus(r.status),
          amount: formatMoney(moneyOf(r)),
          customer: r.customerName,
          version: r.version,
        })),
      }),
    }),
  };
  const { findCustomers } = ports;
  if (!findCustomers) return tools;
  return {
    ...tools,
    find_customer: tool({
      description: 'Search existing Stripe customers by name or email (read-only).',
      inputSchema: z.object({ query: z.string().min(2).max(100).describe('Part of the customer name or email') }),
      execute: async ({ query }) => {
        try {
          return { customers: await findCustomers(query) };
        } catch {
          return {
            customers: [],
            problem: 'Customer search is unavailable right now; continue with the name the user gave.',
          };
        }
      },
    }),
  };
}
