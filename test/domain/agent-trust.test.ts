import { describe, expect, test } from '@jest/globals';
import type { ChargeStatus } from '../../src/domain/charge-status.js';
import { customerKey, sameCustomer } from '../../src/domain/customer.js';
import { duplicateFlag, parseFactor, unusualAmountFlag } from '../../src/domain/flags.js';
import {
  amountStated,
  currencyStated,
  customerStated,
  groundingAfterEdit,
  groundingFlags,
  requesterWordsOf,
} from '../../src/domain/grounding.js';
import { parseMoney } from '../../src/domain/money.js';

const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' });

describe('customers', () => {
  test('when names differ only in case, accents, punctuation or legal form, then they are one customer', () => {
    expect(customerKey('ACME Corp.')).toBe('acme');
    expect(customerKey('Acme Corporation')).toBe('acme');
    expect(customerKey('The Acme Company, Inc')).toBe('acme');
    expect(customerKey('Müller & Söhne GmbH')).toBe('muller and sohne');
    expect(customerKey('Nestlé S.A.')).toBe('nestle');
    expect(customerKey('Inc')).toBe('inc');
    expect(customerKey('Acme Industries')).not.toBe(customerKey('Acme'));
  });

  test('when the billing email is the same, then the customer is the same whatever the name', () => {
    const a = { customerName: 'Acme', customerEmail: 'Billing@Acme.test' };
    expect(sameCustomer(a, { customerName: 'ACME Corp', customerEmail: null })).toBe(true);
    expect(sameCustomer(a, { customerName: 'Globex', customerEmail: 'billing@acme.test ' })).toBe(true);
    expect(sameCustomer(a, { customerName: 'Globex', customerEmail: null })).toBe(false);
    expect(
      sameCustomer({ customerName: 'Globex', customerEmail: null }, { customerName: 'Initech', customerEmail: null }),
    ).toBe(false);
  });
});

