import { describe, expect, test } from '@jest/globals';
import {
  approvalsRequired,
  checkBudgetRules,
  checkRequestRules,
  NO_POLICY,
  type Policy,
  parsePerCurrency,
} from '../../src/domain/policy.js';

const per = (text: string) => {
  const parsed = parsePerCurrency(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' });
const rules = (violations: { rule: string }[]) => violations.map((v) => v.rule);

const policy: Policy = {
  allowedCurrencies: new Set(['USD', 'JPY']),
  maxPerRequest: per('USD:5000'),
  hardCap: per('USD:20000, JPY:1000000'),
  requesterDailyLimit: per('USD:1000'),
  channelMonthlyBudget: per('USD:50000'),
  twoApproversAbove: per('USD:1000'),
};

describe('policy limits', () => {
  test('parse exactly, per currency, with each currency’s decimals', () => {
    expect(per('USD:5000, EUR:4000.50, JPY:100000, KWD:1.250')).toEqual(
      new Map([
        ['USD', 500000n],
        ['EUR', 400050n],
        ['JPY', 100000n],
        ['KWD', 1250n],
      ]),
    );
    expect(parsePerCurrency('USD5000')).toMatchObject({ ok: false });
    expect(parsePerCurrency('XYZ:5')).toMatchObject({ ok: false });
    expect(parsePerCurrency('JPY:1.5')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/more decimals than JPY/),
    });
  });

  test.each([
    [499_999n, []],
    [500_000n, []],
    [500_001n, ['max_per_request']],
    [2_000_001n, ['hard_cap', 'max_per_request']],
  ])('maximum per request and hard cap: %s minor units → %j', (amount, expected) => {
    expect(rules(checkRequestRules(policy, usd(amount)))).toEqual(expected);
  });

  test('currencies outside the allowed list are refused', () => {
    expect(rules(checkRequestRules(policy, { amountMinor: 100n, currency: 'EUR' }))).toEqual(['allowed_currencies']);
    expect(checkRequestRules(NO_POLICY, { amountMinor: 100n, currency: 'EUR' })).toEqual([]);
  });

  test.each([
    [99_999n, []],
    [100_000n, []],
    [100_001n, ['requester_daily_limit']],
  ])('requester daily limit with $0 used: %s → %j', (amount, expected) => {
    expect(rules(checkBudgetRules(policy, usd(amount), { requesterToday: 0n, channelThisMonth: 0n }))).toEqual(
      expected,
    );
  });

  test.each([
    [4_999_999n, []],
    [5_000_000n, []],
    [5_000_001n, ['channel_monthly_budget']],
  ])('channel monthly budget with $40,000 used, adding %s more cents of budget', (total, expected) => {
    const used = 4_000_000n;
    const amount = total - used;
    const p = { ...policy, requesterDailyLimit: new Map() };
    expect(rules(checkBudgetRules(p, usd(amount), { requesterToday: 0n, channelThisMonth: used }))).toEqual(expected);
  });

  test('refusals name the limit and what is already used', () => {
    const [violation] = checkBudgetRules(policy, usd(30_000n), { requesterToday: 80_000n, channelThisMonth: 0n });
    expect(violation?.message).toBe(
      "This would bring the requester's total today to $1,100.00 USD, above the daily limit of $1,000.00 USD ($800.00 USD already used).",
    );
  });

  test.each([
    [100_000n, 1],
    [100_001n, 2],
  ])('two approvers above $1,000: %s → %i', (amount, expected) => {
    expect(approvalsRequired(policy, usd(amount))).toBe(expected);
    expect(approvalsRequired(policy, { amountMinor: amount, currency: 'JPY' })).toBe(1);
  });
});
