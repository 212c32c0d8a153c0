/**
 * Stripe's dispute reason codes in plain words, as finance reads them on the card and in the thread.
 *
 * @see https://docs.stripe.com/api/disputes/object#dispute_object-reason
 * @see https://docs.stripe.com/disputes/categories
 */
const DISPUTE_REASONS: Readonly<Record<string, string>> = {
  bank_cannot_process: 'the bank cannot process the payment',
  check_returned: 'the check was returned',
  credit_not_processed: 'the customer says a promised refund or credit was not given',
  customer_initiated: 'the customer asked their bank to reverse the payment',
  debit_not_authorized: 'the customer says they did not authorise the debit',
  duplicate: 'the customer says they were charged twice',
  fraudulent: 'the customer says they did not make or authorise the payment (fraud)',
  general: 'no specific reason given',
  incorrect_account_details: 'the account details were incorrect',
  insufficient_funds: 'the account had insufficient funds',
  noncompliant: 'the payment was flagged as noncompliant with the card network’s rules',
  product_not_received: 'the customer says they did not receive what they paid for',
  product_unacceptable: 'the customer says what they received was defective or not as described',
  subscription_canceled: 'the customer says they canceled a subscription before this charge',
  unrecognized: 'the customer does not recognise the payment',
};

/** "the customer says they were charged twice" for `duplicate`; an unknown code is shown as words. */
export function describeDisputeReason(code: string | null | undefined): string {
  if (!code) return 'no reason given yet';
  return DISPUTE_REASONS[code] ?? code.replace(/_/g, ' ');
}