describe('the requester stated it', () => {
  test('when the amount is written in any notation we parse, then it is stated', () => {
    for (const text of [
      'charge Acme $1,200 for the workshop',
      'charge acme 1200 usd',
      'please bill 1200.00 dollars',
      'it is $1.2k',
      'about 1.2 k USD',
      'USD 1 200 for Acme',
      'bill them 1200.',
    ]) {
      expect([text, amountStated(usd(120000n), [text])]).toEqual([text, true]);
    }
    expect(amountStated({ amountMinor: 120050n, currency: 'EUR' }, ['1.200,50 € für Acme'])).toBe(true);
    expect(amountStated({ amountMinor: 5000n, currency: 'JPY' }, ['¥5,000 please'])).toBe(true);
  });

  test('when the amount is not in the words, then it is not stated', () => {
    expect(amountStated(usd(150000n), ['charge Acme $1,200'])).toBe(false);
    expect(amountStated(usd(120000n), ['charge Acme twelve hundred dollars'])).toBe(false);
    expect(amountStated(usd(120000n), ['charge Acme 12,000'])).toBe(false);
    // Digits inside other numbers do not count.
    for (const minor of [1200n, 202400n, 20200n, 1000n, 3000n, 300n, 400n]) {
      expect(amountStated(usd(minor), ['invoice 2024-05-12, at 10:30, 3/4 done'])).toBe(false);
    }
  });

  test('currency by ISO code, symbol or name; a symbol inside another currency’s symbol does not count', () => {
    expect(currencyStated('USD', ['charge 1200 usd'])).toBe(true);
    expect(currencyStated('USD', ['charge $1200'])).toBe(true);
    expect(currencyStated('USD', ['charge 1200 dollars'])).toBe(true);
    expect(currencyStated('EUR', ['charge 1200 euros'])).toBe(true);
    expect(currencyStated('EUR', ['charge 1200€'])).toBe(true);
    expect(currencyStated('GBP', ['£40 for the tickets'])).toBe(true);
    expect(currencyStated('CAD', ['charge CA$1200'])).toBe(true);
    expect(currencyStated('CAD', ['charge 1200 canadian dollars'])).toBe(true);

    expect(currencyStated('USD', ['charge CA$1200'])).toBe(false);
    expect(currencyStated('USD', ['charge 1200 canadian dollars'])).toBe(false);
    expect(currencyStated('USD', ['charge Acme 1200'])).toBe(false);
    expect(currencyStated('EUR', ['charge $1200'])).toBe(false);
    expect(currencyStated('KRW', ['we won the deal, 5000'])).toBe(false);
  });

  test('customer by normalised words, legal forms aside', () => {
    expect(customerStated('Acme Corp', ['charge acme $1,200'])).toBe(true);
    expect(customerStated('ACME Corporation', ["Acme's workshop, 1200 USD"])).toBe(true);
    expect(customerStated('Müller GmbH', ['charge muller 50 EUR'])).toBe(true);
    expect(customerStated('Acme Industries', ['charge acme $1,200'])).toBe(false);
    expect(customerStated('Globex', ['charge acme $1,200'])).toBe(false);
  });

  test('each value the words lack gets its own flag; a grounded proposal none; typed fields are grounded by definition', () => {
    const proposal = { money: usd(150000n), customerName: 'Globex' };
    expect(groundingFlags(proposal, ['charge Acme $1,200']).map((f) => f.code)).toEqual([
      'amount_not_stated',
      'customer_not_stated',
    ]);
    expect(groundingFlags(proposal, ['charge Acme 1,500']).map((f) => f.code)).toEqual([
      'currency_not_stated',
      'customer_not_stated',
    ]);
    expect(groundingFlags(proposal, ['charge Globex', 'oh and it is $1,500'])).toEqual([]);
    expect(groundingFlags(proposal, undefined)).toEqual([]);
  });

  test('after an edit, a changed value is checked again (typed in the form: grounded); an unchanged one keeps its flag while still unstated', () => {
    const flags = [
      { code: 'amount_not_stated' as const },
      { code: 'currency_not_stated' as const },
      { code: 'customer_not_stated' as const },
    ];
    const codesOf = (list: { code: string }[]) => list.map((f) => f.code);
    const before = { money: usd(150000n), customerName: 'Globex' };
    // The form: the amount a person typed is theirs; the rest stays flagged.
    expect(codesOf(groundingAfterEdit(flags, before, { ...before, money: usd(160000n) }, undefined))).toEqual([
      'currency_not_stated',
      'customer_not_stated',
    ]);
    // The agent: the new customer is checked against the requester's words; the currency they now named clears.
    const after = { ...before, customerName: 'Initech' };
    expect(codesOf(groundingAfterEdit(flags, before, after, ['it is for Initech, in dollars']))).toEqual([
      'amount_not_stated',
    ]);
    expect(codesOf(groundingAfterEdit(flags, before, after, ['charge Globex']))).toEqual([
      'amount_not_stated',
      'currency_not_stated',
      'customer_not_stated',
    ]);
    // A value that was never flagged (typed with /charges new, or stated before) is not flagged by an edit elsewhere.
    expect(codesOf(groundingAfterEdit([], before, { ...before, money: usd(160000n) }, ['make it 1,600']))).toEqual([]);
  });

  test('the words kept for the card are the requester’s latest messages, bounded', () => {
    expect(requesterWordsOf(['a', ' ', 'b'])).toBe('a\nb');
    expect(requesterWordsOf([])).toBeNull();
    expect(requesterWordsOf(['1', '2', '3', '4', '5', '6'])).toBe('2\n3\n4\n5\n6');
    const long = requesterWordsOf(['x'.repeat(5000)]);
    expect(long?.length).toBe(2000);
    expect(long?.startsWith('…')).toBe(true);
  });
});

describe('k-notation', () => {
  test('"1.2k", "$1.2k" and "5 k" are thousands, exactly', () => {
    expect(parseMoney('1.2k', 'USD')).toEqual({ ok: true, money: usd(120000n) });
    expect(parseMoney('$1.2k')).toEqual({ ok: true, money: usd(120000n) });
    expect(parseMoney('5 k', 'EUR')).toEqual({ ok: true, money: { amountMinor: 500000n, currency: 'EUR' } });
    expect(parseMoney('1.23456k', 'USD')).toMatchObject({ ok: true, money: usd(123456n) });
    expect(parseMoney('1.234567k', 'USD')).toMatchObject({ ok: false, code: 'too_many_decimals' });
    expect(parseMoney('k', 'USD')).toMatchObject({ ok: false });
  });
});

