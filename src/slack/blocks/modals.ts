import type { View } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { SUPPORTED_CURRENCIES } from '../../domain/currencies.js';
import { formatMoney, toDecimalString } from '../../domain/money.js';
import type { ProposalInput } from '../../use-cases/propose-charge.js';
import { cardButtonValue } from './approval-card.js';
import { plainText } from './escape.js';

export const MODALS = { reject: 'charge_reject_modal', edit: 'charge_edit_modal' } as const;

/** Reject asks for a reason; Slack enforces that it is filled, and so does rejectCharge. */
export function rejectModal(request: ChargeRequest): View {
  return {
    type: 'modal',
    callback_id: MODALS.reject,
    private_metadata: cardButtonValue(request),
    title: { type: 'plain_text', text: plainText(`Reject ${request.reference}`, 24) },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'section',
        text: {
          type: 'plain_text',
          text: plainText(`${formatMoney(moneyOf(request))} for ${request.customerName}`, 3000),
        },
      },
      {
        type: 'input',
        block_id: 'reason',
        label: { type: 'plain_text', text: 'Why? The requester will see this.' },
        element: { type: 'plain_text_input', action_id: 'value', multiline: true, min_length: 3, max_length: 1000 },
      },
    ],
  };
}

const input = (blockId: string, label: string, initial: string, optional = false, multiline = false) => ({
  type: 'input' as const,
  block_id: blockId,
  optional,
  label: { type: 'plain_text' as const, text: label },
  element: {
    type: 'plain_text_input' as const,
    action_id: 'value',
    multiline,
    ...(initial ? { initial_value: initial } : {}),
  },
});

/** Edit: every field of the proposal, prefilled with the current version. */
export function editModal(request: ChargeRequest): View {
  return {
    type: 'modal',
    callback_id: MODALS.edit,
    private_metadata: cardButtonValue(request),
    title: { type: 'plain_text', text: plainText(`Edit ${request.reference}`, 24) },
    submit: { type: 'plain_text', text: 'Save as new version' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Saving makes a new version: approvals of the current one stop counting.' }],
      },
      input('amount', 'Amount', toDecimalString(moneyOf(request))),
      input('currency', `Currency (${SUPPORTED_CURRENCIES.slice(0, 6).join(', ')}, …)`, request.currency),
      input('customer', 'Customer', request.customerName),
      input('email', 'Customer email', request.customerEmail ?? '', true),
      input('description', 'Description', request.description, true, true),
    ],
  };
}

type ViewState = Record<string, Record<string, { value?: string | null }>>;

export function readRejectReason(state: ViewState): string {
  return state.reason?.value?.value ?? '';
}

export function readEditInput(state: ViewState): ProposalInput {
  const v = (block: string) => state[block]?.value?.value?.trim() ?? '';
  return {
    amount: v('amount'),
    currency: v('currency'),
    customerName: v('customer'),
    customerEmail: v('email') || undefined,
    description: v('description'),
  };
}

/** The edit modal's input block for each proposal field, so a refusal's problems land beside their input. */
export const EDIT_FIELD_BLOCKS: Readonly<Record<string, string>> = {
  amount: 'amount',
  currency: 'currency',
  customerName: 'customer',
  customerEmail: 'email',
  description: 'description',
};
