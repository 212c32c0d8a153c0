import { type Refusal, type Result, refuse } from '../errors.js';
import {
  ALL_SYMBOLS,
  type CurrencyInfo,
  currenciesForSymbol,
  findCurrency,
  SUPPORTED_CURRENCIES,
} from './currencies.js';

/** An exact amount: integer minor units (cents, yen, fils) of one ISO 4217 currency. */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: string;
}

export type MoneyErrorCode =
  | 'empty'
  | 'not_a_number'
  | 'negative'
  | 'zero'
  | 'too_many_decimals'
  | 'ambiguous_separator'
  | 'missing_currency'
  | 'unknown_currency'
  | 'currency_mismatch'
  | 'below_minimum'
  | 'above_maximum'
  | 'invalid_step';

/** Says what is wrong and how to write it instead; safe to show to a person or a model. */
export type MoneyError = Refusal<MoneyErrorCode>;

export type MoneyResult = Result<{ money: Money }, MoneyErrorCode>;

const fail = (code: MoneyErrorCode, message: string): MoneyError => refuse(code, message);

const NEGATIVE_SIGNS = /^[-−–(]|[-−–)]$/;
const GROUPING_SPACES = /[\s'’]/g;

/**
 * Parses what a person or a model wrote ("1,200", "$19.99", "¥5000", "EUR 12,50", "1200.5", "$1.2k") into an
 * exact amount, using decimal digits only: no floating point is ever involved.
 *
 * `currencyHint` is the currency stated separately (a tool argument, a command word). When both the
 * text and the hint name a currency they must agree.
 */
export function parseMoney(text: string, currencyHint?: string): MoneyResult {
  let rest = text.normalize('NFKC').trim();
  if (rest === '') return fail('empty', 'No amount was given.');
  if (!/\d/.test(rest)) return fail('not_a_number', `"${text.trim()}" has no digits; write an amount such as 1200.50.`);

  const hint = currencyHint?.trim() ? findCurrency(currencyHint) : undefined;
  if (currencyHint?.trim() && !hint) return unknownCurrency(currencyHint.trim());

  let named: CurrencyInfo | undefined;
  let symbol: string | undefined;
  // Peel currency codes and symbols off either end ("USD 12", "12 usd", "US$12", "12 €").
  for (let changed = true; changed; ) {
    changed = false;
    const code = /^([A-Za-z]{3})(?![A-Za-z])\s*|\s*(?<![A-Za-z])([A-Za-z]{3})$/.exec(rest);
    if (code) {
      const word = (code[1] ?? code[2] ?? '').toUpperCase();
      const info = findCurrency(word);
      if (!info) return unknownCurrency(word);
      if (named && named.code !== info.code) return mismatch(named.code, info.code);
      named = info;
      rest = rest.slice(0, code.index) + rest.slice(code.index + code[0].length);
      changed = true;
    }
    const sym = ALL_SYMBOLS.find((s) => rest.startsWith(s) || rest.endsWith(s));
    if (sym && !symbol) {
      symbol = sym;
      rest = rest.startsWith(sym) ? rest.slice(sym.length) : rest.slice(0, -sym.length);
      changed = true;
    }
    rest = rest.trim();
  }

  if (NEGATIVE_SIGNS.test(rest)) {
    return fail('negative', 'Amounts must be positive; to give money back, refund the payment.');
  }

  // "1.2k", "5 k": thousands, shifted by three digits (still no floating point).
  const thousands = /\d\s?[kK]$/.test(rest);
  if (thousands) rest = rest.replace(/\s?[kK]$/, '');

  const info = resolveCurrency(named, symbol, hint);
  if (!info.ok) return info;
  const cur = info.currency;

  const number = splitNumber(rest, cur);
  if (!number.ok) return number;
  const whole = thousands ? number.whole + number.fraction.slice(0, 3).padEnd(3, '0') : number.whole;
  const fraction = thousands ? number.fraction.slice(3) : number.fraction;

  const excess = fraction.slice(cur.exponent);
  if (/[1-9]/.test(excess)) {
    return fail(
      'too_many_decimals',
      cur.exponent === 0
        ? `${cur.code} has no decimal places; write a whole number such as ${example(cur)}.`
        : `${cur.code} allows at most ${cur.exponent} decimal places; "${text.trim()}" has ${fraction.length}.`,
    );
  }
  // Beyond 16 digits the amount is far above every maximum; stop before building a huge BigInt.
  const digits = (whole + fraction.slice(0, cur.exponent).padEnd(cur.exponent, '0')).replace(/^0+/, '');
  if (digits.length > 16) return aboveMaximum(cur);
  return checkLimits({ amountMinor: BigInt(digits || '0'), currency: cur.code });
}

/** Checks an amount already in minor units against the currency's rules and Stripe's limits. */
export function checkLimits(money: Money): MoneyResult {
  const cur = findCurrency(money.currency);
  if (!cur) return unknownCurrency(money.currency);
  const amount = money.amountMinor;
  if (amount < 0n) return fail('negative', 'Amounts must be positive.');
  if (amount === 0n) return fail('zero', 'The amount is zero; a charge needs a positive amount.');
  if (amount > cur.maximumMinor) return aboveMaximum(cur);
  if (amount < cur.minimumMinor) {
    return fail(
      'below_minimum',
      `${formatMoney(money)} is below Stripe's minimum charge of ${formatMoney({ amountMinor: cur.minimumMinor, currency: cur.code })}.`,
    );
  }
  if (amount % cur.minorStep !== 0n) {
    return fail(
      'invalid_step',
      `Stripe accepts ${cur.code} amounts only in steps of ${formatMoney({ amountMinor: cur.minorStep, currency: cur.code })} (the last of the three decimals must be 0).`,
    );
  }
  return { ok: true, money: { amountMinor: amount, currency: cur.code } };
}

/** "1200.00" for USD 1200, "5000" for JPY 5000, "1.250" for KWD 1.25: exact, for CSV and models. */
export function toDecimalString(money: Money): string {
  const cur = findCurrency(money.currency);
  const exponent = cur?.exponent ?? 2;
  const negative = money.amountMinor < 0n;
  const digits = (negative ? -money.amountMinor : money.amountMinor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/**
 * How people see money, everywhere (cards, notices, lists, modals, audit details): the currency's
 * symbol where it has one and its ISO code exactly once ("$1,200.00 USD", "CHF 12,480.50",
 * "¥5,000 JPY", "KWD 1.250"), with the currency's own decimals, formatted by Intl from an exact
 * decimal string (never a float).
 */
export function formatMoney(money: Money, locale = 'en-US'): string {
  const exponent = findCurrency(money.currency)?.exponent ?? 2;
  const text = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(toDecimalString(money) as Intl.StringNumericLiteral);
  return text.includes(money.currency) ? text : `${text} ${money.currency}`;
}

/** Sums amounts of one currency; refuses to mix currencies (invariant 3). */
export function sumMoney(currency: string, amounts: readonly Money[]): Money {
  let total = 0n;
  for (const m of amounts) {
    if (m.currency !== currency) throw new Error(`Cannot add ${m.currency} to a ${currency} total`);
    total += m.amountMinor;
  }
  return { amountMinor: total, currency };
}

function resolveCurrency(
  named: CurrencyInfo | undefined,
  symbol: string | undefined,
  hint: CurrencyInfo | undefined,
): Result<{ currency: CurrencyInfo }, MoneyErrorCode> {
  const explicit = named ?? hint;
  if (named && hint && named.code !== hint.code) return mismatch(named.code, hint.code);
  if (symbol) {
    if (explicit) {
      // "$" fits every dollar currency once the currency itself is stated ("$50" with CAD).
      const fits =
        explicit.symbols.includes(symbol) || (symbol === '$' && explicit.symbols.some((s) => s.endsWith('$')));
      if (!fits) return mismatch(symbol, explicit.code);
      return { ok: true, currency: explicit };
    }
    const candidates = currenciesForSymbol(symbol);
    if (candidates.length === 1 && candidates[0]) return { ok: true, currency: candidates[0] };
  }
  if (explicit) return { ok: true, currency: explicit };
  return fail('missing_currency', 'Which currency? Add an ISO code such as USD, EUR or JPY.');
}

/** Splits "1,234.56" / "1.234,56" / "1 234,5" into whole and fraction digits, refusing guesses. */
function splitNumber(raw: string, cur: CurrencyInfo): Result<{ whole: string; fraction: string }, MoneyErrorCode> {
  const notANumber = fail('not_a_number', `"${raw}" is not an amount; write digits such as ${example(cur)}.`);
  if (!/^[0-9][0-9.,\s'’]*$/.test(raw) || !/[0-9]$/.test(raw)) return notANumber;
  // Spaces and apostrophes group thousands ("1 234,56", "1'234.50") only when exactly three digits
  // follow; they become "_" so the grouping check below treats them like any separator.
  const s = raw.replace(GROUPING_SPACES, (m, offset: number) =>
    /^\d{3}(\D|$)/.test(raw.slice(offset + m.length)) ? '_' : m,
  );
  if (/[\s'’]/.test(s)) return notANumber;

  const dots = s.split('.').length - 1;
  const commas = s.split(',').length - 1;
  let decimal: '.' | ',' | undefined;
  if (dots > 0 && commas > 0) {
    decimal = s.lastIndexOf('.') > s.lastIndexOf(',') ? '.' : ',';
    if ((decimal === '.' ? dots : commas) > 1) return notANumber;
  } else if (dots + commas === 1) {
    const sep = dots ? '.' : ',';
    decimal = sep;
    if (/^\d{1,3}[.,]\d{3}$/.test(s)) {
      // One separator before exactly three digits: "1,200" is twelve hundred in USD but 1.2 in a
      // three-decimal currency, and "1.200" is the mirror case. Read it only where one reading is usual.
      if (cur.exponent !== 3 && sep === ',') decimal = undefined;
      else if (!(cur.exponent === 3 && sep === '.')) {
        return fail(
          'ambiguous_separator',
          `"${raw}" could be read two ways; write it without a thousands separator (for example ${example(cur)}).`,
        );
      }
    }
  }
  const [wholePart = '', fraction = '', ...extra] = decimal ? s.split(decimal) : [s];
  if (extra.length > 0 || !/^\d*$/.test(fraction)) return notANumber;
  const groups = wholePart.split(/[.,_]/);
  const grouped = groups.length > 1;
  if (grouped && !groups.every((g, i) => (i === 0 ? /^\d{1,3}$/.test(g) : /^\d{3}$/.test(g)))) {
    return notANumber;
  }
  const whole = groups.join('');
  if (!/^\d+$/.test(whole)) return notANumber;
  return { ok: true, whole, fraction };
}

function example(cur: CurrencyInfo): string {
  return cur.exponent === 0 ? '5000' : cur.exponent === 3 ? '12.500' : '1200.50';
}

function unknownCurrency(code: string): MoneyError {
  return fail(
    'unknown_currency',
    `"${code}" is not a currency Countersign accepts. Use one of: ${SUPPORTED_CURRENCIES.join(', ')}.`,
  );
}

function mismatch(a: string, b: string): MoneyError {
  return fail('currency_mismatch', `The amount says ${a} but the currency is ${b}; which one is it?`);
}

function aboveMaximum(cur: CurrencyInfo): MoneyError {
  return fail(
    'above_maximum',
    `That is above Stripe's maximum of ${formatMoney({ amountMinor: cur.maximumMinor, currency: cur.code })} for one payment.`,
  );
}
