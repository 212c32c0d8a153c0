import type { View } from '@slack/types';
import { type ChargeRequest, moneyOf } from '../../domain/charge-request.js';
import { formatMoney, toDecimalString } from '../../domain/money.js';
import type { ProposalInput } from '../../use-cases/propose-charge.js';
import { SLACK_LIMITS } from '../limits.js';
import { cardButtonValue } from './approval-card.js';
import { escapeText, mention, plainText } from './escape.js';

export const MODALS = {
  reject: 'charge_reject_modal',
  edit: 'charge_edit_modal',
  cancel: 'charge_cancel_modal',
} as const;

const title = (text: string) => ({
  type: 'plain_text' as const,
  text: plainText(text, SLACK_LIMITS.view.titleMaxChars),
});

/** Reject asks for a reason; Slack enforces that it is filled, and so does rejectCharge. */
export function rejectModal(request: ChargeRequest): View {
  return {
    type: 'modal',
    callback_id: MODALS.reject,
    private_metadata: cardButtonValue(request),
    title: title(`Reject ${request.reference}`),
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

/**
 * Cancel asks first: the form restates what is canceled, says when the customer's live payment link
 * will be deactivated, and takes the reason — required of an approver canceling someone's request,
 * optional for the requester. Submitting is the confirmation; "Keep it" changes nothing.
 */
export function cancelModal(request: ChargeRequest, options: { reasonRequired: boolean }): View {
  const what = `*${formatMoney(moneyOf(request))}* for *${escapeText(request.customerName, 500)}*, requested by ${mention(request.requesterId)}.`;
  const link = request.paymentLinkId
    ? "\n:warning: This deactivates the customer's payment link: they can no longer pay it."
    : '';
  return {
    type: 'modal',
    callback_id: MODALS.cancel,
    private_metadata: cardButtonValue(request),
    title: title(`Cancel ${request.reference}?`),
    submit: { type: 'plain_text', text: 'Cancel request' },
    close: { type: 'plain_text', text: 'Keep it' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${what}${link}` } },
      {
        type: 'input',
        block_id: 'reason',
        optional: !options.reasonRequired,
        label: {
          type: 'plain_text',
          text: options.reasonRequired ? 'Why? The requester will see this.' : 'Why? (optional, shown on the card)',
        },
        element: {
          type: 'plain_text_input',
          action_id: 'value',
          multiline: true,
          ...(options.reasonRequired ? { min_length: 3 } : {}),
          max_length: 1000,
        },
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

/** A currency choice: the allowed currencies, and the request's own (so the current value is always shown). */
function currencySelect(current: string, allowed: readonly string[]) {
  const option = (code: string) => ({ text: { type: 'plain_text' as const, text: code }, value: code });
  const codes = [...new Set([...allowed, current])].slice(0, SLACK_LIMITS.staticSelect.maxOptions);
  return {
    type: 'input' as const,
    block_id: 'currency',
    label: { type: 'plain_text' as const, text: 'Currency' },
    element: {
      type: 'static_select' as const,
      action_id: 'value',
      options: codes.map(option),
      initial_option: option(current),
    },
  };
}

/** Edit: every field of the proposal, prefilled with the current version; the currency from a list. */
export function editModal(request: ChargeRequest, allowedCurrencies: readonly string[]): View {
  return {
    type: 'modal',
    callback_id: MODALS.edit,
    private_metadata: cardButtonValue(request),
    title: title(`Edit ${request.reference}`),
    submit: { type: 'plain_text', text: 'Save as new version' },
    close: { type: 'plain_text', text: 'Back' },
    blocks: [
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'Saving makes a new version: approvals of the current one stop counting.' }],
      },
      input('amount', 'Amount', toDecimalString(moneyOf(request))),
      currencySelect(request.currency, allowedCurrencies),
      input('customer', 'Customer', request.customerName),
      input('email', 'Customer email', request.customerEmail ?? '', true),
      input('description', 'Description', request.description, true, true),
    ],
  };
}

type ViewState = Record<string, Record<string, { value?: string | null; selected_option?: { value?: string } | null }>>;

/** The reason typed in the reject or cancel form. */
export function readReason(state: ViewState): string {
  return state.reason?.value?.value ?? '';
}

export function readEditInput(state: ViewState): ProposalInput {
  const v = (block: string) => state[block]?.value?.value?.trim() ?? '';
  return {
    amount: v('amount'),
    currency: state.currency?.value?.selected_option?.value ?? '',
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
