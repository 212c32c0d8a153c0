import { type Result, refuse } from '../errors.js';
import { findCurrency } from './currencies.js';
import { formatMoney, type Money } from './money.js';

/** Per-currency amounts in minor units; a currency without an entry has no limit. */
export type PerCurrency = ReadonlyMap<string, bigint>;

export interface Policy {
  /** Undefined: every supported currency. */
  readonly allowedCurrencies: ReadonlySet<string> | undefined;
  readonly maxPerRequest: PerCurrency;
  /** Above this, a request is refused outright, whatever else is configured. */
  readonly hardCap: PerCurrency;
  readonly requesterDailyLimit: PerCurrency;
  readonly channelMonthlyBudget: PerCurrency;
  /** Above this amount, two distinct approvers (neither the requester) must approve. */
  readonly twoApproversAbove: PerCurrency;
}

export const NO_POLICY: Policy = {
  allowedCurrencies: undefined,
  maxPerRequest: new Map(),
  hardCap: new Map(),
  requesterDailyLimit: new Map(),
  channelMonthlyBudget: new Map(),
  twoApproversAbove: new Map(),
};

export type PolicyRule =
  | 'allowed_currencies'
  | 'max_per_request'
  | 'hard_cap'
  | 'requester_daily_limit'
  | 'channel_monthly_budget';

export interface Violation {
  readonly rule: PolicyRule;
  /** Names the rule, the limit and what is already used; safe to show to people and models. */
  readonly message: string;
}

/**
 * Parses "USD:5000, EUR:4000.50" (major units) into exact minor units per currency. Limits are not
 * charges, so Stripe's minimums do not apply: only the currency's decimal places do.
 */
export function parsePerCurrency(text: string | undefined): Result<{ value: PerCurrency }> {
  const out = new Map<string, bigint>();
  for (const entry of (text ?? '')
    .split(/[,;]\s*(?=[A-Za-z])/)
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z]{3})\s*[:=]\s*(\d[\d_]*)(?:\.(\d+))?$/.exec(entry);
    const currency = findCurrency(match?.[1] ?? '');
    if (!match?.[2] || !currency)
      return refuse('invalid_input', `"${entry}" should look like USD:5000 with a supported currency`);
    const fraction = match[3] ?? '';
    if (fraction.length > currency.exponent) {
      return refuse('invalid_input', `"${entry}" has more decimals than ${currency.code} allows`);
    }
    out.set(currency.code, BigInt(match[2].replace(/_/g, '') + fraction.padEnd(currency.exponent, '0')));
  }
  return { ok: true, value: out };
}

const show = (amountMinor: bigint, currency: string) => formatMoney({ amountMinor, currency });

/** Rules that depend only on the request itself. */
export function checkRequestRules(policy: Policy, money: Money): Violation[] {
  const violations: Violation[] = [];
  if (policy.allowedCurrencies && !policy.allowedCurrencies.has(money.currency)) {
    violations.push({
      rule: 'allowed_currencies',
      message: `${money.currency} is not an allowed currency (allowed: ${[...policy.allowedCurrencies].join(', ')}).`,
    });
  }
  const cap = policy.hardCap.get(money.currency);
  if (cap !== undefined && money.amountMinor > cap) {
    violations.push({
      rule: 'hard_cap',
      message: `${show(money.amountMinor, money.currency)} is above the hard cap of ${show(cap, money.currency)}; such requests are refused outright.`,
    });
  }
  const max = policy.maxPerRequest.get(money.currency);
  if (max !== undefined && money.amountMinor > max) {
    violations.push({
      rule: 'max_per_request',
      message: `${show(money.amountMinor, money.currency)} is above the maximum of ${show(max, money.currency)} per request.`,
    });
  }
  return violations;
}

/** What this requester and this channel have already used, in the request's currency. */
export interface BudgetUsage {
  readonly requesterToday: bigint;
  readonly channelThisMonth: bigint;
}

/** Whether a budget (a requester's day, a channel's month) limits this currency at all. */
export function hasBudgetRules(policy: Policy, currency: string): boolean {
  return policy.requesterDailyLimit.has(currency) || policy.channelMonthlyBudget.has(currency);
}

/** Rules that depend on what was already requested or approved (budgets move, so they are checked twice). */
export function checkBudgetRules(policy: Policy, money: Money, usage: BudgetUsage): Violation[] {
  const violations: Violation[] = [];
  const daily = policy.requesterDailyLimit.get(money.currency);
  if (daily !== undefined && usage.requesterToday + money.amountMinor > daily) {
    violations.push({
      rule: 'requester_daily_limit',
      message: `This would bring the requester's total today to ${show(usage.requesterToday + money.amountMinor, money.currency)}, above the daily limit of ${show(daily, money.currency)} (${show(usage.requesterToday, money.currency)} already used).`,
    });
  }
  const budget = policy.channelMonthlyBudget.get(money.currency);
  if (budget !== undefined && usage.channelThisMonth + money.amountMinor > budget) {
    violations.push({
      rule: 'channel_monthly_budget',
      message: `This would bring the channel's approved total this month to ${show(usage.channelThisMonth + money.amountMinor, money.currency)}, above its monthly budget of ${show(budget, money.currency)} (${show(usage.channelThisMonth, money.currency)} already approved).`,
    });
  }
  return violations;
}

/** How many distinct approvers (never the requester) this amount needs. */
export function approvalsRequired(policy: Policy, money: Money): 1 | 2 {
  const threshold = policy.twoApproversAbove.get(money.currency);
  return threshold !== undefined && money.amountMinor > threshold ? 2 : 1;
}

/** "uses 80% of the channel's monthly budget" for the card, or nothing without a budget. */
export function budgetShare(policy: Policy, money: Money, channelThisMonth: bigint): number | undefined {
  const budget = policy.channelMonthlyBudget.get(money.currency);
  if (budget === undefined || budget === 0n) return undefined;
  return Number(((channelThisMonth + money.amountMinor) * 100n) / budget);
}
