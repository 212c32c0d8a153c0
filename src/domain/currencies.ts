/**
 * The currencies Countersign accepts, with the facts needed to turn words into Stripe amounts.
 *
 * `exponent` is the number of minor-unit digits Stripe expects in API amounts (ISO 4217 for every
 * currency listed here). `minimumMinor` is Stripe's minimum charge amount; where Stripe states it only
 * as "the equivalent of USD 0.50", the value is a conservative floor above that equivalent so a link
 * never fails at Stripe for being too small. `maximumMinor` is Stripe's eight-digit API limit.
 *
 * @see https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts
 * @see https://docs.stripe.com/currencies#three-decimal
 */
export interface CurrencyInfo {
  readonly code: string;
  readonly exponent: 0 | 2 | 3;
  readonly minimumMinor: bigint;
  readonly maximumMinor: bigint;
  /** Three-decimal currencies must be sent to Stripe with a last digit of 0. */
  readonly minorStep: bigint;
  readonly symbols: readonly string[];
}

const STRIPE_MAX_MINOR = 99_999_999n;

function currency(
  code: string,
  exponent: 0 | 2 | 3,
  minimumMinor: bigint,
  symbols: readonly string[] = [],
): CurrencyInfo {
  return {
    code,
    exponent,
    minimumMinor,
    maximumMinor: STRIPE_MAX_MINOR,
    minorStep: exponent === 3 ? 10n : 1n,
    symbols,
  };
}

const TABLE: readonly CurrencyInfo[] = [
  currency('USD', 2, 50n, ['$', 'US$']),
  currency('EUR', 2, 50n, ['€']),
  currency('GBP', 2, 30n, ['£']),
  currency('CAD', 2, 50n, ['CA$', 'C$']),
  currency('AUD', 2, 50n, ['A$', 'AU$']),
  currency('NZD', 2, 50n, ['NZ$']),
  currency('CHF', 2, 50n),
  currency('SEK', 2, 300n),
  currency('NOK', 2, 300n),
  currency('DKK', 2, 250n),
  currency('PLN', 2, 200n, ['zł']),
  currency('CZK', 2, 1500n, ['Kč']),
  currency('HUF', 2, 17500n, ['Ft']),
  currency('RON', 2, 200n),
  currency('BGN', 2, 100n),
  currency('HKD', 2, 400n, ['HK$']),
  currency('SGD', 2, 50n, ['S$']),
  currency('INR', 2, 50n, ['₹']),
  currency('MXN', 2, 1000n, ['MX$']),
  currency('BRL', 2, 50n, ['R$']),
  currency('AED', 2, 200n),
  currency('MYR', 2, 200n, ['RM']),
  currency('THB', 2, 1000n, ['฿']),
  currency('JPY', 0, 50n, ['¥', '￥']),
  currency('KRW', 0, 1000n, ['₩']),
  currency('BHD', 3, 200n),
  currency('JOD', 3, 400n),
  currency('KWD', 3, 200n),
  currency('OMR', 3, 200n),
  currency('TND', 3, 2000n),
];

const BY_CODE = new Map(TABLE.map((c) => [c.code, c]));

/** Looks a currency up by ISO code, case-insensitively. */
export function findCurrency(code: string): CurrencyInfo | undefined {
  return BY_CODE.get(code.trim().toUpperCase());
}

/** Every currency whose symbol is `symbol` (for "$" that is only USD: see `SYMBOL_DEFAULTS`). */
export function currenciesForSymbol(symbol: string): CurrencyInfo[] {
  return TABLE.filter((c) => c.symbols.includes(symbol));
}

export const SUPPORTED_CURRENCIES: readonly string[] = TABLE.map((c) => c.code);

/** Symbols in the order they must be tried when reading text: longest first, so "US$" wins over "$". */
export const ALL_SYMBOLS: readonly string[] = [...new Set(TABLE.flatMap((c) => c.symbols))].sort(
  (a, b) => b.length - a.length,
);
