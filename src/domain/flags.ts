/**
 * Flags inform the approver; they never block by themselves. Codes are external contract (cards,
 * audit trail, the CSV `flags` column separated by `;`, and the report's "flagged: N").
 */
export const FLAG_CODES = [
  'possible_duplicate',
  'amount_not_stated',
  'currency_not_stated',
  'customer_not_stated',
  'unusual_amount',
  'paid_after_expiry',
] as const;

export type FlagCode = (typeof FLAG_CODES)[number];

/**
 * One flag on a request. `facts` are values we computed (references, counts, ratios, ISO dates),
 * never text from a person or the model, so a flag can never carry an instruction or a mention.
 */
export interface ChargeFlag {
  readonly code: FlagCode;
  readonly facts?: Readonly<Record<string, string | number | boolean>>;
}

/** `possible_duplicate;unusual_amount`, as the CSV column holds them. */
export function flagCodes(flags: readonly ChargeFlag[]): string {
  return flags.map((f) => f.code).join(';');
}
