import type { ChargeStatus } from './charge-status.js';

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
  'extra_payment',
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

/** The flags computed when a request is proposed or edited; others (paid_after_expiry, extra_payment) are kept as they are. */
export const ASSESSED_FLAG_CODES: ReadonlySet<FlagCode> = new Set([
  'possible_duplicate',
  'unusual_amount',
  'amount_not_stated',
  'currency_not_stated',
  'customer_not_stated',
]);

/** DUPLICATE_WINDOW_DAYS and UNUSUAL_AMOUNT_FACTOR. */
export interface TrustSettings {
  /** How far back another request for the same customer and amount makes a possible duplicate. */
  readonly duplicateWindowDays: number;
  /** "More than this many times the usual amount", in hundredths (3 → 300n, 2.5 → 250n). */
  readonly unusualFactorHundredths: bigint;
}

export const DEFAULT_TRUST: TrustSettings = { duplicateWindowDays: 14, unusualFactorHundredths: 300n };

/** "3" → 300n, "2.5" → 250n; undefined unless a decimal above 1 with at most two decimals. */
export function parseFactor(text: string): bigint | undefined {
  const match = /^(\d{1,4})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const hundredths = BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  return hundredths > 100n ? hundredths : undefined;
}

/** Another request that may be the same charge (same customer, currency and amount). */
export interface DuplicateCandidate {
  readonly reference: string;
  readonly status: ChargeStatus;
  readonly channelId: string;
  /** The thread it lives in, when known (for a link). */
  readonly threadTs: string | null;
  /** Its latest step: requested, approved, linked or paid. */
  readonly at: Date;
}

const DAY_MS = 86_400_000;

/**
 * `possible_duplicate` for the most recent candidate, with how many more there are. `confirmed` when
 * the requester asked for a second identical charge on purpose (the agent's confirm_duplicate_of).
 */
export function duplicateFlag(
  candidates: readonly DuplicateCandidate[],
  now: Date,
  confirmedOf?: string,
): ChargeFlag | undefined {
  const [latest, ...others] = [...candidates].sort((a, b) => b.at.getTime() - a.at.getTime());
  if (!latest) return undefined;
  return {
    code: 'possible_duplicate',
    facts: {
      reference: latest.reference,
      status: latest.status,
      days: Math.max(0, Math.floor((now.getTime() - latest.at.getTime()) / DAY_MS)),
      channel: latest.channelId,
      ...(latest.threadTs ? { thread: latest.threadTs } : {}),
      ...(others.length ? { more: others.length } : {}),
      ...(confirmedOf && candidates.some((c) => c.reference === confirmedOf) ? { confirmed: true } : {}),
    },
  };
}

/** Whose history an amount was compared with. */
export type UsualBasis = 'customer' | 'requester';

/** The least history a "usual amount" needs. */
export const MIN_HISTORY = 3;

/**
 * `unusual_amount` when the amount is more than `factor` times the median of the customer's recent
 * amounts in this currency, or of the requester's when the customer has too little history. Exact:
 * bigint arithmetic on twice the median (a median of an even count may fall between minor units).
 */
export function unusualAmountFlag(
  amountMinor: bigint,
  histories: Readonly<Record<UsualBasis, readonly bigint[]>>,
  factorHundredths: bigint,
): ChargeFlag | undefined {
  const basis: UsualBasis | undefined =
    histories.customer.length >= MIN_HISTORY
      ? 'customer'
      : histories.requester.length >= MIN_HISTORY
        ? 'requester'
        : undefined;
  if (!basis) return undefined;
  const history = histories[basis];
  const twiceMedian = twiceMedianOf(history);
  if (twiceMedian <= 0n || amountMinor * 200n <= factorHundredths * twiceMedian) return undefined;
  const tenths = (amountMinor * 20n + twiceMedian / 2n) / twiceMedian;
  return {
    code: 'unusual_amount',
    facts: {
      ratio: `${tenths / 10n}.${tenths % 10n}`,
      basis,
      count: history.length,
      median_minor: ((twiceMedian + 1n) / 2n).toString(),
    },
  };
}

function twiceMedianOf(values: readonly bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0n;
  return sorted.length % 2 === 1 ? 2n * upper : (sorted[mid - 1] ?? 0n) + upper;
}
