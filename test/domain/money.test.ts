import { describe, expect, test } from '@jest/globals';
import { findCurrency, SUPPORTED_CURRENCIES } from '../../src/domain/currencies.js';
import {
  checkLimits,
  formatMoney,
  type MoneyResult,
  parseMoney,
  sumMoney,
  toDecimalString,
} from '../../src/domain/money.js';

const minor = (result: MoneyResult) => {
  if (!result.ok) throw new Error(`expected success, got ${result.code}: ${result.message}`);
  return [result.money.amountMinor, result.money.currency] as const;
};
const code = (result: MoneyResult) => (result.ok ? 'ok' : result.code);

describe('parseMoney: what people and models write', () => {
  test.each([
    ['1,200', 'USD', 120000n, 'USD'],
    ['$19.99', undefined, 1999n, 'USD'],
    ['1200.5', 'USD', 120050n, 'USD'],
    ['¥5000', undefined, 5000n, 'JPY'],
    ['EUR 12,50', undefined, 1250n, 'EUR'],
    ['12,50 €', undefined, 1250n, 'EUR'],
    ['1.234,56', 'EUR', 123456n, 'EUR'],
    ['123,456.78', 'USD', 12345678n, 'USD'],
    ['1 234,56', 'EUR', 123456n, 'EUR'],
    ['usd 1200', undefined, 120000n, 'USD'],
    ['1200 gbp', undefined, 120000n, 'GBP'],
    ['£0.30', undefined, 30n, 'GBP'],
    ['$50', 'CAD', 5000n, 'CAD'],
    ['CA$50', undefined, 5000n, 'CAD'],
    ['0.50', 'USD', 50n, 'USD'],
    ['5000.00', 'JPY', 5000n, 'JPY'],
    ['1200', 'jpy', 1200n, 'JPY'],
    ['₩15,000', undefined, 15000n, 'KRW'],
    ['12.345', 'USD', undefined, undefined],
  ])('%s (currency %s) → %s minor units of %s', (text, hint, amount, currency) => {
    const result = parseMoney(text, hint);
    if (amount === undefined) {
      expect(result.ok).toBe(false);
      return;
    }
    expect(minor(result)).toEqual([amount, currency]);
  });

  test('three-decimal currencies use all three decimals and must end in 0 for Stripe', () => {
    expect(minor(parseMoney('12.500', 'KWD'))).toEqual([12500n, 'KWD']);
    expect(minor(parseMoney('BHD 1.25'))).toEqual([1250n, 'BHD']);
    expect(minor(parseMoney('OMR 7'))).toEqual([7000n, 'OMR']);
    expect(minor(parseMoney('1,234.560', 'JOD'))).toEqual([1234560n, 'JOD']);
    expect(minor(parseMoney('TND 3.000'))).toEqual([3000n, 'TND']);
    const step = parseMoney('12.345', 'KWD');
    expect(code(step)).toBe('invalid_step');
    expect(step.ok || step.message).toMatch(/last of the three decimals must be 0/);
  });

  test('zero-decimal currencies refuse fractions', () => {
    const result = parseMoney('¥5000.5');
    expect(code(result)).toBe('too_many_decimals');
    expect(result.ok || result.message).toMatch(/JPY has no decimal places/);
    expect(code(parseMoney('1000.1', 'KRW'))).toBe('too_many_decimals');
  });

  test.each([
    ['', 'USD', 'empty'],
    ['   ', 'USD', 'empty'],
    ['NaN', 'USD', 'not_a_number'],
    ['Infinity', 'USD', 'not_a_number'],
    ['twelve dollars', undefined, 'not_a_number'],
    ['1e5', 'USD', 'not_a_number'],
    ['0x10', 'USD', 'not_a_number'],
    ['12..5', 'USD', 'not_a_number'],
    ['1,2,3', 'USD', 'not_a_number'],
    ['-5', 'USD', 'negative'],
    ['−5', 'USD', 'negative'],
    ['-$5', undefined, 'negative'],
    ['(5.00)', 'USD', 'negative'],
    ['0', 'USD', 'zero'],
    ['0.00', 'USD', 'zero'],
    ['19.9999', 'USD', 'too_many_decimals'],
    ['1.2345', 'KWD', 'too_many_decimals'],
    ['1.200', 'USD', 'ambiguous_separator'],
    ['1,200', 'KWD', 'ambiguous_separator'],
    ['1200', undefined, 'missing_currency'],
    ['1200', 'XYZ', 'unknown_currency'],
    ['1200 ABC', undefined, 'unknown_currency'],
    ['100', 'BTC', 'unknown_currency'],
    ['€100', 'USD', 'currency_mismatch'],
    ['USD 100', 'EUR', 'currency_mismatch'],
    ['0.49', 'USD', 'below_minimum'],
    ['¥49', undefined, 'below_minimum'],
    ['1000000', 'USD', 'above_maximum'],
    ['999999999999999999999999999', 'USD', 'above_maximum'],
    ['100000000', 'JPY', 'above_maximum'],
  ])('"%s" (currency %s) is refused: %s', (text, hint, expected) => {
    const result = parseMoney(text, hint);
    expect(code(result)).toBe(expected);
    expect(result.ok || result.message.length).toBeGreaterThan(10);
  });

  test('reasons name the rule and the fix', () => {
    const unknown = parseMoney('100', 'XYZ');
    expect(unknown.ok || unknown.message).toMatch(/"XYZ" is not a currency.*USD, EUR/);
    const max = parseMoney('1000000', 'USD');
    expect(max.ok || max.message).toBe("That is above Stripe's maximum of $999,999.99 USD for one payment.");
    const min = parseMoney('0.49', 'USD');
    expect(min.ok || min.message).toBe("$0.49 USD is below Stripe's minimum charge of $0.50 USD.");
  });

  test('the largest allowed amount is exact, far beyond float precision limits of cents arithmetic', () => {
    expect(minor(parseMoney('999,999.99', 'USD'))).toEqual([99_999_999n, 'USD']);
    // 0.1 + 0.2 style errors cannot happen: parsing is digit by digit.
    expect(minor(parseMoney('0.70', 'USD'))).toEqual([70n, 'USD']);
    expect(minor(parseMoney('1.15', 'USD'))).toEqual([115n, 'USD']);
  });
});