describe('unusual amounts', () => {
  const factor = 300n; // 3×
  const history = [100000n, 90000n, 110000n]; // median $1,000.00

  test('when the amount is more than the factor times the customer’s median, then it is flagged with the ratio', () => {
    expect(unusualAmountFlag(420000n, { customer: history, requester: [] }, factor)).toEqual({
      code: 'unusual_amount',
      facts: { ratio: '4.2', basis: 'customer', count: 3, median_minor: '100000' },
    });
  });

  test('at the factor exactly, or below it, nothing is flagged', () => {
    expect(unusualAmountFlag(300000n, { customer: history, requester: [] }, factor)).toBeUndefined();
    expect(unusualAmountFlag(299999n, { customer: history, requester: [] }, factor)).toBeUndefined();
    expect(unusualAmountFlag(300001n, { customer: history, requester: [] }, factor)).toMatchObject({
      facts: { ratio: '3.0' },
    });
  });

  test('with too little history (under 3) nothing is flagged; the requester’s history stands in for a new customer', () => {
    expect(unusualAmountFlag(10_000_000n, { customer: [100n, 100n], requester: [100n] }, factor)).toBeUndefined();
    expect(unusualAmountFlag(10_000n, { customer: [100n, 100n], requester: [100n, 200n, 300n] }, factor)).toEqual({
      code: 'unusual_amount',
      facts: { ratio: '50.0', basis: 'requester', count: 3, median_minor: '200' },
    });
  });

  test('the median of an even count lies between the middle two, exactly', () => {
    // Median 150: 451 is more than 3 × 150, 450 is not.
    expect(unusualAmountFlag(450n, { customer: [100n, 100n, 200n, 900n], requester: [] }, factor)).toBeUndefined();
    expect(unusualAmountFlag(451n, { customer: [100n, 100n, 200n, 900n], requester: [] }, factor)).toBeDefined();
    expect(unusualAmountFlag(451n, { customer: [100n, 100n, 200n, 900n], requester: [] }, 350n)).toBeUndefined();
  });

  test('UNUSUAL_AMOUNT_FACTOR reads as exact hundredths and must be above 1', () => {
    expect(parseFactor('3')).toBe(300n);
    expect(parseFactor('2.5')).toBe(250n);
    expect(parseFactor('1.01')).toBe(101n);
    for (const bad of ['1', '0.5', '-3', '3x', '2.555', '']) expect(parseFactor(bad)).toBeUndefined();
  });
});

describe('possible duplicates', () => {
  const now = new Date('2026-11-10T12:00:00Z');
  const candidate = (reference: string, daysAgo: number, status: ChargeStatus = 'paid') => ({
    reference,
    status,
    channelId: 'C0SALES',
    threadTs: '1700000000.000100',
    at: new Date(now.getTime() - daysAgo * 86_400_000 - 3_600_000),
  });

  test('the most recent one is named, with its status, age, channel and how many more', () => {
    expect(duplicateFlag([candidate('CR-1040', 3), candidate('CR-1001', 9, 'pending_approval')], now)).toEqual({
      code: 'possible_duplicate',
      facts: {
        reference: 'CR-1040',
        status: 'paid',
        days: 3,
        channel: 'C0SALES',
        thread: '1700000000.000100',
        more: 1,
      },
    });
    expect(duplicateFlag([], now)).toBeUndefined();
  });

  test('a second charge the requester confirmed says so', () => {
    expect(duplicateFlag([candidate('CR-1040', 0, 'pending_approval')], now, 'CR-1040')?.facts).toMatchObject({
      confirmed: true,
      days: 0,
    });
    expect(duplicateFlag([candidate('CR-1040', 0)], now, 'CR-1')?.facts?.confirmed).toBeUndefined();
  });
});