describe('checkLimits', () => {
  test('applies the same rules to amounts already in minor units', () => {
    expect(code(checkLimits({ amountMinor: 50n, currency: 'USD' }))).toBe('ok');
    expect(code(checkLimits({ amountMinor: -1n, currency: 'USD' }))).toBe('negative');
    expect(code(checkLimits({ amountMinor: 0n, currency: 'USD' }))).toBe('zero');
    expect(code(checkLimits({ amountMinor: 100_000_000n, currency: 'USD' }))).toBe('above_maximum');
    expect(code(checkLimits({ amountMinor: 1005n, currency: 'KWD' }))).toBe('invalid_step');
    expect(code(checkLimits({ amountMinor: 100n, currency: 'ZZZ' }))).toBe('unknown_currency');
  });
});

describe('display', () => {
  test.each([
    [120000n, 'USD', '$1,200.00 USD', '1200.00'],
    [5000n, 'JPY', '¥5,000 JPY', '5000'],
    [1250n, 'KWD', 'KWD\u00a01.250', '1.250'],
    [1248050n, 'CHF', 'CHF\u00a012,480.50', '12480.50'],
    [5n, 'EUR', '€0.05 EUR', '0.05'],
    [99_999_999n, 'USD', '$999,999.99 USD', '999999.99'],
    [5000n, 'CAD', 'CA$50.00 CAD', '50.00'],
  ])('%s %s → %s', (amountMinor, currency, display, decimal) => {
    expect(formatMoney({ amountMinor, currency })).toBe(display);
    expect(toDecimalString({ amountMinor, currency })).toBe(decimal);
  });

  test.each(SUPPORTED_CURRENCIES)('code exactly once for every supported currency: %s', (currency) => {
    const exponent = findCurrency(currency)?.exponent ?? 2;
    const shown = formatMoney({ amountMinor: 1248050n, currency });
    expect(shown.split(currency)).toHaveLength(2);
    // The currency's own decimals (en-US: "." before them, "," between thousands), every digit exact.
    expect(/\.(\d+)/.exec(shown)?.[1]?.length ?? 0).toBe(exponent);
    expect(shown.replace(/\D/g, '')).toBe('1248050');
  });

  test('formatting never goes through a float: a 16-digit amount keeps every digit', () => {
    expect(toDecimalString({ amountMinor: 1234567890123457n, currency: 'USD' })).toBe('12345678901234.57');
  });
});

describe('sumMoney', () => {
  test('adds one currency exactly and refuses to mix currencies', () => {
    expect(
      sumMoney('USD', [
        { amountMinor: 10n, currency: 'USD' },
        { amountMinor: 20n, currency: 'USD' },
      ]),
    ).toEqual({ amountMinor: 30n, currency: 'USD' });
    expect(() => sumMoney('USD', [{ amountMinor: 10n, currency: 'EUR' }])).toThrow(/Cannot add EUR/);
  });
});
